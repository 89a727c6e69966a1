/**
 * The grouping rules of src/model/reconstruct.ts on hand-built process tables. Namespace inodes
 * and cgroup lines follow the first recording of samples/hybrid-docker (since recorded again); each case changes one thing a live host does.
 */
import { describe, expect, it } from 'vitest';
import type { CgroupLine } from '../../../src/model/cgroup.js';
import type { NsSet } from '../../../src/model/namespace.js';
import type { Process } from '../../../src/model/process.js';
import { groupContainers, groupingHolds, reconstruct, type ReconstructInput, type RuntimeState } from '../../../src/model/reconstruct.js';

const HOST: NsSet = { cgroup: 4026531835, ipc: 4026531839, mnt: 4026531832, net: 4026531833, pid: 4026531836, time: 4026531834, user: 4026531837, uts: 4026531838 };
const V1_ROOT: CgroupLine[] = [
  { hierarchyId: 8, controllers: ['pids'], path: '/' },
  { hierarchyId: 0, controllers: [], path: '/' },
];
const DOCKER_ID = '294e2348362339b72f3d60e44a746ed67227b2bb72f24c6332622b6c7786840a';
const dockerCgroup: CgroupLine[] = [
  { hierarchyId: 9, controllers: ['name=systemd'], path: `/docker/${DOCKER_ID}` },
  { hierarchyId: 8, controllers: ['pids'], path: `/docker/${DOCKER_ID}` },
];

function proc(p: Partial<Process> & Pick<Process, 'pid' | 'ppid' | 'comm'>): Process {
  return {
    kernelThread: false,
    state: 'S',
    starttimeTicks: p.pid * 10,
    utimeTicks: 0,
    stimeTicks: 0,
    rssPages: 100,
    vmRssKiB: 400,
    threads: 1,
    cmdline: [p.comm],
    nspid: [p.pid],
    uids: [0, 0, 0, 0],
    gids: [0, 0, 0, 0],
    capEff: null,
    capPrm: null,
    capBnd: null,
    seccomp: 0,
    seccompFilters: 0,
    noNewPrivs: false,
    namespaces: HOST,
    cgroups: V1_ROOT,
    gaps: [],
    ...p,
  };
}

const input = (processes: Process[], extra: Partial<ReconstructInput> = {}): ReconstructInput => ({
  processes,
  hostNs: HOST,
  rootDiffers: new Map(),
  runtimeStates: [],
  cgroupMode: 'hybrid',
  ...extra,
});

// samples/hybrid-handmade hm2: `unshare --fork --pid --mount sh -c 'sleep & wait'`.
const PRIV: NsSet = { ...HOST, pid: 4026532248, mnt: 4026532247, pid_for_children: 4026532248 };
const unshareTree = (): Process[] => [
  proc({ pid: 1, ppid: 0, comm: 'init' }),
  proc({ pid: 12850, ppid: 1, comm: 'unshare', namespaces: { ...HOST, mnt: 4026532247, pid_for_children: 4026532248 } }),
  proc({ pid: 12853, ppid: 12850, comm: 'sh', nspid: [12853, 1], namespaces: PRIV }),
  proc({ pid: 12854, ppid: 12853, comm: 'sleep', nspid: [12854, 2], namespaces: PRIV }),
];

