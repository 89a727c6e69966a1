/**
 * Network namespaces read from the host, once each, through one member process: /proc/<pid>/net/*
 * shows the network namespace of that task (fs/proc/proc_net.c get_proc_task_net), so nothing runs inside
 * the container.
 *  - interfaces on the live host: one RTM_GETLINK netlink dump per namespace (rtnetlink.ts)
 *    gives names, counters, ifindex, MAC, MTU, state, iflink, master and kind, for the host's
 *    namespace too; everywhere else (a host tree, a recording), and if netlink fails, the files:
 *  - names and counters: net/dev; ifindex: if_inet6, dev_mcast, igmp;
 *  - MAC, MTU, state, iflink, master: /proc/<pid>/root/sys/class/net, but only when that sysfs
 *    was mounted in this namespace (fs/sysfs/mount.c tags the superblock with the mounter's
 *    netns). It is checked against net/dev names and the ifindexes above; a host-mounted /sys
 *    or a namespace without /sys leaves those fields null with a gap that says so;
 *  - addresses and default routes of a container's namespace on the live host: an RTM_GETADDR
 *    and an RTM_GETROUTE dump on the socket of the same visit (rtnetlink.ts, whose header says
 *    where they differ from the files: an IPv4 address without a connected route, a multipath
 *    IPv4 default); everywhere else, and if netlink fails or declines, the files: IPv4
 *    addresses from fib_trie local leaves + connected routes in net/route, IPv6 from if_inet6,
 *    default routes from net/route and net/ipv6_route. Either way an interface's addresses are
 *    listed in ascending numeric order per family (if_inet6 lists them in hash order, the dump
 *    by interface);
 *  - listening sockets: TCP through sock_diag netlink on the live host (sock-diag.ts, in the
 *    same visit to the namespace as the interfaces' dump), else net/tcp{,6} (LISTEN); UDP from
 *    net/udp{,6} (unconnected, bound).
 * veth peers: host.iflink == ctr.ifindex and ctr.iflink == host.ifindex (drivers/net/veth.c
 * veth_get_iflink); ifindexes are per namespace, so both directions are checked. Limitation: a
 * veth whose two ends happen to have the same ifindex in their namespaces (iflink == ifindex)
 * looks like an ordinary device (the kernel reports no iflink apart from ifindex then), so its
 * peer is not reported.
 */
import type { DefaultRoute, ListeningSocket, NetInterface, NetworkNs, VethPeer } from '../src/model/network.js';
import type { HostRoot } from './host-root.js';
import { readParsed } from './host-root.js';
import { interfaceCounters } from './net-counters.js';
import { parseNetDev, type NetDevCounters } from './procfs/net-dev.js';
import { parseFibTrieLocalAddresses } from './procfs/net-fib-trie.js';
import { parseIfInet6, type IfInet6 } from './procfs/net-if-inet6.js';
import { parseDevMcast, parseIgmp } from './procfs/net-ifindex.js';
import { parseIpv6Route, parseNetRoute, RTF_GATEWAY, RTF_REJECT, RTF_UP, type Ipv4Route } from './procfs/net-route.js';
import { parseNetSockets, TCP_CLOSE, TCP_LISTEN } from './procfs/net-sockets.js';
import { readNetClassEntry, type NetClassEntry } from './sysfs/net-class.js';
import type { Gap } from './read.js';
import type { NetlinkAddressesResult } from './rtnetlink.js';
import type { SockDiagResult } from './sock-diag.js';

/** The interfaces of a sysfs class/net directory, read whole. */
export interface SysfsNetView {
  readonly entries: ReadonlyMap<string, NetClassEntry>;
  readonly gaps: readonly Gap[];
}

export function readSysfsNet(root: HostRoot, dir: string): SysfsNetView | Gap {
  const names = root.readDir(dir);
  if (!names.ok) return names.gap;
  const entries = new Map<string, NetClassEntry>();
  const gaps: Gap[] = [];
  for (const n of names.value) {
    const e = readNetClassEntry(root, dir, n);
    // An interface removed between readdir and its reads has no ifindex left: drop it, note it.
    if (e.ifindex === null && e.gaps.some((g) => g.reason === 'absent')) {
      gaps.push({ path: `${dir}/${n}`, reason: 'gone', detail: 'interface removed while reading' });
      continue;
    }
    entries.set(n, e);
    gaps.push(...e.gaps);
  }
  return { entries, gaps };
}

const isGap = (v: SysfsNetView | Gap): v is Gap => 'reason' in v;

function ipv4ToInt(a: string): number {
  return a.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
}

