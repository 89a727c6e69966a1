/**
 * readCgroupSample over the recorded trees in samples/: the whole path from a container's
 * /proc/<pid>/cgroup lines to limits, usage and the model's figures, in real units.
 */
import { mkdtempSync, rmSync, cpSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCgroupSample } from '../../../../collectors/cgroupfs/sample.js';
import type { CgroupLayout } from '../../../../collectors/cgroupfs/layout.js';
import { openHostRoot } from '../../../../collectors/host-root.js';
import { parsePidCgroup } from '../../../../collectors/procfs/pid-cgroup.js';
import { deriveResources, hierarchyKey, isUnknown, ownPlace, unknown, type CgroupPlace, type ResourceTarget } from '../../../../src/model/resources.js';
import { resourcesToJson } from '../../../../views/json/resources.js';
import { readFileSync } from 'node:fs';

const root = openHostRoot('samples/cgroup-coroot');
const V2: CgroupLayout = { mode: 'v2', mounts: [{ version: 2, controllers: [], mountPoint: '/sys/fs/cgroup', mountRoot: '/' }] };
const v1 = (c: string[]) => ({ version: 1 as const, controllers: c, mountPoint: `/sys/fs/cgroup/${c[0]}`, mountRoot: '/' });
// The sample keeps cpu and cpuacct in separate directories, as hosts that mount them apart do.
const V1: CgroupLayout = { mode: 'v1', mounts: [v1(['cpu']), v1(['cpuacct']), v1(['memory']), v1(['blkio'])] };
const clock = (() => {
  let t = 0;
  return () => (t += 500);
})();

/** The target a single-process container gets from its /proc/<pid>/cgroup. */
function targetOf(pid: number): ResourceTarget {
  const lines = parsePidCgroup(readFileSync(`samples/cgroup-coroot/proc/${pid}/cgroup`, 'utf8'));
  return { paths: new Map(lines.map((l) => [hierarchyKey(l), ownPlace(l.path)])) };
}

describe('cgroup v2 capture (coroot, kubernetes pod with docker runtime)', () => {
  const sample = readCgroupSample(root, V2, targetOf(400), clock);
  const r = deriveResources(unknown('rates not sampled (--no-rates)'), sample);

  it('finds the pod container directory from /proc/400/cgroup', () => {
    expect(r.cgroups['memory']).toMatch(/^\/sys\/fs\/cgroup\/kubepods\.slice\/.*docker-73051af2.*\.scope$/);
  });

  it('has 0.1 CPU, no memory limit, and the usage the README states', () => {
    expect(r.limits.cpuCores).toBeCloseTo(0.1, 10);
    expect(r.limits.cpuPeriodUsec).toBe(100000);
    expect(r.limits.memoryBytes).toBe('unlimited');
    expect(r.usage.memoryBytes).toBe(48648192);
    expect(r.usage.cpuUsageUsec).toBe(3795681254);
    expect(r.usage.throttling).toEqual({ periods: 809036, throttledPeriods: 76, throttledUsec: 363166 });
    expect(r.usage.memory).toMatchObject({ anonBytes: 44892160, fileBytes: 1044480, shmemBytes: 98304, inactiveFileBytes: 159744 });
    // cAdvisor working set: usage - inactive_file.
    expect(r.usage.workingSetBytes).toBe(48648192 - 159744);
    expect(isUnknown(r.usage.pressure.cpu) ? null : r.usage.pressure.cpu.some?.totalUsec).toBe(465907442);
  });

  it('says why what the capture lacks is null: pids, events, kernel', () => {
    expect(r.usage.pids).toMatchObject({ cause: 'absent' });
    expect(r.usage.events.oomKill).toMatchObject({ cause: 'absent' });
    expect(r.usage.memory.kernelBytes).toEqual({ unknown: 'memory.stat kernel: not reported by this kernel' });
    expect(r.usage.cpuPercent).toEqual({ unknown: 'rates not sampled (--no-rates)' });
  });

  it('emits null for "max" and for unknown, with reasons only for unknown', () => {
    const j = resourcesToJson(r) as { limits: Record<string, unknown>; usage: Record<string, unknown>; resources: { unknown: Record<string, string> } };
    expect(j.limits['memoryBytes']).toBeNull();
    expect(j.resources.unknown['limits.memoryBytes']).toBeUndefined();
    expect(j.usage['pids']).toBeNull();
    expect(j.resources.unknown['usage.pids']).toMatch(/^absent: .*pids\.current/);
    expect(JSON.stringify(j)).not.toMatch(/:"max"|9223372036854771712|"unlimited"/);
  });

  it('has a 4 GiB limit and no CPU quota on the plain docker scope', () => {
    const t: ResourceTarget = { paths: new Map([['', ownPlace('/system.slice/docker-ba7b10d15d16e10e3de7a2dcd408a3d971169ae303f46cfad4c5453c6326fee2.scope')]]) };
    const d = deriveResources(unknown('x'), readCgroupSample(root, V2, t, clock));
    expect(d.limits.memoryBytes).toBe(4294967296);
    expect(d.limits.cpuCores).toBe('unlimited');
    expect(d.usage.throttledPercent).toBe('unlimited');
    expect(d.usage.memoryBytes).toBe(131047424);
  });
});