describe('reconstruct', () => {
  it('makes one engine-less container of private pid+mnt namespaces, seeded by pid 1 inside', () => {
    const { containers } = reconstruct(input(unshareTree()));
    expect(containers).toHaveLength(1);
    const c = containers[0];
    expect(c).toMatchObject({ id: 'ns-pid-4026532248', idKind: 'derived', engine: null, pid: 12853 });
    expect(c?.processes.map((p) => [p.pid, p.via])).toEqual([
      [12853, 'private-namespaces'],
      [12854, 'descendant'],
    ]);
    expect(c?.partialMembers).toEqual([{ pid: 12850, comm: 'unshare', shared: ['mnt'] }]);
    expect(c?.hostNamespaces).toEqual(['cgroup', 'ipc', 'net', 'time', 'user', 'uts']);
  });

  it('keeps the container when its init vanished mid-scan: the oldest remaining process stands in', () => {
    // The scan lists pid 12853 but it exited before its files were read, so it is not in the table.
    const procs = unshareTree().filter((p) => p.pid !== 12853);
    const { containers } = reconstruct(input(procs));
    expect(containers.map((c) => [c.id, c.pid, c.processes.map((p) => p.pid)])).toEqual([['ns-pid-4026532248', 12854, [12854]]]);
  });

  it('keeps a docker container whose init vanished, from the cgroup of an exec\'d process', () => {
    const ns: NsSet = { ...HOST, pid: 4026533275, mnt: 4026533272, net: 4026533276, uts: 4026533273, ipc: 4026533274 };
    const procs = [
      proc({ pid: 10625, ppid: 1, comm: 'containerd-shim', cmdline: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby', '-id', DOCKER_ID, '-address', '/var/run/docker/containerd/containerd.sock'] }),
      // 10644 (the init) is gone; the `docker exec` sleep is a child of the shim, not of the init.
      proc({ pid: 11604, ppid: 10625, comm: 'sleep', nspid: [11604, 9], namespaces: ns, cgroups: dockerCgroup }),
    ];
    const { containers } = reconstruct(input(procs));
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ id: DOCKER_ID, engine: 'docker', pid: 11604, cgroup: { path: `/docker/${DOCKER_ID}` } });
    expect(containers[0]?.monitor).toMatchObject({ pid: 10625, kind: 'containerd-shim', id: DOCKER_ID });
    // The shim itself is never a member or a container.
    expect(containers.flatMap((c) => c.processes.map((p) => p.pid))).not.toContain(10625);
  });

  describe('runc state and pid reuse', () => {
    const ns: NsSet = { ...HOST, pid: 4026532330, mnt: 4026532254, net: 4026532331 };
    const procs = (starttimeTicks: number): Process[] => [proc({ pid: 13522, ppid: 1, comm: 'sleep', nspid: [13522, 1], namespaces: ns, starttimeTicks })];
    const state = (starttimeTicks: number | null): RuntimeState => ({ runtime: 'runc', id: 'ctrscope-it-runc-manual', pid: 13522, starttimeTicks, bundle: '/tmp/bundle', rootfs: '/tmp/bundle/rootfs', createdAt: null, source: '/run/runc/ctrscope-it-runc-manual/state.json' });

    it('names the container after runc state when the start time matches', () => {
      const { containers } = reconstruct(input(procs(152000), { runtimeStates: [state(152000)] }));
      expect(containers.map((c) => [c.engine, c.id, c.name, c.pid])).toEqual([['runc', 'ctrscope-it-runc-manual', 'ctrscope-it-runc-manual', 13522]]);
    });

    it('ignores runc state whose pid now belongs to another process (same pid, new start time)', () => {
      const { containers } = reconstruct(input(procs(987654), { runtimeStates: [state(152000)] }));
      // Still a container (private pid+mnt), but not runc's: the runc container's process is gone.
      expect(containers.map((c) => [c.engine, c.id])).toEqual([[null, 'ns-pid-4026532330']]);
    });
  });

  it('does not make containers of a private mount namespace alone (PrivateTmp=) or of a chrooted one unless its root differs', () => {
    const privateTmp = proc({ pid: 700, ppid: 1, comm: 'systemd-timesyn', namespaces: { ...HOST, mnt: 4026532600 } });
    expect(reconstruct(input([privateTmp])).containers).toEqual([]);
    const chrooted = reconstruct(input([privateTmp], { rootDiffers: new Map([[4026532600, true]]) })).containers;
    expect(chrooted.map((c) => c.id)).toEqual(['ns-mnt-4026532600']);
  });

  it('never counts kernel threads, even in a private namespace table', () => {
    const kt = proc({ pid: 2, ppid: 0, comm: 'kthreadd', kernelThread: true, cmdline: [], namespaces: PRIV });
    expect(reconstruct(input([kt])).containers).toEqual([]);
  });
});

describe('groupingHolds (top, between refreshes)', () => {
  const shim = proc({ pid: 10625, ppid: 1, comm: 'containerd-shim', cmdline: ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby', '-id', DOCKER_ID, '-address', '/var/run/docker/containerd/containerd.sock'] });
  const before = [...unshareTree(), shim];
  const grouping = groupContainers(input(before));
  const { processes: _p, ...others } = input(before);
  const holds = (after: Process[]): boolean => groupingHolds(grouping, before, after, others);
  const withOne = (p: Process): Process[] => [...before, p];

  it('holds when a process is born or gone in the host\'s namespaces and cgroups, outside every container', () => {
    expect(holds(withOne(proc({ pid: 20001, ppid: 1, comm: 'cron' })))).toBe(true);
    expect(holds(before.filter((p) => p.pid !== 1))).toBe(true);
  });

  it('does not hold, as grouping again says, when the process changes what a rule reads', () => {
    const cases: Process[] = [
      // rule 1: in an engine's cgroup, even in the host's namespaces
      proc({ pid: 20002, ppid: 1, comm: 'sh', cgroups: dockerCgroup }),
      // rule 2: a monitor's child in namespaces of its own
      proc({ pid: 20003, ppid: 10625, comm: 'sleep', namespaces: { ...HOST, pid: 4026532999, mnt: 4026532998 } }),
      // a monitor
      proc({ pid: 20004, ppid: 1, comm: 'containerd-shim', cmdline: shim.cmdline }),
      // rules 4-6: in a container's pid namespace, or only its mount namespace (a partial member)
      proc({ pid: 20005, ppid: 12853, comm: 'sleep', nspid: [20005, 3], namespaces: PRIV }),
      proc({ pid: 20006, ppid: 1, comm: 'nsenter', namespaces: { ...HOST, mnt: PRIV.mnt as number } }),
    ];
    for (const p of cases) {
      expect(holds(withOne(p))).toBe(false);
      // Grouping again does change the result: the check is not merely cautious here.
      const again = groupContainers(input(withOne(p)));
      const model = reconstruct(input(withOne(p)), new Map(), again);
      const members = model.containers.flatMap((c) => [...c.processes.map((m) => m.pid), ...c.partialMembers.map((m) => m.pid), ...(c.monitor ? [c.monitor.pid] : [])]);
      expect(members.includes(p.pid) || again.monitors.has(p.pid) || again.drafts.length !== grouping.drafts.length).toBe(true);
    }
    // A container's process gone.
    expect(holds(before.filter((p) => p.pid !== 12854))).toBe(false);
    // A monitor's child in its namespaces (runc during create) joins nothing, but is grouped
    // again all the same: the check needs no more of rule 2 than the parent.
    expect(holds(withOne(proc({ pid: 20007, ppid: 10625, comm: 'runc' })))).toBe(false);
  });
});