/** The connected (gateway-less) route that contains an address names its interface and prefix. */
function connectedRoute(addr: string, routes: readonly Ipv4Route[]): Ipv4Route | null {
  const a = ipv4ToInt(addr);
  let best: Ipv4Route | null = null;
  for (const r of routes) {
    if ((r.flags & RTF_GATEWAY) !== 0 || r.prefixLen === 0) continue;
    const mask = r.prefixLen === 32 ? 0xffffffff : (~(0xffffffff >>> r.prefixLen)) >>> 0;
    if (((a & mask) >>> 0) === ((ipv4ToInt(r.destination) & mask) >>> 0) && (best === null || r.prefixLen > best.prefixLen)) best = r;
  }
  return best;
}

interface NsRead {
  readonly pid: number;
  readonly netns: number;
  readonly dev: readonly NetDevCounters[];
  readonly index: ReadonlyMap<string, number>;
  readonly sysfs: SysfsNetView | null;
  /** The listening TCP sockets asked of the kernel in the same visit as the interfaces; null when not asked (or read from files). */
  readonly listeningTcp: SockDiagResult | null;
  /** The addresses and default routes asked in the same visit; null when not asked (or read from files). */
  readonly addresses: NetlinkAddressesResult | null;
  readonly gaps: Gap[];
}

/**
 * The interfaces of one member process's namespace, and for a container's (`target`) its
 * listening TCP sockets, addresses and default routes. Null when the process is gone. On the
 * live host one visit to the namespace by netlink (rtnetlink.ts: the interfaces, addresses and
 * routes in three dumps on one socket, the sockets in sock_diag's); elsewhere, or when netlink
 * fails short of the process being gone, the files (readNsFiles).
 */
function readNs(root: HostRoot, pid: number, netns: number, target: boolean): NsRead | null {
  const visit = root.netnsNetlink?.(pid, target, target);
  const links = visit?.links;
  if (links?.ok) {
    const entries = new Map(links.links.map((l) => [l.entry.name, l.entry]));
    return { pid, netns, dev: links.links.map((l) => l.counters), index: new Map(links.links.map((l) => [l.entry.name, l.entry.ifindex as number])), sysfs: { entries, gaps: [] }, listeningTcp: visit?.listeningTcp ?? null, addresses: visit?.addresses ?? null, gaps: [] };
  }
  if (links?.reason === 'gone') return null;
  return readNsFiles(root, pid, netns, visit?.listeningTcp ?? null);
}

/**
 * The host's interfaces: by netlink on the live host, in the namespace of pid 1 or, where pid 1's
 * namespace files cannot be opened (a non-dumpable init: EACCES even for root), of kthreadd, which
 * always lives in the initial namespaces (as collect.ts readHostNs); else /sys/class/net.
 */
function readHostLinks(root: HostRoot): SysfsNetView | Gap {
  if (root.netnsNetlink) {
    let links = root.netnsNetlink(1, false).links;
    if (!links.ok && links.reason === 'failed') {
      const comm = root.readText('/proc/2/comm');
      if (comm.ok && comm.value.trim() === 'kthreadd') links = root.netnsNetlink(2, false).links;
    }
    if (links.ok) return { entries: new Map(links.links.map((l) => [l.entry.name, l.entry])), gaps: [] };
  }
  return readSysfsNet(root, '/sys/class/net');
}

/** Read the per-namespace files of one member process (`listeningTcp`: what netlink answered for its sockets). Null when the process is gone. */
function readNsFiles(root: HostRoot, pid: number, netns: number, listeningTcp: SockDiagResult | null): NsRead | null {
  const gaps: Gap[] = [];
  const base = `/proc/${pid}/net`;
  const dev = readParsed(root, `${base}/dev`, parseNetDev);
  if (!dev.ok) {
    if (dev.gap.reason === 'absent' || dev.gap.reason === 'gone') return null;
    gaps.push(dev.gap);
  }
  const index = new Map<string, number>();
  for (const [file, parse] of [
    ['if_inet6', (t: string) => parseIfInet6(t).map((x) => ({ ifindex: x.ifindex, name: x.name }))],
    ['dev_mcast', parseDevMcast],
    ['igmp', parseIgmp],
  ] as const) {
    const r = readParsed(root, `${base}/${file}`, parse);
    if (r.ok) for (const x of r.value) index.set(x.name, x.ifindex);
    else if (r.gap.reason !== 'absent') gaps.push(r.gap);
  }
  const names = dev.ok ? dev.value.map((d) => d.name) : [];
  let sysfs: SysfsNetView | null = null;
  const sv = readSysfsNet(root, `/proc/${pid}/root/sys/class/net`);
  if (isGap(sv)) {
    gaps.push({ ...sv, detail: `no sysfs of this namespace (${sv.detail ?? sv.reason}): MAC, MTU, state and veth peers unavailable` });
  } else {
    const sameNames = names.length === sv.entries.size && names.every((n) => sv.entries.has(n));
    const sameIndex = [...index].every(([n, i]) => sv.entries.get(n)?.ifindex === i);
    if (sameNames && sameIndex) sysfs = sv;
    else gaps.push({ path: `/proc/${pid}/root/sys/class/net`, reason: 'failed', detail: 'this /sys belongs to another network namespace (host /sys bind-mounted, or mounted elsewhere): MAC, MTU, state and veth peers unavailable' });
  }
  return { pid, netns, dev: dev.ok ? dev.value : [], index, sysfs, listeningTcp, addresses: null, gaps };
}

