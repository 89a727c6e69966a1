/**
 * Target resolution against a model rebuilt (by the real reconstruct) from hand-built snapshots:
 * docker containers found by cgroup path, a podman pod with its infra container, a
 * `--net container:` pair, an engine-less `unshare` container and bare host processes.
 */
import { describe, expect, it } from 'vitest';
import type { EngineMetadata } from '../../../src/model/container.js';
import { buildHostModel, type HostModel } from '../../../src/model/host-model.js';
import type { HostSnapshot } from '../../../src/model/host.js';
import { INITIAL_NS_INODES, type NsSet } from '../../../src/model/namespace.js';
import type { Process } from '../../../src/model/process.js';
import { describeTarget, resolveTarget, type Resolution, type Target } from '../../../src/model/target.js';

const HOST_NS: NsSet = { cgroup: 4026531835, ipc: 4026531839, mnt: 4026531841, net: 4026531840, pid: INITIAL_NS_INODES.pid, time: 4026531834, user: 4026531837, uts: 4026531838 };
const hex = (lead: string): string => (lead + 'e'.repeat(64)).slice(0, 64);

let tick = 1000;
function proc(pid: number, ppid: number, comm: string, o: { ns?: NsSet; cgroup?: string; cmdline?: string[]; nspid?: number[] } = {}): Process {
  const path = o.cgroup ?? '/';
  return {
    pid, ppid, kernelThread: false, comm, state: 'S', starttimeTicks: tick++, utimeTicks: 0, stimeTicks: 0, rssPages: 0, vmRssKiB: null, threads: 1,
    cmdline: o.cmdline ?? [comm], nspid: o.nspid ?? [pid], uids: [0, 0, 0, 0], gids: [0, 0, 0, 0], capEff: null, capPrm: null, capBnd: null,
    seccomp: 0, seccompFilters: 0, noNewPrivs: false, namespaces: { ...HOST_NS, ...o.ns },
    cgroups: [{ hierarchyId: 3, controllers: ['memory'], path }, { hierarchyId: 1, controllers: ['name=systemd'], path }],
    gaps: [],
  } as Process;
}

// Private namespace inodes for one container: n is a small distinct number per container.
const priv = (n: number): Record<'mnt' | 'uts' | 'ipc' | 'pid' | 'net', number> => ({ mnt: 4026532000 + n * 10, uts: 4026532001 + n * 10, ipc: 4026532002 + n * 10, pid: 4026532003 + n * 10, net: 4026532004 + n * 10 });

const WEB = hex('a1b2c3d4');
const DB = hex('a1b2ffff');
const NUMERIC = hex('42424242');
const CACHE_DOCKER = hex('c0ffee01');
const CACHE_PODMAN = hex('c0ffee02');
const INFRA = hex('b0b0b0b0');
const SHOPAPP = hex('b1b1b1b1');
const POD_ID = hex('fade0001');
const NETA = hex('d00d0001');
const NETB = hex('d00d0002');

