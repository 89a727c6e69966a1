/** Pure resource derivations: which cgroup is the container's, and rates across two samples. */
import { describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../../collectors/collect.js';
import { openHostRoot } from '../../../collectors/host-root.js';
import { buildHostModel } from '../../../src/model/host-model.js';
import type { CgroupLine } from '../../../src/model/cgroup.js';
import type { Container, Membership } from '../../../src/model/container.js';
import type { Process } from '../../../src/model/process.js';
import { deriveResources, isUnknown, resourceTargets, unknown, workingSetBytes, type CgroupSample, type CpuCounters, type ResourceTarget } from '../../../src/model/resources.js';

const lines = (mem: string, cpu = mem, v2 = '/'): CgroupLine[] => [
  { hierarchyId: 4, controllers: ['memory'], path: mem },
  { hierarchyId: 1, controllers: ['cpu'], path: cpu },
  { hierarchyId: 9, controllers: ['name=systemd'], path: mem },
  { hierarchyId: 0, controllers: [], path: v2 },
];

function proc(pid: number, cgroups: CgroupLine[]): Process {
  return {
    pid, ppid: 1, kernelThread: false, comm: 'x', state: 'S', starttimeTicks: pid, utimeTicks: 0, stimeTicks: 0, rssPages: 0, vmRssKiB: null, threads: 1,
    cmdline: null, nspid: null, uids: null, gids: null, capEff: null, capPrm: null, capBnd: null, seccomp: null, seccompFilters: null, noNewPrivs: null,
    namespaces: {}, cgroups, gaps: [],
  };
}

function container(id: string, members: [number, Membership][]): Container {
  return {
    id, idKind: 'engine', name: id, engine: 'docker', runtime: null, image: null, command: [], pod: null, kubernetes: null,
    pid: members[0]?.[0] ?? 1, processes: members.map(([pid, via]) => ({ pid, nspid: null, via })), namespaces: {}, hostNamespaces: [],
    cgroup: { mode: 'hybrid', path: null }, monitor: null, partialMembers: [], metadata: null, evidence: [], starttimeTicks: 0,
  };
}

/** Each hierarchy's cgroup and, per level up to the root, how many processes there are not the container's. */
const paths = (t: ResourceTarget | { unknown: string } | undefined): Record<string, unknown> =>
  t && 'paths' in t ? Object.fromEntries([...t.paths].map(([k, p]) => [k, isUnknown(p) ? p : `${p.path} ${p.levels.map((l) => `${l.path}:${l.outside}`).join(' ')}`])) : { unknown: t?.unknown };

describe('resourceTargets', () => {
  // A container whose processes all read one lines array is placed without the general walk;
  // copies of the same lines (a distinct array each) take the general walk: both must agree.
  const walked = (ps: readonly Process[]): Process[] => ps.map((p) => ({ ...p, cgroups: p.cgroups ? p.cgroups.map((l) => ({ ...l })) : null }));
  it('places a container of one lines array as the general walk does, monitor, launcher and duplicate hierarchies included', () => {
    const one = lines('/ctr/a');
    const dup: CgroupLine[] = [...lines('/ctr/d'), { hierarchyId: 5, controllers: ['memory'], path: '/ctr/d/sub' }];
    const ps = [proc(10, one), proc(11, one), proc(12, one), proc(20, dup), proc(21, dup), proc(30, lines('/')), proc(40, lines('/ctr/a'))];
    const cs = [container('a', [[10, 'cgroup'], [11, 'descendant'], [12, 'namespaces']]), container('d', [[20, 'cgroup'], [21, 'cgroup']]), container('root', [[30, 'private-namespaces']])];
    const withMonitor = { ...container('m', [[11, 'cgroup']]), monitor: { pid: 12, kind: 'conmon', id: 'm' } } as unknown as Container;
    for (const c of [...cs, withMonitor]) {
      const fast = resourceTargets(ps, [c]).get(c);
      const general = resourceTargets(walked(ps), [c]).get(c);
      expect(paths(fast)).toEqual(paths(general));
      expect(fast).toEqual(general);
    }
  });

  for (const name of ['hybrid-docker', 'hybrid-handmade', 'v2-systemd']) {
    it(`places every container of samples/${name} as the general walk does`, () => {
      const model = buildHostModel(collectSnapshot(openHostRoot(`samples/${name}`), { nowMs: 0 }));
      expect(model.containers.length).toBeGreaterThan(1);
      const fast = resourceTargets(model.snapshot.processes, model.containers);
      const general = resourceTargets(walked(model.snapshot.processes), model.containers);
      for (const c of model.containers) expect(fast.get(c), c.id).toEqual(general.get(c));
    });
  }

  it('measures a container with processes in sub-cgroups once, at their common cgroup', () => {
    const ps = [proc(10, lines('/docker/a')), proc(11, lines('/docker/a/sub', '/docker/a')), proc(12, lines('/docker/a/sub/deeper', '/docker/a')), proc(20, lines('/docker/b'))];
    const a = container('a', [[10, 'cgroup'], [11, 'cgroup'], [12, 'cgroup']]);
    const t = resourceTargets(ps, [a]).get(a);
    // On cgroup2 every process is in the root cgroup: the container's usage there is not its own.
    expect(paths(t)).toEqual({ memory: '/docker/a /docker/a:0 /docker:1 /:1', cpu: '/docker/a /docker/a:0 /docker:1 /:1', '': '/ /:1' });
  });

  it('ignores members that only joined the namespaces (nsenter keeps its own cgroup)', () => {
    const ps = [proc(10, lines('/docker/a')), proc(30, lines('/user.slice/x'))];
    const a = container('a', [[10, 'cgroup'], [30, 'namespaces']]);
    expect(paths(resourceTargets(ps, [a]).get(a))['memory']).toBe('/docker/a /docker/a:0 /docker:0 /:0');
  });

  it('counts the processes outside the container at each level: its launcher in the same cgroup, the root cgroup', () => {
    const ps = [proc(10, lines('/ctr/u', '/user.slice/s1')), proc(11, lines('/ctr/u', '/user.slice/s1')), proc(40, lines('/', '/user.slice/s1'))];
    const c = container('u', [[10, 'private-namespaces'], [11, 'descendant']]);
    expect(paths(resourceTargets(ps, [c]).get(c))).toEqual({ memory: '/ctr/u /ctr/u:0 /ctr:0 /:1', cpu: '/user.slice/s1 /user.slice/s1:1 /user.slice:1 /:1', '': '/ /:1' });
  });

  it('has no target without a member whose cgroups were readable', () => {
    const c = container('gone', [[99, 'cgroup']]);
    expect(resourceTargets([], [c]).get(c)).toEqual({ unknown: 'no member process with a readable /proc/<pid>/cgroup' });
  });
});

const counters = (atMs: number, usageUsec: number, nrPeriods = 0, nrThrottled = 0, dir = '/sys/fs/cgroup/cpuacct/x'): CpuCounters => ({ atMs, dir, usageUsec, userUsec: usageUsec, systemUsec: 0, nrPeriods, nrThrottled, throttledUsec: 0 });

function sample(c: CpuCounters, quotaUsec: CgroupSample['cpu']['quotaUsec'] = 'unlimited'): CgroupSample {
  const u = unknown('not in this test');
  const own = { kind: 'own' as const, cgroup: '/x', outside: 0 };
  return {
    dirs: {},
    binding: {
      cpuCores: quotaUsec === 'unlimited' || typeof quotaUsec !== 'number' ? { value: quotaUsec, source: null } : { value: quotaUsec / 100000, source: own },
      memoryBytes: { value: 64 << 20, source: own },
      pids: { value: 100, source: own },
    },
    counters: c,
    cpu: { quotaUsec, periodUsec: 100000, weight: u, shares: 1024, cpus: { text: '0-1', count: 2 } },
    memory: { usageBytes: 30 << 20, limitBytes: 64 << 20, highBytes: u, softLimitBytes: 'unlimited', swapBytes: 'unlimited', swapUsageBytes: 0, anonBytes: 25 << 20, fileBytes: 4 << 20, kernelBytes: u, shmemBytes: 0, inactiveFileBytes: 3 << 20, oom: u, oomKill: 1, max: u, high: u, failcnt: 7, underOom: false },
    pids: { current: 3, max: 100 },
    io: { devices: [], limits: [] },
    pressure: { cpu: u, memory: u, io: u },
    freezer: 'thawed',
  };
}

describe('deriveResources', () => {
  it('computes CPU% of a host core and of the limit, and throttling, from counter deltas', () => {
    // 0.5 CPU busy for 2 s: 1 000 000 us used in 2 000 ms, 20 periods of which 19 throttled.
    const r = deriveResources(sample(counters(1000, 5_000_000, 100, 10)), sample(counters(3000, 6_000_000, 120, 29), 50000));
    expect(r.limits.cpuCores).toBe(0.5);
    expect(r.usage.cpuPercent).toBeCloseTo(50, 10);
    expect(r.usage.cpuPercentOfLimit).toBeCloseTo(100, 10);
    expect(r.usage.throttledPercent).toBeCloseTo(95, 10);
    expect(r.sampleIntervalMs).toBe(2000);
  });

  it('has no throttling or percent-of-limit without a limit, and 0% throttled when no period ran', () => {
    const r = deriveResources(sample(counters(0, 10)), sample(counters(500, 10)));
    expect(r.usage.cpuPercent).toBe(0);
    expect(r.usage.cpuPercentOfLimit).toBe('unlimited');
    expect(r.usage.throttledPercent).toBe('unlimited');
    expect(deriveResources(sample(counters(0, 10, 5, 1)), sample(counters(500, 10, 5, 1), 20000)).usage.throttledPercent).toBe(0);
  });

  it('refuses a counter that went backwards (container restarted) rather than report 0', () => {
    const r = deriveResources(sample(counters(0, 9_000_000, 50, 5)), sample(counters(500, 1_000, 1, 0), 50000));
    expect(r.usage.cpuPercent).toMatchObject({ unknown: expect.stringMatching(/CPU usage went backwards/) });
    expect(r.usage.throttledPercent).toMatchObject({ unknown: expect.stringMatching(/nr_periods went backwards/) });
    expect(r.usage.cpuPercentOfLimit).toMatchObject({ unknown: expect.stringMatching(/backwards/) });
  });

  it('refuses a rate across two different cgroups, or no elapsed time', () => {
    expect(deriveResources(sample(counters(0, 1)), sample(counters(500, 2, 0, 0, '/other'))).usage.cpuPercent).toMatchObject({ unknown: expect.stringMatching(/changed between samples/) });
    expect(deriveResources(sample(counters(500, 1)), sample(counters(500, 2))).usage.cpuPercent).toEqual({ unknown: 'no time elapsed between samples' });
  });

  it('keeps limits and usage with --no-rates, and the working set as usage - inactive_file', () => {
    const r = deriveResources(unknown('rates not sampled (--no-rates)'), sample(counters(0, 1), 50000));
    expect(r.usage.cpuPercent).toEqual({ unknown: 'rates not sampled (--no-rates)' });
    expect(r.limits.memoryBytes).toBe(64 << 20);
    expect(r.usage.workingSetBytes).toBe(27 << 20);
    expect(r.limits.pids).toBe(100);
    expect(workingSetBytes(100, 150)).toBe(0);
    expect(workingSetBytes(unknown('u'), 1)).toEqual(unknown('u'));
  });
});