interface Addresses {
  readonly v4: Map<string, string[]>;
  readonly v6: Map<string, string[]>;
  readonly defaults: DefaultRoute[];
}

/**
 * The addresses (by interface name) and default routes of pid's namespace: as netlink answered
 * them in the namespace's visit (`nl`, the live host), else, and whenever that failed or
 * declined, from the files (addressesFromFiles), which record their own gaps. Both in the same
 * order (inAddressOrder).
 */
function addresses(root: HostRoot, pid: number, nl: NetlinkAddressesResult | null, gaps: Gap[]): Addresses {
  const a = nl?.ok ? nl : addressesFromFiles(root, pid, gaps);
  inAddressOrder(a.v4, ipv4Key);
  inAddressOrder(a.v6, ipv6Key);
  return a;
}

/** Each interface's addresses sorted by address, then prefix length: one order for the dump and the files. */
function inAddressOrder(m: Map<string, string[]>, key: (address: string) => string): void {
  for (const list of m.values()) {
    if (list.length < 2) continue;
    const keyed = list.map((cidr) => {
      const slash = cidr.indexOf('/');
      return { cidr, key: key(cidr.slice(0, slash)), len: Number(cidr.slice(slash + 1)) };
    });
    keyed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.len - y.len));
    for (let i = 0; i < keyed.length; i++) list[i] = (keyed[i] as { cidr: string }).cidr;
  }
}

/** A dotted IPv4 address as 8 hex digits, which sort as the numbers do. */
const ipv4Key = (a: string): string => ipv4ToInt(a).toString(16).padStart(8, '0');

/** An IPv6 address in the text form formatIpv6 writes (hex groups, one `::`) as 32 hex digits. */
function ipv6Key(a: string): string {
  const gap = a.indexOf('::');
  const head = gap < 0 ? a.split(':') : a.slice(0, gap).split(':').filter((g) => g !== '');
  const tail = gap < 0 ? [] : a.slice(gap + 2).split(':').filter((g) => g !== '');
  const groups = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return groups.map((g) => g.padStart(4, '0')).join('');
}

function addressesFromFiles(root: HostRoot, pid: number, gaps: Gap[]): Addresses {
  const base = `/proc/${pid}/net`;
  const v4 = new Map<string, string[]>();
  const v6 = new Map<string, string[]>();
  const defaults: DefaultRoute[] = [];
  const add = (m: Map<string, string[]>, k: string, v: string): void => {
    const l = m.get(k) ?? [];
    if (!l.includes(v)) l.push(v);
    m.set(k, l);
  };
  const routes = readParsed(root, `${base}/route`, parseNetRoute);
  const fib = readParsed(root, `${base}/fib_trie`, parseFibTrieLocalAddresses);
  if (!routes.ok) gaps.push(routes.gap);
  if (!fib.ok) gaps.push(fib.gap);
  if (routes.ok) {
    for (const r of routes.value) if (r.destination === '0.0.0.0' && r.prefixLen === 0 && (r.flags & RTF_UP) !== 0) defaults.push({ family: 'ipv4', gateway: r.gateway, iface: r.iface, metric: r.metric });
    if (fib.ok) {
      for (const a of fib.value) {
        // 127.x addresses live on lo and have no route in the main table (they are in local).
        const c = a.startsWith('127.') ? { iface: 'lo', prefixLen: 8 } : connectedRoute(a, routes.value);
        if (c) add(v4, c.iface, `${a}/${c.prefixLen}`);
      }
    }
  }
  const inet6 = readParsed(root, `${base}/if_inet6`, parseIfInet6);
  if (inet6.ok) for (const a of inet6.value as IfInet6[]) add(v6, a.name, `${a.address}/${a.prefixLen}`);
  const r6 = readParsed(root, `${base}/ipv6_route`, parseIpv6Route);
  if (r6.ok) {
    for (const r of r6.value) {
      if (r.destination === '::' && r.prefixLen === 0 && (r.flags & RTF_UP) !== 0 && (r.flags & RTF_REJECT) === 0 && r.iface !== 'lo') {
        defaults.push({ family: 'ipv6', gateway: r.nextHop, iface: r.iface, metric: r.metric });
      }
    }
  } else if (r6.gap.reason !== 'absent') gaps.push(r6.gap);
  return { v4, v6, defaults };
}