function model(): HostModel {
  tick = 1000;
  const shared = priv(9);
  const processes: Process[] = [
    proc(1, 0, 'init'),
    { ...proc(2, 0, 'kthreadd'), kernelThread: true, cgroups: null },
    proc(100, 1, 'nginx', { ns: priv(1), cgroup: `/docker/${WEB}`, nspid: [100, 1] }),
    proc(110, 100, 'nginx', { ns: priv(1), cgroup: `/docker/${WEB}`, nspid: [110, 7] }),
    proc(200, 1, 'postgres', { ns: priv(2), cgroup: `/docker/${DB}`, nspid: [200, 1] }),
    proc(300, 1, 'sleep', { ns: priv(3), cgroup: `/docker/${NUMERIC}`, nspid: [300, 1] }),
    proc(4242, 1, 'bash'),
    proc(400, 1, 'redis', { ns: priv(4), cgroup: `/docker/${CACHE_DOCKER}`, nspid: [400, 1] }),
    proc(410, 1, 'redis', { ns: priv(5), cgroup: `/libpod_parent/libpod-${CACHE_PODMAN}`, nspid: [410, 1] }),
    // podman pod "shop": infra (catatonit -P) and one app container sharing its net/uts/ipc.
    proc(600, 1, 'catatonit', { ns: { ...priv(6), net: shared.net, uts: shared.uts, ipc: shared.ipc }, cgroup: `/libpod_parent/libpod_pod_${POD_ID}/libpod-${INFRA}`, cmdline: ['/catatonit', '-P'], nspid: [600, 1] }),
    proc(610, 1, 'shop', { ns: { ...priv(7), net: shared.net, uts: shared.uts, ipc: shared.ipc }, cgroup: `/libpod_parent/libpod_pod_${POD_ID}/libpod-${SHOPAPP}`, nspid: [610, 1] }),
    // docker run --net container:neta netb: a pod by shared namespaces, no infra.
    proc(700, 1, 'neta', { ns: priv(8), cgroup: `/docker/${NETA}`, nspid: [700, 1] }),
    proc(710, 1, 'netb', { ns: { ...priv(10), net: priv(8).net }, cgroup: `/docker/${NETB}`, nspid: [710, 1] }),
    // unshare --pid --mount --fork: engine-less, derived id ns-pid-<inode>.
    proc(800, 1, 'unshare'),
    proc(801, 800, 'sh', { ns: priv(11), nspid: [801, 1] }),
    // ip netns exec: a host process with only a private net namespace.
    proc(900, 1, 'dnsmasq', { ns: { net: 4026533000 } }),
  ];
  const meta = (name: string, extra: Partial<EngineMetadata> = {}): EngineMetadata => ({ name, sources: [], ...extra });
  const metadata = new Map<string, EngineMetadata>([
    [`docker/${WEB}`, meta('web')],
    [`docker/${DB}`, meta('db')],
    [`docker/${NUMERIC}`, meta('numeric')],
    [`docker/${CACHE_DOCKER}`, meta('cache')],
    [`podman/${CACHE_PODMAN}`, meta('cache')],
    [`podman/${INFRA}`, meta('fade0001-infra', { infra: true, podId: POD_ID, podName: 'shop' })],
    [`podman/${SHOPAPP}`, meta('shop-app', { podId: POD_ID, podName: 'shop' })],
    [`docker/${NETA}`, meta('neta')],
    [`docker/${NETB}`, meta('netb')],
  ]);
  const snapshot: HostSnapshot = {
    takenAtMs: 0, root: { kind: 'recorded', dir: '/sample' }, hostname: 'h', kernel: '6.1', clockTicksPerSec: 100, pageSizeBytes: 4096, bootTimeSec: 0,
    cgroupMode: 'v1', hostNs: HOST_NS, hostNsSource: '/proc/1/ns', readerNs: null, processes, rootDiffers: new Map(), runtimeStates: [], metadata,
    stats: { vanished: 0, partial: 0, hidden: {} }, malformed: [], gaps: [],
  };
  return buildHostModel(snapshot);
}

const m = model();
function found(r: Resolution): Target {
  if (r.kind !== 'found') throw new Error(`expected a match, got ${JSON.stringify(r.kind === 'ambiguous' ? r.candidates.map(describeTarget) : r)}`);
  return r.target;
}

