/**
 * Addresses and default routes of a network namespace through the RTM_GETADDR and RTM_GETROUTE
 * dumps of its netlink visit (rtnetlink.ts) against the kernel's other views of the same
 * namespace: the four files a host tree reads (/proc/<pid>/net/{route,fib_trie,if_inet6,
 * ipv6_route}), a recording of them replayed, and `ip -j addr`. Then what the two paths tell
 * apart on purpose (an address without a connected route), and the faults: a default route
 * the dump cannot tell as the files do (a nexthop object: the files are read), a process gone
 * before its namespace is visited, and one gone after the visit, before its sockets are read.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openHostRoot } from '../../collectors/host-root.js';
import { collectNetworks, type NetworkTarget } from '../../collectors/network.js';
import { netnsByNetlink } from '../../collectors/rtnetlink.js';
import { RecordingRoot } from '../../collectors/snapshot/recording-root.js';
import type { NetworkNs } from '../../src/model/network.js';
import { filesRoot } from '../helpers/fixtures.js';
import { describeWith, killTree, sh, shQuiet, waitFor } from '../helpers/host.js';
import { filesOnlyRoot, nsInode } from '../helpers/kernel-view.js';

const P = 'ctrscope-it-nladdr';
const NS = `${P}-ctr`;
const PEER = `${P}-peer`;
const NH = `${P}-nh`;
/** Interface names are at most 15 characters: our own short prefix. */
const IF = 'ctrnla';
const ADDRESS_FILES = ['route', 'fib_trie', 'if_inet6', 'ipv6_route'];
/** The files of pid's namespace that addresses() would read, among the paths a root was asked for. */
const addressFilesRead = (paths: readonly string[], pid: number): string[] => paths.filter((p) => ADDRESS_FILES.some((f) => p === `/proc/${pid}/net/${f}`));
/** What network.ts reports of addresses and routes: each interface's, and the default routes. */
const addressing = (n: NetworkNs | undefined) => ({ interfaces: n?.interfaces.map((i) => ({ name: i.name, ipv4: i.ipv4, ipv6: i.ipv6 })), defaultRoutes: n?.defaultRoutes });

interface IpAddr {
  ifname: string;
  addr_info: Array<{ family: string; local: string; prefixlen: number }>;
}
/** `ip -j addr` inside the namespace, as network.ts words it (CIDR strings per interface and family). */
function ipAddrs(netns: string): Map<string, { ipv4: string[]; ipv6: string[] }> {
  const out = new Map<string, { ipv4: string[]; ipv6: string[] }>();
  for (const i of JSON.parse(sh('ip', ['-n', netns, '-j', 'addr'])) as IpAddr[]) {
    const cidrs = (f: string) => i.addr_info.filter((a) => a.family === f).map((a) => `${a.local}/${a.prefixlen}`);
    out.set(i.ifname, { ipv4: cidrs('inet'), ipv6: cidrs('inet6') });
  }
  return out;
}

/** A process in a named namespace (`ip netns exec`, which also mounts that namespace's sysfs). */
async function holder(procs: ChildProcess[], netns: string): Promise<number> {
  const c = spawn('ip', ['netns', 'exec', netns, 'sleep', '600'], { stdio: 'ignore' });
  procs.push(c);
  return waitFor(() => (readlinkSync(`/proc/${c.pid}/exe`).endsWith('sleep') ? (c.pid as number) : undefined));
}

