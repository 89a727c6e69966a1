/**
 * Filesystem and network detail against real containers: docker overlay2 + docker0, podman
 * containers/storage + podman0 + a volume, a hand-made overlay + veth + bridge container (with a
 * second veth whose peer sits in another namespace), a --net container: pair and a --net host
 * container. Expected values come from `docker inspect`, `podman inspect` and `ip -o link`
 * inside and outside the namespaces. Then the bad inputs: a namespace that vanishes mid-read,
 * short links that no longer resolve, a netns with 300 interfaces, a bridge removed mid-read.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { collectContainerFs, LayerIndex } from '../../collectors/filesystem.js';
import { openHostRoot } from '../../collectors/host-root.js';
import { collectNetworks } from '../../collectors/network.js';
import { readHostMountInfo } from '../../collectors/details.js';
import { linksByNetlink } from '../../collectors/rtnetlink.js';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, childrenOf, ctrscope, describeWith, killTree, psJson, sh, shQuiet, waitFor, type PsJsonContainer } from '../helpers/host.js';
import { filesOnlyRoot, nsInode } from '../helpers/kernel-view.js';

const P = 'ctrscope-it-fsnet';
const IMAGE = `${P}:1`;
const podmanArgs = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000'];

interface Layer {
  path: string;
  dir: string | null;
  layerId: string | null;
  role: string | null;
  gap?: { reason: string; detail?: string };
}
interface Iface {
  name: string;
  ifindex: number | null;
  mac: string | null;
  mtu: number | null;
  state: string | null;
  ipv4: string[];
  peer: { name: string; ifindex: number; netns: number | null; hostNs: boolean; bridge: string | null; matchedBy: string } | null;
  rx: { bytes: number };
}
interface Detail {
  rootfs: { fsType: string; hostPath: string | null; overlay: { lowerdirs: Layer[]; upperdir: Layer | null; workdir: string | null } | null } | null;
  mounts: Array<{ mountPoint: string; hostSource: string | null; kind: string; readOnly: boolean; flags: string[] }>;
  network: { mode: string; netns: number | null; sharedWith: string[]; sysfs: string | null; interfaces: Iface[]; defaultRoutes: Array<{ gateway: string; iface: string }>; listening: Array<{ proto: string; port: number }> } | null;
  detailGaps: Array<{ path: string; reason: string; detail?: string }>;
}
const detail = (c: PsJsonContainer | undefined): Detail => c as unknown as Detail;

/** `ip -o link` of an interface in the host, a named netns or a process's netns: ifindex, `@if<peer>`, master, MAC. */
function ipLink(name: string, where: { netns?: string; pid?: number } = {}): { ifindex: number; peerIndex: number | null; master: string | null; mac: string | null } {
  const args = ['-o', 'link', 'show', 'dev', name];
  const line = where.pid !== undefined ? sh('nsenter', ['-t', String(where.pid), '-n', 'ip', ...args]) : sh('ip', [...(where.netns ? ['-n', where.netns] : []), ...args]);
  const idx = /^(\d+): /.exec(line)?.[1];
  const peer = /^\d+: [^@:\s]+@if(\d+):/.exec(line)?.[1];
  return { ifindex: Number(idx), peerIndex: peer ? Number(peer) : null, master: /\bmaster (\S+)/.exec(line)?.[1] ?? null, mac: /link\/ether (\S+)/.exec(line)?.[1] ?? null };
}