/**
 * Listening TCP sockets and bound UDP sockets of pid's network namespace. TCP as the kernel's
 * socket diagnostics answered in the namespace's netlink visit (`diag`, the live host: much
 * cheaper than net/tcp, see sock-diag.ts), else, and whenever that failed short of the process
 * being gone, from net/tcp{,6}; UDP always from net/udp{,6}, which are cheap. A process gone
 * before its files are read leaves what was read, with a gap that says so.
 */
function listening(root: HostRoot, pid: number, diag: SockDiagResult | null, gaps: Gap[]): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  const files: Array<'tcp' | 'tcp6' | 'udp' | 'udp6'> = ['udp', 'udp6'];
  if (diag?.ok) {
    for (const s of diag.sockets) if (s.port !== 0) out.push(s);
  } else if (diag?.reason === 'gone') {
    gaps.push({ path: `/proc/${pid}/ns/net`, reason: 'gone', detail: diag.detail });
    return [];
  } else {
    files.unshift('tcp', 'tcp6');
  }
  for (const proto of files) {
    const r = readParsed(root, `/proc/${pid}/net/${proto}`, parseNetSockets);
    if (!r.ok) {
      // A file absent in a namespace (udp6 without IPv6) says nothing; the process gone does.
      if (r.gap.reason === 'absent' && !root.readLink(`/proc/${pid}/ns/net`).ok) {
        gaps.push({ ...r.gap, reason: 'gone', detail: 'process exited while its sockets were read' });
        break;
      }
      if (r.gap.reason !== 'absent') gaps.push(r.gap);
      continue;
    }
    const want = proto.startsWith('tcp') ? TCP_LISTEN : TCP_CLOSE;
    for (const s of r.value) if (s.state === want && s.localPort !== 0) out.push({ proto, address: s.localAddress, port: s.localPort, inode: s.inode });
  }
  // A total order: the kernel's dump and the proc files list sockets in different orders.
  return out.sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto) || a.address.localeCompare(b.address) || a.inode - b.inode);
}

/** Where a veth's other end may be: the host's sysfs, and the sysfs of every namespace read. */
interface PeerSpace {
  readonly netns: number | null;
  readonly hostNs: boolean;
  readonly entries: ReadonlyMap<string, NetClassEntry>;
}

/**
 * Every interface of the spaces added, by ifindex: a veth's peer is looked up among those whose
 * ifindex is its iflink, not among every interface of every namespace (a thousand namespaces
 * with a veth each and a host with a thousand more: a million comparisons).
 */
class PeerIndex {
  private readonly byIfindex = new Map<number, { readonly space: PeerSpace; readonly entry: NetClassEntry }[]>();

  add(space: PeerSpace): void {
    for (const entry of space.entries.values()) {
      if (entry.ifindex === null) continue;
      const list = this.byIfindex.get(entry.ifindex);
      if (list === undefined) this.byIfindex.set(entry.ifindex, [{ space, entry }]);
      else list.push({ space, entry });
    }
  }

  find(me: { ifindex: number | null; iflink: number | null }, myNs: number): { peer: VethPeer | null; ambiguous: number } {
    if (me.ifindex === null || me.iflink === null || me.iflink === me.ifindex || me.iflink === 0) return { peer: null, ambiguous: 0 };
    const found: VethPeer[] = [];
    for (const { space: s, entry: e } of this.byIfindex.get(me.iflink) ?? []) {
      if (e.iflink !== me.ifindex) continue;
      if (s.netns === myNs && e.ifindex === me.ifindex) continue;
      found.push({ name: e.name, ifindex: me.iflink, netns: s.netns, hostNs: s.hostNs, bridge: e.master, matchedBy: 'ifindex+iflink' });
    }
    return found.length === 1 ? { peer: found[0] as VethPeer, ambiguous: 0 } : { peer: null, ambiguous: found.length };
  }
}

