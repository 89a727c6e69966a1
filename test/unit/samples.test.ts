/**
 * Recorded samples of this project's own test machine (samples/<name>/README.md says how each
 * was made and what is true in it). `ps --root` and `ns --root` must rebuild exactly that, and
 * their JSON must validate against the schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { ctrscope, type PsJson, type PsJsonContainer } from '../helpers/host.js';
import { collectSnapshot } from '../../collectors/collect.js';
import { openHostRoot } from '../../collectors/host-root.js';
import { buildHostModel } from '../../src/model/host-model.js';
import { containerKey } from '../../src/model/reconstruct.js';

async function json<T>(args: string[]): Promise<T> {
  const r = await ctrscope(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as T;
  expect(schemaErrors(doc)).toEqual([]);
  return doc;
}

interface NsJson {
  namespaces: Array<{ type: string; inode: number; nprocs: number; pids: number[]; owner: string | null; containers: string[]; pins: Array<Record<string, unknown>> }>;
}

/** The fields of `ps --json` the resources and filesystem/network collectors fill. */
type Detailed = PsJsonContainer & {
  limits: { cpuCores: number | null; cpuPeriodUsec: number | null; memoryBytes: number | null; pids: number | null };
  usage: { memoryBytes: number | null; pids: number | null };
  rootfs: { fsType: string; hostPath: string | null; overlay: { lowerdirs: Array<{ role: string; layerId: string | null }>; upperdir: { layerId: string | null } | null } | null } | null;
  network: { mode: string; netns: number | null; sharedWith: string[]; interfaces: Array<{ name: string; ipv4: string[]; peer: Record<string, unknown> | null }> } | null;
};