describeWith(['root', 'docker', 'podman', 'unshare', 'nsenter'], 'filesystem and network', () => {
  let dir = '';
  const procs: ChildProcess[] = [];
  let hand = 0;
  let many = 0;
  let mid = 0;
  let doc: { containers: PsJsonContainer[] } = { containers: [] };
  const byName = (n: string) => doc.containers.find((c) => c.name === n);

  const cleanup = (): void => {
    shQuiet('docker', ['rm', '-f', `${P}-a`, `${P}-b`, `${P}-h`]);
    shQuiet('docker', ['volume', 'rm', '-f', `${P}-vol`]);
    shQuiet('podman', ['rm', '-f', '-t', '0', `${P}-p`]);
    shQuiet('podman', ['volume', 'rm', '-f', `${P}-pvol`]);
    for (const p of procs) killTree(p.pid);
    for (const pid of [hand, many, mid]) {
      if (!pid) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (const l of ['ctrscope-fsh0', 'ctrscope-fsbr0']) shQuiet('ip', ['link', 'del', l]);
    for (const n of [`${P}-mid`, `${P}-many`]) shQuiet('ip', ['netns', 'del', n]);
    if (dir) {
      shQuiet('umount', ['-l', join(dir, 'merged')]);
      shQuiet('umount', ['-l', join(dir, 'm2')]);
      rmSync(dir, { recursive: true, force: true });
    }
  };

  beforeAll(async () => {
    cleanup();
    dir = mkdtempSync(join(tmpdir(), `${P}-`));
    const rootfs = join(dir, 'lower');
    busyboxRootfs(rootfs);
    sh('sh', ['-c', `tar -C "${rootfs}" -c . | docker import - ${IMAGE} >/dev/null && tar -C "${rootfs}" -c . | podman import - ${IMAGE} >/dev/null`]);

    sh('docker', ['run', '-d', '--name', `${P}-a`, '-v', `${P}-vol:/data`, '-v', '/var/run/docker.sock:/var/run/docker.sock:ro', '-v', '/etc:/hostetc:ro', IMAGE, 'sh', '-c', 'nc -l -p 8080 & exec sleep 600']);
    sh('docker', ['run', '-d', '--name', `${P}-b`, '--net', `container:${P}-a`, IMAGE, 'sleep', '600']);
    sh('docker', ['run', '-d', '--name', `${P}-h`, '--net', 'host', IMAGE, 'sleep', '600']);
    sh('podman', ['run', '-d', ...podmanArgs, '--name', `${P}-p`, '-v', `${P}-pvol:/data`, IMAGE, 'sleep', '600']);

    // Hand-made: overlay mounted in the host namespace, then a container rooted in it.
    for (const d of ['upper', 'work', 'merged']) mkdirSync(join(dir, d));
    sh('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${rootfs},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, join(dir, 'merged')]);
    const u = spawn('unshare', ['--fork', '--pid', '--mount', '--net', '--uts', '--mount-proc', `--root=${join(dir, 'merged')}`, '/bin/sleep', '600'], { stdio: 'ignore' });
    procs.push(u);
    hand = await waitFor(() => childrenOf(u.pid as number)[0]);
    sh('sh', ['-c', `set -e
ip link add ctrscope-fsbr0 type bridge && ip link set ctrscope-fsbr0 up
ip link add ctrscope-fsh0 type veth peer name eth0 netns ${hand}
ip link set ctrscope-fsh0 master ctrscope-fsbr0 up
nsenter -t ${hand} -n ip link set eth0 up
nsenter -t ${hand} -n ip addr add 10.123.0.2/24 dev eth0
nsenter -t ${hand} -n ip route add default via 10.123.0.1
# a second veth whose peer lives in another namespace, on a bridge there
ip netns add ${P}-mid
ip -n ${P}-mid link add ctrscope-fsbr1 type bridge
# (a veth whose ends share one ifindex number is indistinguishable in sysfs: keep them apart)
ip -n ${P}-mid link add ctrscope-fspad type bridge
ip -n ${P}-mid link add ctrscope-fsm0 type veth peer name eth1 netns ${hand}
ip -n ${P}-mid link set ctrscope-fsm0 master ctrscope-fsbr1 up
# the container's own sysfs, mounted from inside its netns (fs/sysfs/mount.c tags it)
nsenter -t ${hand} -n -m -r mount -t sysfs sysfs /sys`]);
    // `ip netns exec` mounts a sysfs of the namespace for its child: a process to read it through.
    const m = spawn('ip', ['netns', 'exec', `${P}-mid`, 'sleep', '600'], { stdio: 'ignore' });
    procs.push(m);
    mid = await waitFor(() => (readlinkSync(`/proc/${m.pid}/exe`).endsWith('sleep') ? (m.pid as number) : undefined));
    await waitFor(() => (sh('docker', ['exec', `${P}-a`, 'cat', '/proc/net/tcp', '/proc/net/tcp6']).includes(':1F90 ') ? true : undefined), 10_000, 'nc listening');
    doc = await psJson();
  });

  afterAll(() => {
    cleanup();
    shQuiet('docker', ['rmi', '-f', IMAGE]);
    shQuiet('podman', ['rmi', '-f', IMAGE]);
  });

  it('emits JSON that validates against the schema', () => {
    expect(schemaErrors(doc)).toEqual([]);
  });

  it('docker: overlay2 upperdir, workdir, merged and resolved short-link lowerdirs match docker inspect GraphDriver', () => {
    const gd = JSON.parse(sh('docker', ['inspect', '-f', '{{json .GraphDriver.Data}}', `${P}-a`])) as Record<string, string>;
    const d = detail(byName(`${P}-a`));
    const o = d.rootfs?.overlay;
    expect(d.rootfs?.fsType).toBe('overlay');
    expect(o?.upperdir?.dir).toBe(gd['UpperDir']);
    expect(o?.workdir).toBe(gd['WorkDir']);
    expect(d.rootfs?.hostPath).toBe(gd['MergedDir']);
    expect(o?.lowerdirs.map((l) => l.dir)).toEqual(gd['LowerDir']?.split(':'));
    expect(o?.lowerdirs.every((l) => /\/overlay2\/l\/[A-Z0-9]{26}$/.test(l.path))).toBe(true);
    expect(o?.lowerdirs[0]?.role).toBe('init');
    // The image layer's chain id is the one docker lists for the image (single-layer import).
    const rootLayers = JSON.parse(sh('docker', ['inspect', '-f', '{{json .RootFS.Layers}}', IMAGE])) as string[];
    expect(o?.lowerdirs[1]?.layerId).toBe(rootLayers[0]);
  });

  it('docker: volume, docker.sock and /etc binds have their host sources and flags', () => {
    const d = detail(byName(`${P}-a`));
    const mounts = JSON.parse(sh('docker', ['inspect', '-f', '{{json .Mounts}}', `${P}-a`])) as Array<{ Source: string; Destination: string }>;
    const vol = d.mounts.find((m) => m.mountPoint === '/data');
    expect(vol?.kind).toBe('volume');
    expect(vol?.hostSource).toBe(mounts.find((m) => m.Destination === '/data')?.Source);
    const sock = d.mounts.find((m) => m.mountPoint === '/var/run/docker.sock');
    expect(sock?.flags).toContain('engine-socket');
    expect(sock?.readOnly).toBe(true);
    const etc = d.mounts.find((m) => m.mountPoint === '/hostetc');
    expect(etc?.hostSource).toBe('/etc');
    expect(etc?.flags).toContain('sensitive-host-path');
    // docker mounts /sys read-only and masks /proc/sys: neither is flagged writable.
    expect(d.mounts.flatMap((m) => m.flags)).not.toContain('writable-sys');
    expect(d.mounts.flatMap((m) => m.flags)).not.toContain('writable-proc-sys');
  });

  it('docker: eth0, its address, default route, listening port, and the host veth on docker0 as ip link shows them', () => {
    const a = byName(`${P}-a`);
    const d = detail(a);
    const net = JSON.parse(sh('docker', ['inspect', '-f', '{{json .NetworkSettings.Networks.bridge}}', `${P}-a`])) as { IPAddress: string; IPPrefixLen: number; Gateway: string; MacAddress: string };
    const eth0 = d.network?.interfaces.find((i) => i.name === 'eth0');
    expect(eth0?.ipv4).toEqual([`${net.IPAddress}/${net.IPPrefixLen}`]);
    expect(eth0?.mac).toBe(net.MacAddress);
    expect(d.network?.defaultRoutes[0]).toMatchObject({ gateway: net.Gateway, iface: 'eth0' });
    expect(d.network?.listening).toContainEqual(expect.objectContaining({ port: 8080 }));
    const inside = ipLink('eth0', { pid: a?.pid as number });
    expect(eth0?.ifindex).toBe(inside.ifindex);
    const host = ipLink(eth0?.peer?.name ?? '?');
    expect(eth0?.peer).toMatchObject({ ifindex: host.ifindex, hostNs: true, bridge: 'docker0', matchedBy: 'ifindex+iflink' });
    expect(host.master).toBe('docker0');
    expect(host.peerIndex).toBe(inside.ifindex);
    expect(inside.peerIndex).toBe(host.ifindex);
  });

  it('--net container: pair share one namespace, read once; --net host lists no interfaces', async () => {
    const a = byName(`${P}-a`);
    const b = byName(`${P}-b`);
    expect(detail(b).network?.netns).toBe(detail(a).network?.netns);
    expect(detail(b).network?.sharedWith).toEqual([`docker/${a?.id}`]);
    expect(detail(b).network?.interfaces.map((i) => i.name).sort()).toEqual(['eth0', 'lo']);
    const h = detail(byName(`${P}-h`));
    expect(h.network).toMatchObject({ mode: 'host', interfaces: [] });
    const r = await ctrscope(['which', detail(a).network?.interfaces.find((i) => i.name === 'eth0')?.peer?.name ?? '?']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${P}-a`);
    expect(r.stdout).toContain(`${P}-b`);
  });

  it('which: --json follows the schema; a path in the merged dir is the merged view only, one in the layer its upperdir; an interface as ip link prints it', async () => {
    const a = byName(`${P}-a`);
    const b = byName(`${P}-b`);
    const gd = JSON.parse(sh('docker', ['inspect', '-f', '{{json .GraphDriver.Data}}', `${P}-a`])) as Record<string, string>;
    const merged = gd['MergedDir'] as string;
    const upper = gd['UpperDir'] as string;
    type WhichJson = { kind: string; query: { type: string; name: string }; matches: Array<{ container: string; role: string; what: string; containerPath: string | null }> };
    // Each run scans the whole host: the text form is asked for only where its wording is checked.
    const which = async (target: string, text = false): Promise<{ code: number; doc: WhichJson; text: string }> => {
      const j = await ctrscope(['which', target, '--json']);
      const doc = JSON.parse(j.stdout) as WhichJson;
      expect(schemaErrors(doc), target).toEqual([]);
      expect(doc.kind).toBe('which');
      const t = text ? await ctrscope(['which', target]) : null;
      if (t) expect(t.code).toBe(j.code);
      return { code: j.code, doc, text: t?.stdout ?? '' };
    };
    const key = `docker/${a?.id}`;
    // merged/etc is the container's /etc seen through the merged view: not its upper layer.
    const inMerged = await which(`${merged}/etc`, true);
    expect(inMerged.code).toBe(0);
    expect(inMerged.doc.query).toMatchObject({ type: 'path', name: `${merged}/etc` });
    expect(inMerged.doc.matches).toEqual([expect.objectContaining({ container: key, role: 'merged', what: merged, containerPath: '/etc' })]);
    expect(inMerged.text.trim().split('\n')).toHaveLength(1);
    expect(inMerged.text).not.toContain('upperdir');
    expect(inMerged.text).toContain('(/etc in the container)');
    // The upper layer's own files, and its per-layer directory (which the container never sees).
    expect((await which(`${upper}/etc`)).doc.matches).toEqual([expect.objectContaining({ container: key, role: 'upperdir', what: upper, containerPath: '/etc' })]);
    expect((await which(dirname(upper))).doc.matches).toEqual([expect.objectContaining({ container: key, role: 'upperdir', what: upper, containerPath: null })]);
    // The host end of eth0 as `ip -o link` prints it: `vethXXXX@ifN:`.
    const peer = detail(a).network?.interfaces.find((i) => i.name === 'eth0')?.peer?.name ?? '?';
    const pasted = /^\d+: (\S+@if\d+:)/.exec(sh('ip', ['-o', 'link', 'show', 'dev', peer]))?.[1] ?? '?';
    expect(pasted).toMatch(new RegExp(`^${peer}@if\\d+:$`));
    for (const typed of [pasted, pasted.replace(/:$/, '')]) {
      const v = await which(typed, typed === pasted);
      expect(v.code, typed).toBe(0);
      expect(v.doc.query).toEqual({ target: typed, type: 'interface', name: peer });
      expect(new Set(v.doc.matches.map((m) => `${m.container} ${m.role}`))).toEqual(new Set([`${key} veth`, `docker/${b?.id} veth`]));
    }
    const none = await which('/nonexistent/ctrscope-it');
    expect(none.code).toBe(3);
    expect(none.doc.matches).toEqual([]);
  }, 600_000);

  it('podman: containers/storage overlay and podman0 veth match podman inspect and ip link; the volume has its host source', () => {
    const p = byName(`${P}-p`);
    const d = detail(p);
    const ins = (JSON.parse(sh('podman', ['inspect', `${P}-p`])) as Array<{ GraphDriver: { Data: Record<string, string> }; Mounts: Array<{ Source: string; Destination: string }>; NetworkSettings: { Networks: Record<string, { IPAddress: string; IPPrefixLen: number }> } }>)[0];
    const gd = ins?.GraphDriver.Data ?? {};
    expect(d.rootfs?.overlay?.upperdir?.dir).toBe(gd['UpperDir']);
    expect(d.rootfs?.overlay?.lowerdirs.map((l) => l.dir)).toEqual(gd['LowerDir']?.split(':'));
    expect(d.rootfs?.overlay?.lowerdirs.every((l) => l.layerId !== null && l.path.includes('/overlay/l/'))).toBe(true);
    expect(d.rootfs?.hostPath).toBe(gd['MergedDir']);
    expect(d.mounts.find((m) => m.mountPoint === '/data')).toMatchObject({ kind: 'volume', hostSource: ins?.Mounts.find((m) => m.Destination === '/data')?.Source });
    const eth0 = d.network?.interfaces.find((i) => i.name === 'eth0');
    const n = Object.values(ins?.NetworkSettings.Networks ?? {})[0];
    expect(eth0?.ipv4).toEqual([`${n?.IPAddress}/${n?.IPPrefixLen}`]);
    const host = ipLink(eth0?.peer?.name ?? '?');
    expect(eth0?.peer?.bridge).toBe(host.master);
    expect(host.master).toBe('podman0');
    expect(host.peerIndex).toBe(eth0?.ifindex);
  });

  it('hand-made: overlay layers, merged path on the host, veth to a host bridge and a veth to a bridge in another namespace', async () => {
    const c = doc.containers.find((x) => x.pids.includes(hand));
    const d = detail(c);
    expect(d.rootfs?.overlay?.lowerdirs.map((l) => l.dir)).toEqual([join(dir, 'lower')]);
    expect(d.rootfs?.overlay?.upperdir?.dir).toBe(join(dir, 'upper'));
    expect(d.rootfs?.hostPath).toBe(join(dir, 'merged'));
    expect(d.network?.sysfs).toBe('own');
    const eth0 = d.network?.interfaces.find((i) => i.name === 'eth0');
    const inside = ipLink('eth0', { pid: hand });
    const host = ipLink('ctrscope-fsh0');
    expect(eth0).toMatchObject({ ifindex: inside.ifindex, mac: inside.mac, ipv4: ['10.123.0.2/24'] });
    expect(eth0?.peer).toMatchObject({ name: 'ctrscope-fsh0', ifindex: host.ifindex, hostNs: true, bridge: 'ctrscope-fsbr0' });
    expect(host.peerIndex).toBe(inside.ifindex);
    const eth1 = d.network?.interfaces.find((i) => i.name === 'eth1');
    const midLink = ipLink('ctrscope-fsm0', { netns: `${P}-mid` });
    expect(eth1?.peer).toMatchObject({ name: 'ctrscope-fsm0', ifindex: midLink.ifindex, hostNs: false, netns: nsInode(mid, 'net'), bridge: 'ctrscope-fsbr1' });
    const w = await ctrscope(['which', join(dir, 'upper', 'etc')]);
    expect(w.code).toBe(0);
    expect(w.stdout).toContain('upperdir');
    expect((await ctrscope(['which', '/nonexistent/ctrscope-it'])).code).toBe(3);
  });

  it('a mount namespace that vanishes mid-read is a gone gap, not an error', () => {
    const victim = spawn('unshare', ['--mount', '--fork', 'sleep', '600'], { stdio: 'ignore' });
    procs.push(victim);
    const root = openHostRoot('/');
    return waitFor(() => childrenOf(victim.pid as number)[0]).then((pid) => {
      root.onRead = (p) => {
        if (p === `/proc/${pid}/mountinfo`) {
          execFileSync('kill', ['-9', String(pid)]);
          // the kernel tears the task down asynchronously; wait for its /proc entry to lose mountinfo
          for (let i = 0; i < 200; i++) {
            try {
              execFileSync('test', ['!', '-e', `/proc/${pid}/mountinfo`]);
              break;
            } catch {
              execFileSync('sleep', ['0.01']);
            }
          }
        }
      };
      const fs = collectContainerFs(root, pid, null, { host: readHostMountInfo(root).entries, index: new LayerIndex(root), driverHomes: [] });
      expect(fs.rootfs).toBeNull();
      expect(fs.gaps[0]?.reason).toBe('gone');
    });
  });

  it('short links that no longer resolve leave the layer path with a reason', () => {
    const store = join(dir, 'store');
    mkdirSync(join(store, 'layer1', 'diff'), { recursive: true });
    mkdirSync(join(store, 'l'));
    mkdirSync(join(dir, 'm2'));
    symlinkSync('../layer1/diff', join(store, 'l', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'));
    symlinkSync('../gone/diff', join(store, 'l', 'ZYXWVUTSRQPONMLKJIHGFEDCBA'));
    mkdirSync(join(store, 'gone', 'diff'), { recursive: true });
    sh('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${store}/l/ABCDEFGHIJKLMNOPQRSTUVWXYZ:${store}/l/ZYXWVUTSRQPONMLKJIHGFEDCBA:${join(dir, 'lower')}`, join(dir, 'm2')]);
    // Overlay holds the layers open; remove one link and one link's target under it.
    unlinkSync(join(store, 'l', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'));
    rmSync(join(store, 'gone'), { recursive: true });
    const s = spawn('unshare', ['--mount', '--fork', `--root=${join(dir, 'm2')}`, '/bin/sleep', '600'], { stdio: 'ignore' });
    procs.push(s);
    return waitFor(() => childrenOf(s.pid as number)[0]).then((pid) => {
      const root = openHostRoot('/');
      const fs = collectContainerFs(root, pid, null, { host: readHostMountInfo(root).entries, index: new LayerIndex(root), driverHomes: [] });
      const l = fs.rootfs?.overlay?.lowerdirs ?? [];
      expect(l.map((x) => x.dir)).toEqual([null, null, join(dir, 'lower')]);
      expect(l[0]?.gap?.detail).toMatch(/short link does not resolve/);
      expect(l[1]?.gap?.detail).toMatch(/short link target missing/);
      expect(fs.gaps).toHaveLength(2);
    });
  });

  it('a netns with 300 interfaces is read whole, once, within a few seconds', async () => {
    sh('ip', ['netns', 'add', `${P}-many`]);
    // 150 veth pairs: 300 interfaces (this kernel has no dummy driver).
    const batch = Array.from({ length: 150 }, (_, i) => `link add a${i} type veth peer name b${i}`).join('\n');
    sh('ip', ['-n', `${P}-many`, '-batch', '-'], { input: batch });
    const m = spawn('ip', ['netns', 'exec', `${P}-many`, 'sleep', '600'], { stdio: 'ignore' });
    procs.push(m);
    many = await waitFor(() => (readlinkSync(`/proc/${m.pid}/exe`).endsWith('sleep') ? (m.pid as number) : undefined));
    const root = openHostRoot('/');
    const t0 = Date.now();
    const nets = collectNetworks(root, [{ netns: nsInode(many, 'net'), pid: many }], nsInode(process.pid, 'net'));
    const ms = Date.now() - t0;
    const ns = nets.get(nsInode(many, 'net'));
    const expected = sh('ip', ['-n', `${P}-many`, '-o', 'link']).trim().split('\n').length;
    expect(ns?.interfaces).toHaveLength(expected);
    expect(ns?.sysfs).toBe('own');
    expect(ns?.interfaces.find((i) => i.name === 'b149')?.ifindex).toBe(ipLink('b149', { netns: `${P}-many` }).ifindex);
    expect(ms).toBeLessThan(5000);
  });

  it('netlink (the live host) and the files (a host tree) give the same interfaces; netlink adds the kind of a veth', () => {
    const targets = [{ netns: nsInode(hand, 'net'), pid: hand }, { netns: nsInode(mid, 'net'), pid: mid }];
    const hostNet = nsInode(process.pid, 'net');
    const viaNetlink = collectNetworks(openHostRoot('/'), targets, hostNet);
    const viaFiles = collectNetworks(filesOnlyRoot(), targets, hostNet);
    for (const { netns } of targets) {
      const a = viaNetlink.get(netns);
      const b = viaFiles.get(netns);
      expect(a?.sysfs).toBe('own');
      expect(b?.sysfs).toBe('own');
      expect(a?.interfaces.map((i) => i.name)).toEqual(b?.interfaces.map((i) => i.name));
      for (const i of a?.interfaces ?? []) {
        const f = b?.interfaces.find((x) => x.name === i.name);
        // Counters move between the two reads (the veths carry IPv6 neighbour traffic): compare the rest.
        const { rx: _r1, tx: _t1, kind, ...rest } = i;
        const { rx: _r2, tx: _t2, kind: fileKind, ...fileRest } = f ?? ({} as typeof i);
        expect(rest).toEqual(fileRest);
        expect(i.rx.bytes).toBeGreaterThanOrEqual(f?.rx.bytes ?? Infinity);
        // sysfs knows a bridge's DEVTYPE only; netlink names the driver of every virtual link.
        const driver = (JSON.parse(sh('nsenter', ['-t', String(netns === targets[0]?.netns ? hand : mid), '-n', 'ip', '-d', '-j', 'link', 'show', 'dev', i.name])) as Array<{ linkinfo?: { info_kind?: string } }>)[0]?.linkinfo?.info_kind ?? null;
        expect(kind).toBe(driver);
        if (fileKind !== null) expect(kind).toBe(fileKind);
      }
      expect(a?.defaultRoutes).toEqual(b?.defaultRoutes);
      expect(a?.listening).toEqual(b?.listening);
    }
    expect(viaNetlink.get(nsInode(hand, 'net'))?.interfaces.find((i) => i.name === 'eth0')?.kind).toBe('veth');
  });

  it('netlink on a process that is gone says gone; its namespace is left out, not guessed', () => {
    const p = spawn('unshare', ['--net', 'sleep', '600'], { stdio: 'ignore' });
    procs.push(p);
    return waitFor(() => (nsInode(p.pid as number, 'net') !== nsInode(process.pid, 'net') ? (p.pid as number) : undefined)).then(async (pid) => {
      const netns = nsInode(pid, 'net');
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
      expect(linksByNetlink(pid)).toMatchObject({ ok: false, reason: 'gone' });
      expect(collectNetworks(openHostRoot('/'), [{ netns, pid }], nsInode(process.pid, 'net')).has(netns)).toBe(false);
    });
  });

  it('a bridge removed while reading yields the rest with a reason', () => {
    // The host's sysfs is read only without netlink (a host tree): there an interface can vanish between two reads.
    const root = filesOnlyRoot();
    root.onRead = (p) => {
      if (p === '/sys/class/net/ctrscope-fsbr0/ifindex') execFileSync('ip', ['link', 'del', 'ctrscope-fsbr0']);
    };
    const nets = collectNetworks(root, [{ netns: nsInode(hand, 'net'), pid: hand }], nsInode(process.pid, 'net'));
    const ns = nets.get(nsInode(hand, 'net'));
    expect(ns?.interfaces.map((i) => i.name).sort()).toEqual(['eth0', 'eth1', 'lo']);
    expect(ns?.gaps).toContainEqual(expect.objectContaining({ path: '/sys/class/net/ctrscope-fsbr0', reason: 'gone' }));
  });
});