describe('resolveTarget', () => {
  it('the fixture model has the containers and pods the cases rely on', () => {
    expect(m.containers.map((c) => c.name ?? c.id).sort()).toEqual(['cache', 'cache', 'db', 'fade0001-infra', 'neta', 'netb', `ns-pid-${priv(11).pid}`, 'numeric', 'shop-app', 'web']);
    expect(m.pods.map((p) => p.kind).sort()).toEqual(['podman', 'shared-namespaces']);
  });

  it('a host PID inside a container is that process, in its container', () => {
    const t = found(resolveTarget(m, '110'));
    expect([t.kind, t.pid, t.container?.name, t.matchedBy]).toEqual(['container', 110, 'web', 'pid']);
    expect(t.starttimeTicks).toBe(m.snapshot.processes.find((p) => p.pid === 110)?.starttimeTicks);
    expect(describeTarget(t)).toBe(`pid 110 in container web (docker ${WEB.slice(0, 12)})`);
  });

  it('a host PID in no container is still a target, and says so', () => {
    const t = found(resolveTarget(m, '900'));
    expect([t.kind, t.pid, t.container, t.pod]).toEqual(['process', 900, null, null]);
    expect(describeTarget(t)).toBe('pid 900 (in no container)');
  });

  it('a PID that no process has is not found, with the reason', () => {
    const r = resolveTarget(m, '99999');
    expect(r.kind).toBe('not-found');
    expect(r.kind === 'not-found' && r.reason).toMatch(/no host process with that PID/);
  });

  it('a full id, in any case, and a name give the container and its first process', () => {
    for (const q of [WEB, WEB.toUpperCase(), 'web']) {
      const t = found(resolveTarget(m, q));
      expect([t.container?.id, t.pid]).toEqual([WEB, 100]);
    }
    expect(found(resolveTarget(m, 'web')).matchedBy).toBe('name');
  });

  it('a prefix must be unique and at least 4 characters', () => {
    const r = resolveTarget(m, 'a1b2');
    expect(r.kind).toBe('ambiguous');
    expect(r.kind === 'ambiguous' && r.candidates.map((c) => c.container?.name).sort()).toEqual(['db', 'web']);
    expect(found(resolveTarget(m, 'a1b2c')).container?.name).toBe('web');
    const short = resolveTarget(m, 'a1b');
    expect(short.kind === 'not-found' && short.reason).toMatch(/at least 4 characters/);
  });

  it('derived ids of engine-less containers match fully and by prefix', () => {
    const id = `ns-pid-${priv(11).pid}`;
    expect(found(resolveTarget(m, id)).pid).toBe(801);
    const t = found(resolveTarget(m, 'ns-pid-40265'));
    expect([t.container?.id, t.matchedBy]).toEqual([id, 'id-prefix']);
  });

  it('the same name under two engines is ambiguous and lists both', () => {
    const r = resolveTarget(m, 'cache');
    expect(r.kind === 'ambiguous' && r.matchedBy).toBe('name');
    expect(r.kind === 'ambiguous' && r.candidates.map((c) => c.container?.engine).sort()).toEqual(['docker', 'podman']);
  });

  it('an existing PID wins over an id prefix made of digits; without the process the prefix decides', () => {
    expect(found(resolveTarget(m, '4242')).kind).toBe('process');
    expect(found(resolveTarget(m, '42424')).container?.name).toBe('numeric');
  });

  it('a pod by name, id or id prefix stands for its infra container', () => {
    for (const q of ['shop', POD_ID, 'fade00']) {
      const t = found(resolveTarget(m, q));
      expect([t.kind, t.pod?.id, t.container?.name, t.pid]).toEqual(['pod', POD_ID, 'fade0001-infra', 600]);
    }
    expect(describeTarget(found(resolveTarget(m, 'shop')))).toBe(`pod shop (podman ${POD_ID.slice(0, 12)}) via fade0001-infra (podman ${INFRA.slice(0, 12)}), pid 600`);
    // A container of the pod asked by name is the container, with its pod attached.
    const app = found(resolveTarget(m, 'shop-app'));
    expect([app.kind, app.pid, app.pod?.id]).toEqual(['container', 610, POD_ID]);
  });

  it('a pod without an infra container stands for its oldest member', () => {
    const pod = m.pods.find((p) => p.kind === 'shared-namespaces');
    const t = found(resolveTarget(m, pod?.id as string));
    expect([t.kind, t.container?.name, t.pid]).toEqual(['pod', 'neta', 700]);
    expect(describeTarget(t)).toBe(`pod ${pod?.id} (shared-namespaces) via neta (docker ${NETA.slice(0, 12)}), pid 700`);
  });

  it('an empty target is refused', () => {
    expect(resolveTarget(m, '  ').kind).toBe('not-found');
  });
});