describeWith(['root', 'unshare'], 'addresses and default routes through rtnetlink', () => {
  const procs: ChildProcess[] = [];
  let pid = 0;
  let target: NetworkTarget = { netns: 0, pid: 0 };
  const hostNet = nsInode(process.pid, 'net');

  const cleanup = (): void => {
    for (const p of procs) killTree(p.pid);
    for (const n of [NS, PEER, NH]) shQuiet('ip', ['netns', 'del', n]);
  };

  beforeAll(async () => {
    cleanup();
    // A container-like namespace: eth0 a veth whose peer is in another namespace, two IPv4
    // addresses on it (the second a secondary of the first's subnet), two global IPv6 addresses
    // (added in the reverse of their numeric order, which a text sort would also get wrong),
    // and default routes of both families through gateways, with metrics.
    sh('sh', ['-c', `set -e
ip netns add ${NS}
ip netns add ${PEER}
ip -n ${NS} link add eth0 type veth peer name ${IF}0 netns ${PEER}
ip -n ${NS} link set lo up
ip -n ${NS} link set eth0 up
ip -n ${PEER} link set ${IF}0 up
ip -n ${NS} addr add 10.231.0.2/24 dev eth0
ip -n ${NS} addr add 10.231.0.3/24 dev eth0
ip -n ${NS} addr add fd00:231:0:1::2/64 dev eth0 nodad
ip -n ${NS} addr add fd00:231::2/64 dev eth0 nodad
ip -n ${NS} route add default via 10.231.0.1 metric 77
ip -n ${NS} -6 route add default via fd00:231::1 metric 333`]);
    pid = await holder(procs, NS);
    target = { netns: nsInode(pid, 'net'), pid };
    // The link-local address is listed by both paths once DAD is over; wait so that `ip` agrees too.
    await waitFor(() => (sh('ip', ['-n', NS, 'addr']).includes('tentative') ? undefined : true));
  });

  afterAll(cleanup);

  it('netlink (the live host) and the files (a host tree) give the same addresses and default routes, those configured, without the files being read', () => {
    expect(netnsByNetlink(pid, true, true).addresses).toMatchObject({ ok: true });
    const live = openHostRoot('/');
    const read: string[] = [];
    live.onRead = (p) => read.push(p);
    const viaNetlink = collectNetworks(live, [target], hostNet).get(target.netns);
    const viaFiles = collectNetworks(filesOnlyRoot(), [target], hostNet).get(target.netns);
    expect(addressFilesRead(read, pid)).toEqual([]);
    expect(addressing(viaNetlink)).toEqual(addressing(viaFiles));
    const eth0 = viaNetlink?.interfaces.find((i) => i.name === 'eth0');
    expect(eth0?.ipv4).toEqual(['10.231.0.2/24', '10.231.0.3/24']);
    // Ascending numeric order, link-local last.
    expect(eth0?.ipv6.slice(0, 2)).toEqual(['fd00:231::2/64', 'fd00:231:0:1::2/64']);
    expect(eth0?.ipv6.slice(2).filter((a) => a.startsWith('fe80:'))).toHaveLength(1);
    expect(eth0?.ipv6).toHaveLength(3);
    expect(viaNetlink?.interfaces.find((i) => i.name === 'lo')).toMatchObject({ ipv4: ['127.0.0.1/8'], ipv6: ['::1/128'] });
    expect(viaNetlink?.defaultRoutes).toEqual([
      { family: 'ipv4', gateway: '10.231.0.1', iface: 'eth0', metric: 77 },
      { family: 'ipv6', gateway: 'fd00:231::1', iface: 'eth0', metric: 333 },
    ]);
    // ip's own view, interface by interface (ip lists in the kernel's order; ctrscope sorts).
    for (const [name, a] of ipAddrs(NS)) {
      const i = viaNetlink?.interfaces.find((x) => x.name === name);
      expect([...(i?.ipv4 ?? [])].sort()).toEqual([...a.ipv4].sort());
      expect([...(i?.ipv6 ?? [])].sort()).toEqual([...a.ipv6].sort());
    }
    expect(viaNetlink?.gaps).toEqual([]);
  });

  it('a recording reads and records the four files, and its replay gives what the live host gave through netlink', () => {
    const rec = new RecordingRoot(openHostRoot('/'));
    const recorded = collectNetworks(rec, [target], hostNet).get(target.netns);
    expect(ADDRESS_FILES.every((f) => rec.entries.get(`/proc/${pid}/net/${f}`)?.kind === 'file')).toBe(true);
    const files: Record<string, string> = {};
    for (const [p, e] of rec.entries) if (e.kind === 'file') files[p] = e.content.toString('utf8');
    const replay = collectNetworks(filesRoot(files), [target], hostNet).get(target.netns);
    const live = collectNetworks(openHostRoot('/'), [target], hostNet).get(target.netns);
    expect(addressing(replay)).toEqual(addressing(recorded));
    expect(addressing(replay)).toEqual(addressing(live));
    expect(replay?.defaultRoutes).toHaveLength(2);
  });

  it('an address without a connected route (its interface down, noprefixroute): netlink lists it as ip does, the files cannot', () => {
    sh('sh', ['-c', `set -e
ip -n ${NS} link add ${IF}d0 type veth peer name ${IF}d1
ip -n ${NS} addr add 10.233.0.1/24 dev ${IF}d0
ip -n ${NS} addr add 10.234.0.1/24 dev eth0 noprefixroute`]);
    try {
      const viaNetlink = collectNetworks(openHostRoot('/'), [target], hostNet).get(target.netns);
      const viaFiles = collectNetworks(filesOnlyRoot(), [target], hostNet).get(target.netns);
      const ip = ipAddrs(NS);
      const v4 = (n: NetworkNs | undefined, name: string) => n?.interfaces.find((i) => i.name === name)?.ipv4;
      expect(ip.get(`${IF}d0`)?.ipv4).toEqual(['10.233.0.1/24']);
      expect(v4(viaNetlink, `${IF}d0`)).toEqual(['10.233.0.1/24']);
      expect(v4(viaFiles, `${IF}d0`)).toEqual([]);
      expect(ip.get('eth0')?.ipv4).toContain('10.234.0.1/24');
      expect(v4(viaNetlink, 'eth0')).toEqual(['10.231.0.2/24', '10.231.0.3/24', '10.234.0.1/24']);
      expect(v4(viaFiles, 'eth0')).toEqual(['10.231.0.2/24', '10.231.0.3/24']);
      // The rest is the same.
      expect(viaNetlink?.defaultRoutes).toEqual(viaFiles?.defaultRoutes);
    } finally {
      shQuiet('ip', ['-n', NS, 'link', 'del', `${IF}d0`]);
      shQuiet('ip', ['-n', NS, 'addr', 'del', '10.234.0.1/24', 'dev', 'eth0']);
    }
  });

  it('a default route through a nexthop object: netlink declines, the files are read, and the route is the configured one', async () => {
    sh('sh', ['-c', `set -e
ip netns add ${NH}
ip -n ${NH} link add eth0 type veth peer name ${IF}n netns ${PEER}
ip -n ${NH} link set eth0 up
ip -n ${PEER} link set ${IF}n up
ip -n ${NH} addr add 10.235.0.2/24 dev eth0
ip -n ${NH} nexthop add id 7 via 10.235.0.1 dev eth0
ip -n ${NH} route add default nhid 7 metric 12`]);
    const nh = await holder(procs, NH);
    const t = { netns: nsInode(nh, 'net'), pid: nh };
    expect(netnsByNetlink(nh, true, true).addresses).toMatchObject({ ok: false, reason: 'unavailable' });
    const live = openHostRoot('/');
    const read: string[] = [];
    live.onRead = (p) => read.push(p);
    const viaNetlink = collectNetworks(live, [t], hostNet).get(t.netns);
    expect(addressFilesRead(read, nh).sort()).toEqual(ADDRESS_FILES.map((f) => `/proc/${nh}/net/${f}`).sort());
    expect(addressing(viaNetlink)).toEqual(addressing(collectNetworks(filesOnlyRoot(), [t], hostNet).get(t.netns)));
    expect(viaNetlink?.defaultRoutes).toEqual([{ family: 'ipv4', gateway: '10.235.0.1', iface: 'eth0', metric: 12 }]);
    expect(viaNetlink?.interfaces.find((i) => i.name === 'eth0')?.ipv4).toEqual(['10.235.0.2/24']);
  });

  it('a process gone before its namespace is visited: gone, the namespace left out, not guessed', async () => {
    const c = spawn('unshare', ['--net', 'sleep', '600'], { stdio: 'ignore' });
    procs.push(c);
    const gone = c.pid as number;
    await waitFor(() => (nsInode(gone, 'net') !== hostNet ? true : undefined));
    const netns = nsInode(gone, 'net');
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    expect(netnsByNetlink(gone, true, true).addresses).toMatchObject({ ok: false, reason: 'gone' });
    expect(collectNetworks(openHostRoot('/'), [{ netns, pid: gone }], hostNet).has(netns)).toBe(false);
  });

  it('a process gone after the visit, before its sockets are read: the addresses and routes of the visit, a gone gap, no crash', async () => {
    // The only process of its namespace: the namespace goes with it.
    const c = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up && ip link add eth0 type veth peer name eth1 && ip link set eth0 up && ip link set eth1 up && ip addr add 10.236.0.2/24 dev eth0 && ip route add default via 10.236.0.1 metric 5 && exec sleep 600'], { stdio: 'ignore' });
    procs.push(c);
    const gone = c.pid as number;
    await waitFor(() => {
      try {
        return readlinkSync(`/proc/${gone}/exe`).endsWith('sleep') && readFileSync(`/proc/${gone}/net/route`, 'utf8').includes('0100EC0A') ? true : undefined; // 10.236.0.1
      } catch {
        return undefined;
      }
    });
    const netns = nsInode(gone, 'net');
    const root = openHostRoot('/');
    root.onRead = (path) => {
      if (path !== `/proc/${gone}/net/udp`) return;
      process.kill(gone, 'SIGKILL');
      for (let i = 0; i < 200; i++) {
        try {
          if (readFileSync(`/proc/${gone}/stat`, 'utf8').split(') ')[1]?.[0] === 'Z') break;
        } catch {
          break;
        }
        execFileSync('sleep', ['0.01']);
      }
    };
    const ns = collectNetworks(root, [{ netns, pid: gone }], hostNet).get(netns);
    expect(ns?.interfaces.find((i) => i.name === 'eth0')?.ipv4).toEqual(['10.236.0.2/24']);
    expect(ns?.defaultRoutes).toEqual([{ family: 'ipv4', gateway: '10.236.0.1', iface: 'eth0', metric: 5 }]);
    expect(ns?.gaps).toContainEqual(expect.objectContaining({ path: `/proc/${gone}/net/udp`, reason: 'gone' }));
  });
});