export interface NetworkTarget {
  readonly netns: number;
  readonly pid: number;
}

/**
 * Read each network namespace once. `others` are processes of namespaces that are no container's
 * (an `ip netns exec` holder, a CNI plugin's), read only if a veth's peer is not found otherwise.
 */
export function collectNetworks(root: HostRoot, targets: readonly NetworkTarget[], hostNetns: number | null, others: readonly NetworkTarget[] = []): Map<number, NetworkNs> {
  const out = new Map<number, NetworkNs>();
  const reads: NsRead[] = [];
  for (const t of targets) {
    const r = readNs(root, t.pid, t.netns, true);
    if (r) reads.push(r);
  }
  const spaces = new PeerIndex();
  const host = readHostLinks(root);
  if (!isGap(host)) spaces.add({ netns: hostNetns, hostNs: true, entries: host.entries });
  for (const r of reads) if (r.sysfs) spaces.add({ netns: r.netns, hostNs: false, entries: r.sysfs.entries });
  let othersLoaded = false;
  const loadOthers = (): void => {
    othersLoaded = true;
    for (const o of others) {
      if (o.netns === hostNetns || reads.some((r) => r.netns === o.netns)) continue;
      const r = readNs(root, o.pid, o.netns, false);
      if (r?.sysfs) spaces.add({ netns: o.netns, hostNs: false, entries: r.sysfs.entries });
    }
  };
  for (const r of reads) {
    const gaps = r.gaps;
    if (isGap(host)) gaps.push({ ...host, detail: `host /sys/class/net unreadable (${host.detail ?? host.reason}): host-side veth peers unavailable` });
    const addr = addresses(root, r.pid, r.addresses, gaps);
    const interfaces: NetInterface[] = r.dev.map((d) => {
      const sys = r.sysfs?.entries.get(d.name) ?? null;
      const ifindex = sys?.ifindex ?? r.index.get(d.name) ?? null;
      let peer: VethPeer | null = null;
      if (sys === null && ifindex !== null && !isGap(host) && d.name !== 'lo') {
        // Without this namespace's sysfs its iflink is unknown: accept a host veth pointing at
        // this ifindex only when it is the only one (ifindexes repeat across namespaces).
        const c = [...host.entries.values()].filter((e) => e.iflink === ifindex && e.ifindex !== ifindex);
        if (c.length === 1) {
          const e = c[0] as NetClassEntry;
          peer = { name: e.name, ifindex: e.ifindex ?? 0, netns: hostNetns, hostNs: true, bridge: e.master, matchedBy: 'ifindex' };
        }
      }
      if (sys !== null && sys.iflink !== null && sys.iflink !== ifindex) {
        let f = spaces.find({ ifindex, iflink: sys.iflink }, r.netns);
        if (f.peer === null && f.ambiguous === 0 && !othersLoaded) {
          loadOthers();
          f = spaces.find({ ifindex, iflink: sys.iflink }, r.netns);
        }
        peer = f.peer;
        if (peer === null) gaps.push({ path: `/proc/${r.pid}/root/sys/class/net/${d.name}/iflink`, reason: 'absent', detail: f.ambiguous > 1 ? `${f.ambiguous} interfaces could be the peer of ${d.name}` : `peer ifindex ${sys.iflink} of ${d.name} not found in the host or any namespace read` });
      }
      const { rx, tx } = interfaceCounters(d);
      return {
        name: d.name,
        ifindex,
        mac: sys?.address ?? null,
        mtu: sys?.mtu ?? null,
        state: sys?.operstate ?? null,
        kind: sys?.kind ?? null,
        rx,
        tx,
        ipv4: addr.v4.get(d.name) ?? [],
        ipv6: addr.v6.get(d.name) ?? [],
        peer,
      };
    });
    if (r.sysfs) gaps.push(...r.sysfs.gaps);
    // Host interfaces that vanished mid-read (a bridge or veth deleted) may be exactly the
    // peers or bridges this namespace's veths point at: say so where it can matter.
    if (!isGap(host) && r.sysfs && [...r.sysfs.entries.values()].some((e) => e.iflink !== null && e.iflink !== e.ifindex)) gaps.push(...host.gaps.filter((g) => g.reason === 'gone'));
    out.set(r.netns, { netns: r.netns, interfaces, defaultRoutes: addr.defaults, listening: listening(root, r.pid, r.listeningTcp, gaps), sysfs: r.sysfs ? 'own' : 'unavailable', gaps });
  }
  return out;
}