describe('cgroup v1 capture (coroot, docker cgroupfs driver)', () => {
  // /proc/200/cgroup names one `cpu,cpuacct` hierarchy, but the capture stores it as two
  // directories (the cpu and cpuacct symlinks hosts create), so the target is keyed per directory.
  const path = (targetOf(200).paths.get('memory') as CgroupPlace).path;
  const target: ResourceTarget = { paths: new Map(['cpu', 'cpuacct', 'memory', 'blkio'].map((k) => [k, ownPlace(path)])) };
  const r = deriveResources(unknown('x'), readCgroupSample(root, V1, target, clock));

  it('takes the container path from /proc/200/cgroup', () => {
    expect(path).toBe('/docker/b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f');
    expect(targetOf(200).paths.get('cpu,cpuacct')).toMatchObject({ path });
  });


  it('reads 1.5 CPU, a 20 GiB limit, cpuacct usage in microseconds and blkio per device', () => {
    expect(r.limits.cpuCores).toBe(1.5);
    expect(r.limits.memoryBytes).toBe(21474836480);
    expect(r.usage.cpuUsageUsec).toBe(107292866812.141);
    expect(r.usage.memory.anonBytes).toBe(12778020864);
    expect(r.usage.throttling.throttledPeriods).toBe(5583849);
    const io = isUnknown(r.usage.io) ? [] : r.usage.io;
    expect(io.find((d) => d.device === '8:48')).toEqual({ device: '8:48', readBytes: 875529547776, writeBytes: 753046432768, readOps: 20689345, writeOps: 27906791 });
  });

  it('names a controller that is not mounted instead of inventing a value', () => {
    expect(r.usage.pids).toEqual({ unknown: 'pids: controller not mounted' });
    expect(r.limits.pids).toEqual({ unknown: 'pids: controller not mounted' });
    expect(r.limits.cpuWeight).toEqual({ unknown: 'cpu.weight: not on cgroup v1' });
  });
});

describe('bad input in a sample tree', () => {
  it('turns garbage, unreadable files and a removed cgroup into reasons', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctrscope-unit-res-'));
    try {
      cpSync('samples/cgroup-coroot', dir, { recursive: true });
      const scope = join(dir, 'sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod8712f785_1a3e_41ec_a00b_e2dcc77431cb.slice/docker-73051af271105c07e1f493b34856a77e665e3b0b4fc72f76c807dfbffeb881bd.scope');
      writeFileSync(join(scope, 'memory.current'), 'forty-two\n');
      writeFileSync(join(scope, 'cpu.max'), '10000\n');
      rmSync(join(scope, 'memory.stat'));
      mkdirSync(join(scope, 'io.pressure.d'));
      const bad = openHostRoot(dir);
      const r = deriveResources(unknown('x'), readCgroupSample(bad, V2, targetOf(400), clock));
      expect(r.usage.memoryBytes).toMatchObject({ cause: 'malformed' });
      expect((r.usage.memoryBytes as { unknown: string }).unknown).toMatch(/memory\.current.*forty-two/);
      expect(r.limits.cpuCores).toMatchObject({ cause: 'malformed' });
      expect(r.usage.workingSetBytes).toMatchObject({ cause: 'malformed' });
      expect(r.usage.memory.anonBytes).toMatchObject({ cause: 'absent' });
      // Everything else still reads.
      expect(r.usage.cpuUsageUsec).toBe(3795681254);

      const before = readCgroupSample(bad, V2, targetOf(400), clock);
      rmSync(scope, { recursive: true });
      const after = deriveResources(before, readCgroupSample(bad, V2, targetOf(400), clock));
      expect(after.usage.cpuPercent).toMatchObject({ unknown: expect.stringMatching(/^cgroup removed between samples/) });
      expect(after.usage.memoryBytes).toMatchObject({ cause: 'absent' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('narrower readings (ResourceScope) on both captures', () => {
  const v1Path = (targetOf(200).paths.get('memory') as CgroupPlace).path;
  const cases: [string, CgroupLayout, ResourceTarget][] = [
    ['v2', V2, targetOf(400)],
    ['v1', V1, { paths: new Map(['cpu', 'cpuacct', 'memory', 'blkio'].map((k) => [k, ownPlace(v1Path)])) }],
  ];
  // A clock of its own per reading, so that two orders of readings see the same instants.
  const ticks = () => {
    let t = 0;
    return () => (t += 500);
  };

  for (const [name, layout, target] of cases) {
    it(`${name}: a 'table' reading has the figures a ps row shows, equal to a full reading's, and nothing else`, () => {
      const full = deriveResources(unknown('x'), readCgroupSample(root, layout, target, ticks()));
      const table = deriveResources(unknown('x'), readCgroupSample(root, layout, target, ticks(), {}, 'table'));
      expect(table.usage.memoryBytes).toEqual(full.usage.memoryBytes);
      expect(table.limits.memoryBytes).toEqual(full.limits.memoryBytes);
      expect(table.limits.sources.memoryBytes).toEqual(full.limits.sources.memoryBytes);
      expect(table.usage.pids).toEqual(full.usage.pids);
      expect(table.limits.pids).toEqual(full.limits.pids);
      expect(table.usage.cpuUsageUsec).toEqual(full.usage.cpuUsageUsec);
      expect(table.cgroups).toEqual(full.cgroups);
      expect(isUnknown(full.limits.cpuCores)).toBe(false);
      for (const v of [table.limits.cpuCores, table.usage.memory.anonBytes, table.usage.io, table.limits.io, table.usage.freezer]) {
        expect(v).toMatchObject({ unknown: expect.stringMatching(/not read for this view$/) });
      }
    });
  }
});
