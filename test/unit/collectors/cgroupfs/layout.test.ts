import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cgroupDir, deriveCgroupLayout, mountForController, mountForLine } from '../../../../collectors/cgroupfs/layout.js';
import { parseMountInfo } from '../../../../collectors/procfs/mountinfo.js';
import { parsePidCgroup } from '../../../../collectors/procfs/pid-cgroup.js';

const layoutOf = (file: string) => deriveCgroupLayout(parseMountInfo(readFileSync(file, 'utf8')));
const ELASTIC = 'samples/elastic-asm/metric/system/cgroup/testdata';

describe('deriveCgroupLayout', () => {
  it('hybrid: this test VM (samples/hybrid-docker), cpu and cpuacct on separate mounts, empty unified', () => {
    const layout = layoutOf('samples/hybrid-docker/proc/self/mountinfo');
    expect(layout.mode).toBe('hybrid');
    expect(mountForController(layout, 'cpu')?.mountPoint).toBe('/sys/fs/cgroup/cpu');
    expect(mountForController(layout, 'cpuacct')?.mountPoint).toBe('/sys/fs/cgroup/cpuacct');
    expect(mountForController(layout, 'memory')?.controllers).toEqual(['memory']);
    expect(layout.mounts.find((m) => m.version === 2)?.mountPoint).toBe('/sys/fs/cgroup/unified');
    expect(layout.mounts.find((m) => m.controllers.includes('name=systemd'))?.mountPoint).toBe('/sys/fs/cgroup/systemd');
    // A container's /proc/<pid>/cgroup lines map to directories under those mounts.
    const lines = parsePidCgroup(readFileSync('samples/hybrid-docker/proc/678/cgroup', 'utf8'));
    const cpuacct = lines.find((l) => l.controllers.includes('cpuacct'));
    const mount = cpuacct && mountForLine(layout, cpuacct);
    expect(mount && cpuacct && cgroupDir(mount, cpuacct.path)).toBe('/sys/fs/cgroup/cpuacct/docker/9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483');
    const v2 = lines.find((l) => l.hierarchyId === 0);
    const v2mount = v2 && mountForLine(layout, v2);
    expect(v2mount && v2 && cgroupDir(v2mount, v2.path)).toBe('/sys/fs/cgroup/unified/docker/9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483');
  });

  it('hybrid: Ubuntu 18.04 with co-mounted cpu,cpuacct and net_cls,net_prio', () => {
    const layout = layoutOf(`${ELASTIC}/ubuntu1804/proc/self/mountinfo`);
    expect(layout.mode).toBe('hybrid');
    expect(mountForController(layout, 'cpuacct')?.mountPoint).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(mountForController(layout, 'cpu')?.controllers).toEqual(['cpu', 'cpuacct']);
    expect(mountForController(layout, 'net_prio')?.mountPoint).toBe('/sys/fs/cgroup/net_cls,net_prio');
    expect(layout.mounts.find((m) => m.version === 2)?.mountPoint).toBe('/sys/fs/cgroup/unified');
  });

  it('v1: an EKS node without cgroup2 (mount points as upstream rewrote them)', () => {
    const layout = layoutOf(`${ELASTIC}/amzn2/proc/self/mountinfo`);
    expect(layout.mode).toBe('v1');
    expect(layout.mounts.some((m) => m.version === 2)).toBe(false);
    expect(mountForController(layout, 'memory')?.mountPoint).toBe('testdata/amzn2/sys/fs/cgroup/memory');
    const lines = parsePidCgroup(readFileSync(`${ELASTIC}/amzn2/proc/493239/cgroup`, 'utf8'));
    const mem = lines.find((l) => l.controllers.includes('memory'));
    const mount = mem && mountForLine(layout, mem);
    expect(mount && mem && cgroupDir(mount, mem.path)).toMatch(/^testdata\/amzn2\/sys\/fs\/cgroup\/memory\/kubepods\.slice\/.*cri-containerd-1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496\.scope$/);
  });

  it('v2: seen from inside a container, the first of four cgroup2 mounts is kept; /.. paths do not resolve', () => {
    const layout = layoutOf(`${ELASTIC}/docker2/proc/self/mountinfo`);
    expect(layout.mode).toBe('v2');
    const v2 = layout.mounts.filter((m) => m.version === 2);
    expect(v2).toHaveLength(1);
    expect(v2[0]).toEqual({ version: 2, controllers: [], mountPoint: '/sys/fs/cgroup', mountRoot: '/' });
    expect(cgroupDir(v2[0] as NonNullable<(typeof v2)[0]>, '/../../user-1000.slice/session-520.scope')).toBeNull();
  });
});

describe('cgroupDir with a mount rooted above the reader\'s cgroup namespace', () => {
  it('refuses to place a path rather than dropping the `..` of `/../../../..` (datadog agent pod)', () => {
    // The host's cgroup2, mounted inside the agent's cgroup namespace at /host/sys/fs/cgroup.
    const entries = parseMountInfo(readFileSync('samples/datadog/mountinfo_k8s_agent', 'utf8'));
    const host = deriveCgroupLayout(entries.filter((e) => e.mountPoint === '/host/sys/fs/cgroup')).mounts[0];
    expect(host?.mountRoot).toBe('/../../../..');
    expect(cgroupDir(host as NonNullable<typeof host>, '/kubepods.slice/kubepods-besteffort.slice')).toBeNull();
  });
});

describe('cgroupDir: the directory of a cgroup path, whatever its shape', () => {
  const rootMount = { version: 1 as const, controllers: ['memory'], mountPoint: '/sys/fs/cgroup/memory', mountRoot: '/' };
  const nested = { ...rootMount, mountRoot: '/docker' };
  it.each([
    [rootMount, '/', '/sys/fs/cgroup/memory'],
    [rootMount, '/docker/abc', '/sys/fs/cgroup/memory/docker/abc'],
    [rootMount, '/system.slice/docker-abc.scope', '/sys/fs/cgroup/memory/system.slice/docker-abc.scope'],
    [rootMount, '/a b/é', '/sys/fs/cgroup/memory/a b/é'],
    [rootMount, '/docker/', '/sys/fs/cgroup/memory/docker'],
    [rootMount, '/.hidden/x', '/sys/fs/cgroup/memory/.hidden/x'],
    [rootMount, '/a/./b', '/sys/fs/cgroup/memory/a/b'],
    [rootMount, '/a//b', '/sys/fs/cgroup/memory/a/b'],
    [rootMount, '/a/../b', '/sys/fs/cgroup/memory/b'],
    [rootMount, '/../x', null],
    [nested, '/docker', '/sys/fs/cgroup/memory'],
    [nested, '/docker/abc', '/sys/fs/cgroup/memory/abc'],
    [nested, '/other', null],
  ])('%o + %s', (mount, path, dir) => {
    expect(cgroupDir(mount, path)).toBe(dir);
  });
});