const byName = (doc: PsJson, name: string): PsJsonContainer => {
  const c = doc.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container named ${name}`);
  return c;
};

describe('samples/hybrid-docker', () => {
  const root = 'samples/hybrid-docker';
  const WEB = '9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483';
  const SIDECAR = '9e18f001344b562675b49ada89fd61948a3fac33c02e2db767c925d6e9348312';
  const HOSTNET = 'ba9989d3d599ce65c0e517c8785a278c46642825b4ed61ace179153aa5fb4815';
  /** sample-web's overlay2 layer and the imported image's one layer (`docker rmi` printed it). */
  const WEB_LAYER = '84a6d74eea025e574a21420072851a7c448ebb9b368b2712adf7540c6ba5e9c3';
  const IMAGE_LAYER = 'sha256:48bd64d749a183d8af1ad0c3d252a9c3ae8411f3fcae0f3cfb641f3637d3f918';

  it('has the three docker containers with their ids, pids, in-container pids and image', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const web = byName(doc, 'sample-web');
    expect(web.id).toBe(WEB);
    expect(web.engine).toBe('docker');
    expect(web.image).toBe('ctrscope-sample-busybox:1');
    expect(web.pid).toBe(678);
    expect(web.processes.map((p) => [p.pid, p.nspid])).toEqual([
      [678, [678, 1]],
      [705, [705, 8]],
      [820, [820, 9]],
    ]);
    expect(web.cgroup).toEqual({ version: 'hybrid', path: `/docker/${WEB}` });
    expect(byName(doc, 'sample-sidecar')).toMatchObject({ id: SIDECAR, pid: 741, pids: [741] });
    expect(byName(doc, 'sample-hostnet')).toMatchObject({ id: HOSTNET, pid: 791, pids: [791] });
  });

  it('pairs the --net container: containers in one pod and shows --net host as a host namespace', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const web = byName(doc, 'sample-web');
    const sidecar = byName(doc, 'sample-sidecar');
    expect(web.namespaces['net']).toBe(4026532184);
    expect(sidecar.namespaces['net']).toBe(4026532184);
    expect(sidecar.namespaces['pid']).toBe(4026532256);
    expect(web.namespaces['pid']).toBe(4026532183);
    expect(web.pod).not.toBeNull();
    expect(sidecar.pod).toBe(web.pod);
    const pod = doc.pods.find((p) => p.key === web.pod);
    expect(pod?.members.sort()).toEqual([`docker/${WEB}`, `docker/${SIDECAR}`].sort());
    expect(pod?.sharedNamespaces).toEqual(['net']);
    expect(web.hostNamespaces).toEqual(['cgroup', 'time', 'user']);
    const hostnet = byName(doc, 'sample-hostnet');
    expect(hostnet.namespaces['net']).toBe(4026531833);
    expect(hostnet.hostNamespaces).toEqual(['cgroup', 'net', 'time', 'user']);
    expect(hostnet.pod).toBeNull();
  });

  it('ns: the pair\'s net namespace is owned by sample-web, shared by sample-sidecar and pinned by docker\'s bind mount', async () => {
    const doc = await json<NsJson>(['--root', root, 'ns', '--json', '--type', 'net']);
    expect(new Set(doc.namespaces.map((n) => n.type))).toEqual(new Set(['net']));
    const pair = doc.namespaces.find((n) => n.inode === 4026532184);
    expect(pair?.owner).toBe(`docker/${WEB}`);
    expect(pair?.containers.sort()).toEqual([`docker/${WEB}`, `docker/${SIDECAR}`].sort());
    expect(pair?.pids).toEqual([678, 705, 741, 820]);
    expect(pair?.pins).toContainEqual(expect.objectContaining({ kind: 'mount', path: '/run/docker/netns/b8bc0f29503d' }));
    const host = doc.namespaces.find((n) => n.inode === 4026531833);
    expect(host?.owner).toBe('host');
    expect(host?.containers).toContain(`docker/${HOSTNET}`);
    expect(host?.pins).toContainEqual({ kind: 'fd', pid: 4710, fd: 15, comm: 'dockerd' });
    // docker's `--net host` sandbox key is a bind mount of the host's net namespace.
    expect(host?.pins).toContainEqual(expect.objectContaining({ kind: 'mount', path: '/run/docker/netns/default' }));
    expect(doc.namespaces.map((n) => n.inode).sort()).toEqual([4026531833, 4026532184]);
  });

  it('replays sample-web\'s cgroup limits and usage, its overlay root and its network; the others have no limits', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const web = byName(doc, 'sample-web') as Detailed;
    // `docker run --cpus 0.5 --memory 64m --pids-limit 50`, as cpu.cfs_quota_us 50000 over
    // cpu.cfs_period_us 100000, memory.limit_in_bytes 67108864 and pids.max 50.
    expect(web.limits).toMatchObject({ cpuCores: 0.5, cpuPeriodUsec: 100000, memoryBytes: 67108864, pids: 50 });
    // memory.usage_in_bytes and pids.current read at capture time.
    expect(web.usage).toMatchObject({ memoryBytes: 634880, pids: 3 });
    expect(web.rootfs).toMatchObject({ fsType: 'overlay', hostPath: `/var/lib/docker/overlay2/${WEB_LAYER}/merged` });
    expect(web.rootfs?.overlay?.upperdir?.layerId).toBe(WEB_LAYER);
    expect(web.rootfs?.overlay?.lowerdirs.map((l) => [l.role, l.layerId])).toEqual([
      ['init', null],
      ['image', IMAGE_LAYER],
    ]);
    expect(web.network).toMatchObject({ mode: 'private', netns: 4026532184, sharedWith: [`docker/${SIDECAR}`] });
    const eth0 = web.network?.interfaces.find((i) => i.name === 'eth0');
    expect(eth0).toMatchObject({ ipv4: ['172.17.0.2/16'], peer: { name: 'veth225c140', hostNs: true, bridge: 'docker0' } });
    for (const name of ['sample-sidecar', 'sample-hostnet']) {
      expect((byName(doc, name) as Detailed).limits).toMatchObject({ cpuCores: null, memoryBytes: null, pids: null });
    }
    expect((byName(doc, 'sample-hostnet') as Detailed).network).toMatchObject({ mode: 'host', netns: 4026531833 });
  });

  it('a recorded tree holds one reading of each counter: every rate is null with that reason, never 0, in ps and in every top refresh', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const web = byName(doc, 'sample-web') as Detailed & { usage: Record<string, unknown>; resources: { unknown: Record<string, string> } };
    for (const rate of ['cpuPercent', 'cpuPercentOfLimit', 'throttledPercent', 'ioReadBytesPerSec', 'oomKillsInInterval', 'netRxBytesPerSec']) {
      expect(web.usage[rate], rate).toBeNull();
      expect(web.resources.unknown[`usage.${rate}`], rate).toMatch(/^recorded host tree: one reading of each counter, no rate/);
    }
    const top = await ctrscope(['--root', root, 'top', '--batch', '--json', '--count', '2', '--interval', '0.1']);
    const frames = top.stdout.trim().split('\n').map((l) => JSON.parse(l) as { containers: Array<{ name: string; usage: Record<string, unknown>; stats: Record<string, unknown> }> });
    expect(frames).toHaveLength(2);
    for (const f of frames) {
      expect(schemaErrors(f)).toEqual([]);
      const w = f.containers.find((c) => c.name === 'sample-web');
      expect(w?.usage['cpuPercent']).toBeNull();
      expect(w?.stats['cpuPercent']).toBeNull();
    }
    // The text table has no CPU% column to fill with a number it cannot know.
    expect((await ctrscope(['--root', root, 'ps'])).stdout.split('\n')[0]).not.toMatch(/CPU%/);
  });

  it('ps shows sample-web\'s memory and pids against its limits', async () => {
    const r = await ctrscope(['--root', root, 'ps']);
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.includes('sample-web'));
    expect(line).toMatch(/\s620K\/64M\s+3\/50\s/);
  });
});

describe('samples/hybrid-handmade', () => {
  const root = 'samples/hybrid-handmade';
  const byId = (doc: PsJson, id: string): PsJsonContainer => {
    const c = doc.containers.find((x) => x.id === id);
    if (!c) throw new Error(`no container ${id}`);
    return c;
  };

  it('finds hm1 with its init, children, the nsenter --all joiner and the partial members', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const hm1 = byId(doc, 'ns-pid-4026532925');
    expect(hm1).toMatchObject({ engine: null, idKind: 'derived', name: null, pid: 14541 });
    expect(hm1.processes.map((p) => [p.pid, p.nspid, p.via])).toEqual([
      [14541, [14541, 1], 'private-namespaces'],
      [14542, [14542, 2], 'descendant'],
      [14543, [14543, 3], 'descendant'],
      [14589, [14589, 4], 'namespaces'],
    ]);
    expect(hm1.namespaces).toMatchObject({ pid: 4026532925, mnt: 4026532922, uts: 4026532923, ipc: 4026532924, net: 4026532926 });
    expect(hm1.hostNamespaces).toEqual(['cgroup', 'time', 'user']);
    expect(hm1.partialMembers).toEqual([
      { pid: 14539, comm: 'unshare', shared: ['ipc', 'mnt', 'net', 'uts'] },
      { pid: 14588, comm: 'nsenter', shared: ['ipc', 'mnt', 'net', 'uts'] },
      { pid: 14590, comm: 'sleep', shared: ['net'] },
    ]);
  });

  it('finds hm2 (private pid+mnt only) and hm3 (chroot in a private mount namespace)', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const hm2 = byId(doc, 'ns-pid-4026532248');
    expect(hm2.pids).toEqual([12853, 12854]);
    expect(hm2.hostNamespaces).toEqual(['cgroup', 'ipc', 'net', 'time', 'user', 'uts']);
    expect(hm2.partialMembers).toEqual([{ pid: 12850, comm: 'unshare', shared: ['mnt'] }]);
    const hm3 = byId(doc, 'ns-mnt-4026532323');
    expect(hm3.pids).toEqual([12851]);
    expect(hm3.hostNamespaces).toContain('pid');
    // Neither the unshare parents nor the nsenter processes are containers of their own.
    for (const pid of [14539, 14588, 14590, 12850]) expect(doc.containers.filter((c) => c.pids.includes(pid))).toEqual([]);
  });

  it('ns: lists the namespaces no process is in, with the bind mount or the fd that pins them', async () => {
    const doc = await json<NsJson>(['--root', root, 'ns', '--json']);
    const netns = doc.namespaces.find((n) => n.inode === 4026532179);
    expect(netns).toMatchObject({ type: 'net', nprocs: 0, owner: null, containers: [] });
    expect(netns?.pins).toEqual([{ kind: 'mount', path: '/run/netns/ctrscope-sample-ns', mntNs: 4026531832, pid: expect.any(Number) }]);
    const held = doc.namespaces.find((n) => n.inode === 4026532250);
    expect(held).toMatchObject({ type: 'net', nprocs: 0, owner: null });
    expect(held?.pins).toEqual([{ kind: 'fd', pid: 12869, fd: 3, comm: 'sleep' }]);
    const pidns = doc.namespaces.find((n) => n.inode === 4026532925);
    expect(pidns).toMatchObject({ type: 'pid', owner: 'none/ns-pid-4026532925', pids: [14541, 14542, 14543, 14589] });
    // unshare and nsenter made the pid namespace for their children without entering it.
    expect(pidns?.pins).toEqual([
      { kind: 'for-children', pid: 14539, comm: 'unshare' },
      { kind: 'for-children', pid: 14588, comm: 'nsenter' },
    ]);
    const net = doc.namespaces.find((n) => n.inode === 4026532926);
    expect(net?.pids).toEqual([14539, 14541, 14542, 14543, 14588, 14589, 14590]);
    expect(net?.containers).toEqual(['none/ns-pid-4026532925']);
  });
});

describe('samples/v2-systemd', () => {
  const root = 'samples/v2-systemd';
  /** The fields of `ps --json` this sample is checked on (limits and events on cgroup v2). */
  type V2 = PsJsonContainer & {
    limits: { cpuCores: number | null; memoryBytes: number | null; memoryHighBytes: number | null; pids: number | null };
    usage: { events: { oomKill: number | null }; pressure: { cpu: unknown; memory: unknown; io: unknown } };
    resources: { cgroups: Record<string, string> };
  };
  const v2 = (doc: PsJson, name: string): V2 => byName(doc, name) as V2;
  const DK_RUNC = '61e82383d362ff2777ce4dd50ff40b7d2ef9389861202f928e00d44ce855a285';
  const DK_CRUN = 'c6fd754bb4e9852b6d6ca417899474bf5354add2cacbb9649069380006da9ddd';
  const POD = '82c0f4a8c9a049900e06c868560050e9198a795c6c9a8339e49fd3fad7f811fc';
  const MiB = 1024 * 1024;

  it('is a pure cgroup v2 host with the thirteen containers of seven engines, and nothing else', async () => {
    const doc = await json<PsJson & { host: { cgroupMode: string; hostname: string } }>(['--root', root, 'ps', '--json']);
    expect(doc.host).toMatchObject({ cgroupMode: 'v2', hostname: 'v2vm' });
    expect(doc.containers.map((c) => [c.name, c.engine, c.runtime, c.pid])).toEqual([
      ['ctrscope-v2-dk-runc', 'docker', 'runc', 581],
      ['ctrscope-v2-dk-crun', 'docker', 'crun', 641],
      ['ctrscope-v2-dk-oom', 'docker', 'runc', 703],
      ['ctrscope-v2-pm-crun', 'podman', 'crun', 903],
      ['ctrscope-v2-pm-runc', 'podman', 'runc', 1004],
      ['82c0f4a8c9a0-infra', 'podman', 'crun', 1165],
      ['ctrscope-v2-pod-a', 'podman', 'crun', 1170],
      ['ctrscope-v2-pod-b', 'podman', 'crun', 1184],
      ['ctrscope-v2-rl', 'podman', 'crun', 1241],
      ['ctrscope-v2-runc', 'runc', 'runc', 1262],
      ['ctrscope-v2-ns', 'systemd-nspawn', null, 1276],
      ['ctrscope-v2-ctr', 'containerd', 'runc', 1340],
      ['ctrscope-v2-lxc', 'lxc', null, 1362],
    ]);
  });

  it('places each container in its systemd or engine cgroup, as the engines reported them', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    expect(v2(doc, 'ctrscope-v2-dk-runc')).toMatchObject({ id: DK_RUNC, cgroup: { version: 'v2', path: `/system.slice/docker-${DK_RUNC}.scope` } });
    // crun's process sits in <scope>/container; the container's cgroup is still the scope, and its
    // limits are read where crun wrote them.
    const crun = v2(doc, 'ctrscope-v2-dk-crun');
    expect(crun.cgroup.path).toBe(`/system.slice/docker-${DK_CRUN}.scope`);
    expect(crun.resources.cgroups['memory']).toBe(`/sys/fs/cgroup/system.slice/docker-${DK_CRUN}.scope/container`);
    expect(v2(doc, 'ctrscope-v2-pod-a').cgroup.path).toBe(`/machine.slice/machine-libpod_pod_${POD}.slice/libpod-87a46beabe5c3452b88dca11a6a5cda6e2c83f179edc39227ad63543579bf82a.scope`);
    expect(v2(doc, 'ctrscope-v2-rl').cgroup.path).toBe('/user.slice/user-1500.slice/user@1500.service/user.slice/libpod-775db6d487c72b7be8d499b44d51eecc7c56273ea4d5f2e6c09f355f99d45f59.scope');
    expect(v2(doc, 'ctrscope-v2-runc').cgroup.path).toBe('/system.slice/runc-ctrscope-v2-runc.scope');
    expect(v2(doc, 'ctrscope-v2-ns')).toMatchObject({ id: 'ctrscope-v2-ns', pids: [1276, 1285, 1286], cgroup: { path: '/machine.slice/machine-ctrscope\\x2dv2\\x2dns.scope' }, monitor: { kind: 'systemd-nspawn', pid: 1272 } });
    expect(v2(doc, 'ctrscope-v2-ctr').cgroup.path).toBe('/ctrscope-v2/ctrscope-v2-ctr');
    expect(v2(doc, 'ctrscope-v2-lxc')).toMatchObject({ pids: [1362, 1363, 1365], cgroup: { path: '/lxc.payload.ctrscope-v2-lxc' }, monitor: { kind: 'lxc-monitor', pid: 1361 } });
    const pod = doc.pods.find((p) => p.id === POD);
    expect(pod).toMatchObject({ kind: 'podman', name: 'ctrscope-v2-pod', infra: 'podman/4bce59f4381416417a8b438014c2432548aa4b5b1b27f198cdccd76a7eb3e29a' });
    expect(pod?.members).toHaveLength(3);
  });

  it("replays the v2 limits each engine wrote, TasksMax's 4680 and the OOM kill", async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const lim = (name: string) => v2(doc, name).limits;
    expect(lim('ctrscope-v2-dk-runc')).toMatchObject({ memoryBytes: 64 * MiB, cpuCores: 0.5, pids: 40, memoryHighBytes: null });
    expect(lim('ctrscope-v2-dk-crun')).toMatchObject({ memoryBytes: 48 * MiB, cpuCores: 0.25 });
    expect(lim('ctrscope-v2-dk-oom')).toMatchObject({ memoryBytes: 32 * MiB, cpuCores: null, pids: 4680 });
    expect(lim('ctrscope-v2-pm-crun')).toMatchObject({ memoryBytes: 32 * MiB, memoryHighBytes: 24 * MiB, cpuCores: 0.5, pids: 30 });
    expect(lim('ctrscope-v2-pm-runc')).toMatchObject({ memoryBytes: 40 * MiB, cpuCores: 0.2, pids: 2048 });
    expect(lim('ctrscope-v2-pod-a')).toMatchObject({ memoryBytes: 24 * MiB, pids: 2048 });
    expect(lim('ctrscope-v2-rl')).toMatchObject({ memoryBytes: 20 * MiB, cpuCores: 0.3, pids: 25 });
    expect(lim('ctrscope-v2-runc')).toMatchObject({ memoryBytes: 24 * MiB, memoryHighBytes: 20 * MiB, cpuCores: 0.1, pids: 20 });
    expect(lim('ctrscope-v2-ctr')).toMatchObject({ memoryBytes: 30 * MiB });
    expect(lim('ctrscope-v2-lxc')).toMatchObject({ memoryBytes: 40 * MiB, pids: 15 });
    expect(v2(doc, 'ctrscope-v2-dk-oom').usage.events.oomKill).toBe(1);
    for (const c of doc.containers) expect((c as V2).usage.pressure.memory, `${c.name} memory.pressure`).not.toBeNull();
  });

  it('shows docker\'s private cgroup namespace and rootless podman\'s user namespace', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    expect(v2(doc, 'ctrscope-v2-dk-runc').hostNamespaces).toEqual(['time', 'user']);
    expect(v2(doc, 'ctrscope-v2-rl').hostNamespaces).toEqual(['time']);
    expect(v2(doc, 'ctrscope-v2-ns').hostNamespaces).toEqual(['net', 'time', 'user']);
  });

  it('holds no trace of the secret planted in ctrscope-v2-dk-runc\'s environment', () => {
    const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(1000);
    for (const f of files) expect(readFileSync(join(f.parentPath, f.name)).includes('v2-planted-secret'), join(f.parentPath, f.name)).toBe(false);
  });

  it('inspect and ns replay it and validate', async () => {
    const doc = await json<{ container: { id: string; name: string } }>(['--root', root, 'inspect', 'ctrscope-v2-rl', '--json']);
    expect(doc.container.name).toBe('ctrscope-v2-rl');
    await json<NsJson>(['--root', root, 'ns', '--json']);
  });
});

describe('every replayable sample: inspect\'s observation', () => {
  // inspect reads the status and argv of a container's candidates for its first process only
  // where there are several, and completes the container it reports (and its pod) afterwards.
  for (const sample of ['hybrid-docker', 'hybrid-handmade', 'v2-systemd']) {
    it(`${sample}: has the containers, first processes, members, namespaces and pods of the full one`, () => {
      const root = openHostRoot(`samples/${sample}`);
      const shape = (initsOnly: true | 'undecided') => {
        const model = buildHostModel(collectSnapshot(root, { nowMs: 0, initsOnly }));
        const containers = model.containers.map((c) => ({ key: containerKey(c), name: c.name, pid: c.pid, processes: c.processes.map((m) => m.pid), namespaces: c.namespaces, partial: c.partialMembers, pod: c.pod, cgroup: c.cgroup }));
        const pods = model.pods.map((p) => ({ key: p.key, members: p.members, sharedNamespaces: p.sharedNamespaces }));
        return { containers, pods, read: model.snapshot.processes.filter((p) => p.uids !== null).length };
      };
      const full = shape(true);
      const lean = shape('undecided');
      expect(full.containers.length).toBeGreaterThan(2);
      expect(lean.containers).toEqual(full.containers);
      expect(lean.pods).toEqual(full.pods);
      // It read fewer processes in full: the point of it.
      expect(lean.read).toBeLessThan(full.read);
    });
  }
});
