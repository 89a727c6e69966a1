/**
 * The interfaces of a network namespace in one RTM_GETLINK dump (NETLINK_ROUTE), instead of
 * /proc/<pid>/net/dev, the ifindex files and a walk of the namespace's /sys/class/net (six to
 * eight files per interface). The socket is made inside the namespace as sock-diag.ts makes its
 * own (a netlink socket answers for the namespace it was created in).
 *
 * Each reply (RTM_NEWLINK: struct ifinfomsg, then attributes) carries what sysfs shows, from the
 * same net_device fields (net/core/rtnetlink.c rtnl_fill_ifinfo, net/core/net-sysfs.c):
 *   ifinfomsg.ifi_index    ifindex
 *   IFLA_IFNAME            the name
 *   IFLA_ADDRESS           address (dev_addr, addr_len bytes; absent when addr_len is 0)
 *   IFLA_MTU               mtu
 *   IFLA_LINK              iflink, put only when it differs from ifindex (a veth's peer index)
 *   IFLA_MASTER            the ifindex of the master (a bridge port's bridge), as sysfs `master`
 *   IFLA_OPERSTATE         operstate, IF_OPER_DOWN when the device is not running (as sysfs)
 *   IFLA_LINKINFO/KIND     the driver's link type ("veth", "bridge"): sysfs has only DEVTYPE,
 *                          which veths lack
 *   IFLA_STATS64           struct rtnl_link_stats64, the counters /proc/net/dev prints
 *                          (net/core/net-procfs.c dev_seq_printf_stats; its "drop" column is
 *                          rx_dropped + rx_missed_errors)
 * The dump lists interfaces in ifindex order, as /proc/net/dev does.
 *
 * In the same visit, on the same socket, a container's namespace is also asked for its addresses
 * and default routes, instead of /proc/<pid>/net/{route,fib_trie,if_inet6,ipv6_route} (four
 * files, ~75 µs a namespace; the two dumps ~10-20 µs): one RTM_GETADDR dump and one RTM_GETROUTE
 * dump, AF_UNSPEC each (rtnl_dump_all runs every family's dump in turn, IPv4 first: one
 * request where two per-family ones would answer the same), parsed by parseAddrMessages and
 * parseRouteMessages and named by resolveAddresses. What each gives against the files:
 *   addresses  IFA_LOCAL (else IFA_ADDRESS: IPv6 puts IFA_LOCAL only beside a peer) and
 *              ifa_prefixlen on the interface ifa_index names (net/ipv4/devinet.c
 *              inet_fill_ifaddr, net/ipv6/addrconf.c inet6_fill_ifaddr): every address the
 *              interface holds, as `ip addr` lists them. IPv6 is exactly if_inet6 (if6_seq_show
 *              prints the same inet6_ifaddr entries: address, prefix_len, device). IPv4 files
 *              only tell an address by its local /32 in fib_trie and take the prefix and device
 *              of the connected main-table route containing it, so the files miss an address
 *              that has no such route (on an interface that is down, `noprefixroute`, a /32 on
 *              lo, its connected route deleted) or name another route's prefix: netlink lists
 *              it as configured, which is what a user asking "what addresses does this
 *              container have" means. Ordinary addresses (and secondaries) are the same.
 *   IPv4       default routes as /proc/net/route shows them (net/ipv4/fib_trie.c
 *              fib_route_seq_show): the main table only (RTA_TABLE 254), every route type but
 *              broadcast and multicast (the file sets RTF_UP on all of them, an unreachable or
 *              blackhole default too, printed with device `*`), gateway RTA_GATEWAY or 0.0.0.0
 *              (a gateway given as RTA_VIA, IPv6, prints 0 there too), device RTA_OIF or `*`,
 *              metric RTA_PRIORITY (absent when 0) printed "%d", so signed.
 *   IPv6       default routes of every table, as net/ipv6_route shows them (net/ipv6/route.c)
 *              and as network.ts filters that file: not a reject type (unreachable, blackhole,
 *              prohibit, throw: the file's RTF_REJECT; its RTF_UP-less null entry is not
 *              dumped), not on lo (the kernel puts every reject route on lo, so either test
 *              alone leaves those out), nexthop RTA_GATEWAY or ::, metric RTA_PRIORITY.
 *   multipath  RTA_MULTIPATH: one default route per nexthop, in the kernel's order. ipv6_route
 *              prints each sibling route on its own line, so IPv6 is the same; /proc/net/route
 *              prints a multipath IPv4 route once, with its first nexthop (fib_info_nhc(fi, 0)),
 *              so the files show the first of the routes netlink lists.
 *   nexthop    a default route through a nexthop object (RTA_NH_ID) is not told here (without
 *   objects    net.ipv4.nexthop_compat_mode the reply has no device or gateway, and a group
 *              would be listed whole where the files show its first member): the namespace's
 *              addresses are read from the files.
 *
 * Live host `/` only (HostRoot.netnsNetlink). Unavailable (no koffi, not privileged) or failed:
 * the caller reads the files.
 */
import type { DefaultRoute } from '../src/model/network.js';
import type { NetDevCounters } from './procfs/net-dev.js';
import { formatIpv6Bytes } from './procfs/net-if-inet6.js';
import { AF_INET, AF_INET6, closeNetlink, EOPNOTSUPP, i32le, listeningTcpOn, NETLINK_ROUTE, NETLINK_SOCK_DIAG, netlinkDump, netlinkSocketsIn, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_HDRLEN, noSocket, sockDiagLive, sockDiagUnavailable, u16le, u32le, walkNetlinkReplies, type SockDiagResult } from './sock-diag.js';
import type { NetClassEntry } from './sysfs/net-class.js';

/** One interface: what sysfs would show of it, and its /proc/net/dev counters. */
export interface NetlinkLink {
  readonly entry: NetClassEntry;
  readonly counters: NetDevCounters;
}

export type NetlinkLinksResult = { readonly ok: true; readonly links: NetlinkLink[] } | Extract<SockDiagResult, { ok: false }>;

/** include/uapi/linux/{rtnetlink,if_link}.h */
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const IFINFOMSG_LEN = 16;
const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_LINK = 5;
const IFLA_MASTER = 10;
const IFLA_OPERSTATE = 16;
const IFLA_LINKINFO = 18;
const IFLA_STATS64 = 23;
const IFLA_INFO_KIND = 1;
/** NLA_TYPE_MASK: the attribute type without the nested and byte-order flags. */
const NLA_TYPE_MASK = 0x3fff;
/** RFC 2863 operational states, as net/core/net-sysfs.c names them (IF_OPER_UNKNOWN .. IF_OPER_UP). */
const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

const REQUEST = ((): Buffer => {
  const req = Buffer.alloc(NLMSG_HDRLEN + IFINFOMSG_LEN);
  req.writeUInt32LE(req.length, 0);
  req.writeUInt16LE(RTM_GETLINK, 4);
  req.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  req.writeUInt32LE(1, 8); // sequence number: any
  return req; // ifinfomsg all zero: AF_UNSPEC, every interface
})();

/** The interfaces of pid's network namespace (`self`: ours), where pid is a process of the live host. */
export function linksByNetlink(pid: number | 'self'): NetlinkLinksResult {
  const opened = netlinkSocketsIn(pid, [NETLINK_ROUTE]);
  if (!opened.ok) return opened;
  try {
    const fd = opened.fds[0] as number;
    return fd < 0 ? noSocket(NETLINK_ROUTE, opened.errnos[0] as number) : linksOn(fd);
  } finally {
    closeNetlink(opened.fds);
  }
}

/** One RTM_GETLINK dump through a NETLINK_ROUTE socket made in the namespace asked about. */
function linksOn(fd: number): NetlinkLinksResult {
  const raw: RawLink[] = [];
  const r = netlinkDump(fd, REQUEST, (buf) => parseLinkMessages(buf, raw));
  if (r !== null) return { ok: false, reason: 'failed', detail: `RTM_GETLINK: errno ${-r}` };
  return { ok: true, links: resolveLinks(raw) };
}

/** What one visit to a network namespace asks of the kernel: its interfaces and, if asked, its listening TCP sockets, addresses and default routes. */
export interface NetnsNetlink {
  readonly links: NetlinkLinksResult;
  /** Null when not asked for. */
  readonly listeningTcp: SockDiagResult | null;
  /** Null when not asked for. */
  readonly addresses: NetlinkAddressesResult | null;
}

/**
 * The interfaces and (with `listening`) the listening TCP sockets and (with `addresses`) the
 * addresses and default routes of pid's network namespace, both sockets made in one visit (one
 * open of the namespace, two setns calls) rather than one visit each. Each part fails on its
 * own: a kernel without sock_diag still gives its interfaces and addresses. The addresses are
 * asked only after a link dump that ended well (its interfaces name them), on the same socket.
 */
export function netnsByNetlink(pid: number, listening: boolean, addresses = false): NetnsNetlink {
  const diag = listening && sockDiagLive();
  const opened = netlinkSocketsIn(pid, diag ? [NETLINK_ROUTE, NETLINK_SOCK_DIAG] : [NETLINK_ROUTE]);
  if (!opened.ok) return { links: opened, listeningTcp: listening ? opened : null, addresses: addresses ? opened : null };
  try {
    const [route, sock] = opened.fds as [number, number | undefined];
    const links = route < 0 ? noSocket(NETLINK_ROUTE, opened.errnos[0] as number) : linksOn(route);
    let addrs: NetlinkAddressesResult | null = null;
    if (addresses) addrs = links.ok ? addressesOn(route, links.links) : { ok: false, reason: links.reason, detail: `no interfaces to name addresses by (${links.detail})` };
    let listeningTcp: SockDiagResult | null = null;
    if (listening && sock === undefined) listeningTcp = { ok: false, reason: 'unavailable', detail: sockDiagUnavailable() ?? 'sock_diag unavailable' };
    else if (listening) listeningTcp = (sock as number) < 0 ? noSocket(NETLINK_SOCK_DIAG, opened.errnos[1] as number) : listeningTcpOn(sock as number);
    return { links, listeningTcp, addresses: addrs };
  } finally {
    closeNetlink(opened.fds);
  }
}

/** One RTM_NEWLINK message, its master still an ifindex. */
export interface RawLink {
  readonly ifindex: number;
  readonly name: string;
  readonly address: string | null;
  readonly mtu: number | null;
  readonly iflink: number;
  readonly master: number | null;
  readonly operstate: string | null;
  readonly kind: string | null;
  readonly counters: Omit<NetDevCounters, 'name'> | null;
}

/** Masters by name (in the same namespace), counters named, in ifindex order. */
export function resolveLinks(raw: readonly RawLink[]): NetlinkLink[] {
  const byIndex = new Map(raw.map((l) => [l.ifindex, l.name]));
  const zero = { rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDropped: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDropped: 0 };
  return [...raw]
    .sort((a, b) => a.ifindex - b.ifindex)
    .map((l) => ({
      entry: { name: l.name, ifindex: l.ifindex, iflink: l.iflink, address: l.address, mtu: l.mtu, operstate: l.operstate, master: l.master === null ? null : (byIndex.get(l.master) ?? null), kind: l.kind, gaps: [] },
      counters: { name: l.name, ...(l.counters ?? zero) },
    }));
}

const u64 = (buf: Buffer, at: number): number => u32le(buf, at) + u32le(buf, at + 4) * 2 ** 32;
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
/** Lower-case hex bytes joined by colons (sysfs_format_mac's form), without a per-byte array. */
function macOf(buf: Buffer, from: number, to: number): string {
  let s = HEX_BYTE[buf[from] as number] as string;
  for (let i = from + 1; i < to; i++) s += ':' + (HEX_BYTE[buf[i] as number] as string);
  return s;
}
const cString = (buf: Buffer, from: number, to: number): string => {
  const nul = buf.indexOf(0, from);
  return buf.toString('utf8', from, nul < 0 || nul > to ? to : nul);
};

/**
 * Append the links of one recv()'d batch of netlink replies to out (see walkNetlinkReplies for
 * the result). Exported for tests on captured replies.
 */
export function parseLinkMessages(buf: Buffer, out: RawLink[]): 'done' | 'more' | number {
  return walkNetlinkReplies(buf, RTM_NEWLINK, IFINFOMSG_LEN, (payload, end) => {
    const link = parseLink(buf, payload, end);
    if (link) out.push(link);
  });
}

function parseLink(buf: Buffer, at: number, end: number): RawLink | null {
  const ifindex = i32le(buf, at + 4);
  let name: string | null = null;
  let address: string | null = null;
  let mtu: number | null = null;
  let iflink = ifindex;
  let master: number | null = null;
  let operstate: string | null = null;
  let kind: string | null = null;
  let counters: RawLink['counters'] = null;
  for (let a = at + IFINFOMSG_LEN; a + 4 <= end; ) {
    const alen = u16le(buf, a);
    const atype = u16le(buf, a + 2) & NLA_TYPE_MASK;
    if (alen < 4 || a + alen > end) break;
    const d = a + 4;
    const dlen = alen - 4;
    switch (atype) {
      case IFLA_IFNAME:
        name = cString(buf, d, d + dlen);
        break;
      case IFLA_ADDRESS:
        // As sysfs prints it (sysfs_format_mac: lower-case hex, colon-separated).
        address = dlen > 0 ? macOf(buf, d, d + dlen) : null;
        break;
      case IFLA_MTU:
        if (dlen >= 4) mtu = u32le(buf, d);
        break;
      case IFLA_LINK:
        if (dlen >= 4) iflink = i32le(buf, d);
        break;
      case IFLA_MASTER:
        if (dlen >= 4) master = u32le(buf, d);
        break;
      case IFLA_OPERSTATE:
        if (dlen >= 1) operstate = OPERSTATES[buf[d] as number] ?? null;
        break;
      case IFLA_LINKINFO:
        for (let n = d; n + 4 <= d + dlen; ) {
          const nlen = u16le(buf, n);
          if (nlen < 4) break;
          if ((u16le(buf, n + 2) & NLA_TYPE_MASK) === IFLA_INFO_KIND) kind = cString(buf, n + 4, n + nlen);
          n += (nlen + 3) & ~3;
        }
        break;
      case IFLA_STATS64:
        // struct rtnl_link_stats64: rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors,
        // tx_errors, rx_dropped, tx_dropped, ... rx_missed_errors (the 16th).
        if (dlen >= 16 * 8) {
          counters = {
            rxPackets: u64(buf, d),
            txPackets: u64(buf, d + 8),
            rxBytes: u64(buf, d + 16),
            txBytes: u64(buf, d + 24),
            rxErrors: u64(buf, d + 32),
            txErrors: u64(buf, d + 40),
            rxDropped: u64(buf, d + 48) + u64(buf, d + 120),
            txDropped: u64(buf, d + 56),
          };
        }
        break;
    }
    a += (alen + 3) & ~3;
  }
  return name === null ? null : { ifindex, name, address, mtu, iflink, master, operstate, kind, counters };
}

/** Addresses (CIDR strings by interface name, in the kernel's order) and default routes of a namespace. */
export interface NetlinkAddresses {
  readonly v4: Map<string, string[]>;
  readonly v6: Map<string, string[]>;
  readonly defaults: DefaultRoute[];
}

export type NetlinkAddressesResult = ({ readonly ok: true } & NetlinkAddresses) | Extract<SockDiagResult, { ok: false }>;

/** include/uapi/linux/{rtnetlink,if_addr}.h (the address families and errno values: sock-diag.ts) */
const RTM_NEWADDR = 20;
const RTM_GETADDR = 22;
const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const IFADDRMSG_LEN = 8;
const RTMSG_LEN = 12;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_MULTIPATH = 9;
const RTA_TABLE = 15;
const RTA_NH_ID = 30;
/** struct rtnexthop: len, flags, hops, ifindex; its attributes (RTA_GATEWAY) follow. */
const RTNEXTHOP_LEN = 8;
const RT_TABLE_MAIN = 254;
const RTN_BROADCAST = 3;
const RTN_MULTICAST = 5;
const RTN_BLACKHOLE = 6;
const RTN_THROW = 9;
const RTM_F_CLONED = 0x200;

function dumpRequest(type: number, payloadLen: number): Buffer {
  const req = Buffer.alloc(NLMSG_HDRLEN + payloadLen);
  req.writeUInt32LE(req.length, 0);
  req.writeUInt16LE(type, 4);
  req.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  req.writeUInt32LE(1, 8); // sequence number: any
  return req; // ifaddrmsg / rtmsg all zero: AF_UNSPEC, every interface and table, no cloned routes asked
}

/** The two dump requests the addresses are asked with (exported for the fixture capture: test/fixtures/README.md). */
export const GETADDR_REQUEST = dumpRequest(RTM_GETADDR, IFADDRMSG_LEN);
export const GETROUTE_REQUEST = dumpRequest(RTM_GETROUTE, RTMSG_LEN);

/** Why this kernel answers no address or route dump (EOPNOTSUPP: no handler), once found: the files are read from then on. */
let addressDumpsOff: string | null = null;

/** The addresses and default routes through the NETLINK_ROUTE socket the links were just dumped on. */
function addressesOn(fd: number, links: readonly NetlinkLink[]): NetlinkAddressesResult {
  if (addressDumpsOff !== null) return { ok: false, reason: 'unavailable', detail: addressDumpsOff };
  const addrs: RawAddress[] = [];
  let r = netlinkDump(fd, GETADDR_REQUEST, (buf) => parseAddrMessages(buf, addrs));
  if (r !== null) return dumpFailed('RTM_GETADDR', r);
  const routes: RawDefaultRoute[] = [];
  r = netlinkDump(fd, GETROUTE_REQUEST, (buf) => parseRouteMessages(buf, routes));
  if (r !== null) return dumpFailed('RTM_GETROUTE', r);
  return resolveAddresses(addrs, routes, links);
}

function dumpFailed(what: string, errno: number): Extract<SockDiagResult, { ok: false }> {
  if (errno === -EOPNOTSUPP) {
    addressDumpsOff = `${what}: not supported by this kernel (errno ${EOPNOTSUPP})`;
    return { ok: false, reason: 'unavailable', detail: addressDumpsOff };
  }
  return { ok: false, reason: 'failed', detail: `${what}: errno ${-errno}` };
}

/** One address of an RTM_NEWADDR message, its interface still an ifindex. */
export interface RawAddress {
  readonly family: 'ipv4' | 'ipv6';
  readonly ifindex: number;
  readonly address: string;
  readonly prefixLen: number;
}

/** One default route (one nexthop of a multipath one) as the files would show it, its interface still an ifindex (0: none). */
export interface RawDefaultRoute {
  readonly family: 'ipv4' | 'ipv6';
  readonly ifindex: number;
  readonly gateway: string;
  readonly metric: number;
  /** Through a nexthop object (RTA_NH_ID): see the file header. */
  readonly nexthopObject: boolean;
}

/**
 * Append the IPv4 and IPv6 addresses of one recv()'d batch of RTM_GETADDR replies to out (see
 * walkNetlinkReplies for the result). Exported for tests on captured replies.
 */
export function parseAddrMessages(buf: Buffer, out: RawAddress[]): 'done' | 'more' | number {
  return walkNetlinkReplies(buf, RTM_NEWADDR, IFADDRMSG_LEN, (at, end) => {
    // struct ifaddrmsg: family, prefixlen, flags, scope, index (u32).
    const family = buf[at];
    const size = family === AF_INET ? 4 : family === AF_INET6 ? 16 : 0;
    if (size === 0) return;
    let local = -1;
    let address = -1;
    for (let a = at + IFADDRMSG_LEN; a + 4 <= end; ) {
      const alen = u16le(buf, a);
      if (alen < 4 || a + alen > end) break;
      if (alen - 4 >= size) {
        const atype = u16le(buf, a + 2) & NLA_TYPE_MASK;
        if (atype === IFA_LOCAL) local = a + 4;
        else if (atype === IFA_ADDRESS) address = a + 4;
      }
      a += (alen + 3) & ~3;
    }
    const d = local >= 0 ? local : address;
    if (d < 0) return;
    out.push({
      family: size === 4 ? 'ipv4' : 'ipv6',
      ifindex: u32le(buf, at + 4),
      address: size === 4 ? `${buf[d]}.${buf[d + 1]}.${buf[d + 2]}.${buf[d + 3]}` : formatIpv6Bytes(buf, d),
      prefixLen: buf[at + 1] as number,
    });
  });
}

/**
 * Append the default routes of one recv()'d batch of RTM_GETROUTE replies to out, as the files
 * show them (the file header): IPv4 of the main table, not broadcast or multicast; IPv6 of any
 * table, not a reject type; a multipath route once per nexthop. Every other route is passed over
 * on its rtmsg alone. Exported for tests on captured replies.
 */
export function parseRouteMessages(buf: Buffer, out: RawDefaultRoute[]): 'done' | 'more' | number {
  return walkNetlinkReplies(buf, RTM_NEWROUTE, RTMSG_LEN, (at, end) => {
    // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags (u32).
    if (buf[at + 1] !== 0) return;
    const family = buf[at];
    if (family !== AF_INET && family !== AF_INET6) return;
    const type = buf[at + 7] as number;
    if (family === AF_INET ? type === RTN_BROADCAST || type === RTN_MULTICAST : type >= RTN_BLACKHOLE && type <= RTN_THROW) return;
    if ((u32le(buf, at + 8) & RTM_F_CLONED) !== 0) return;
    const size = family === AF_INET ? 4 : 16;
    let table = buf[at + 4] as number;
    let oif = 0;
    let gateway = -1;
    let metric = 0;
    let multipath = -1;
    let multipathEnd = 0;
    let nexthopObject = false;
    for (let a = at + RTMSG_LEN; a + 4 <= end; ) {
      const alen = u16le(buf, a);
      if (alen < 4 || a + alen > end) break;
      const d = a + 4;
      const dlen = alen - 4;
      switch (u16le(buf, a + 2) & NLA_TYPE_MASK) {
        case RTA_TABLE:
          if (dlen >= 4) table = u32le(buf, d);
          break;
        case RTA_OIF:
          if (dlen >= 4) oif = u32le(buf, d);
          break;
        case RTA_GATEWAY:
          if (dlen >= size) gateway = d;
          break;
        case RTA_PRIORITY:
          if (dlen >= 4) metric = u32le(buf, d);
          break;
        case RTA_MULTIPATH:
          multipath = d;
          multipathEnd = d + dlen;
          break;
        case RTA_NH_ID:
          nexthopObject = true;
          break;
      }
      a += (alen + 3) & ~3;
    }
    if (family === AF_INET && table !== RT_TABLE_MAIN) return;
    const fam = family === AF_INET ? 'ipv4' : 'ipv6';
    // /proc/net/route prints the IPv4 metric "%d", ipv6_route "%08x".
    const m = family === AF_INET ? metric | 0 : metric;
    const gw = (g: number): string => (g < 0 ? (size === 4 ? '0.0.0.0' : '::') : size === 4 ? `${buf[g]}.${buf[g + 1]}.${buf[g + 2]}.${buf[g + 3]}` : formatIpv6Bytes(buf, g));
    if (multipath < 0) {
      out.push({ family: fam, ifindex: oif, gateway: gw(gateway), metric: m, nexthopObject });
      return;
    }
    for (let n = multipath; n + RTNEXTHOP_LEN <= multipathEnd; ) {
      const nlen = u16le(buf, n);
      if (nlen < RTNEXTHOP_LEN || n + nlen > multipathEnd) break;
      let g = -1;
      for (let a = n + RTNEXTHOP_LEN; a + 4 <= n + nlen; ) {
        const alen = u16le(buf, a);
        if (alen < 4 || a + alen > n + nlen) break;
        if ((u16le(buf, a + 2) & NLA_TYPE_MASK) === RTA_GATEWAY && alen - 4 >= size) g = a + 4;
        a += (alen + 3) & ~3;
      }
      out.push({ family: fam, ifindex: u32le(buf, n + 4), gateway: gw(g), metric: m, nexthopObject });
      n += (nlen + 3) & ~3;
    }
  });
}

/**
 * Name the addresses and default routes by the interfaces of the same visit: IPv4 default routes
 * first, then IPv6 (the files' order), IPv6 ones on lo left out (as network.ts leaves them out
 * of ipv6_route). Not ok when the dumps cannot be told as the files would tell them: an
 * interface not among the links (added between the dumps), a default route through a nexthop
 * object; the caller then reads the files.
 */
export function resolveAddresses(addrs: readonly RawAddress[], routes: readonly RawDefaultRoute[], links: readonly NetlinkLink[]): NetlinkAddressesResult {
  const names = new Map<number, string>();
  for (const l of links) if (l.entry.ifindex !== null) names.set(l.entry.ifindex, l.entry.name);
  const appeared = (ifindex: number): NetlinkAddressesResult => ({ ok: false, reason: 'failed', detail: `interface ${ifindex} is not among the interfaces dumped just before (added meanwhile)` });
  const v4 = new Map<string, string[]>();
  const v6 = new Map<string, string[]>();
  for (const a of addrs) {
    const name = names.get(a.ifindex);
    if (name === undefined) return appeared(a.ifindex);
    const m = a.family === 'ipv4' ? v4 : v6;
    const cidr = `${a.address}/${a.prefixLen}`;
    const list = m.get(name);
    if (list === undefined) m.set(name, [cidr]);
    else if (!list.includes(cidr)) list.push(cidr);
  }
  const defaults: DefaultRoute[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    for (const r of routes) {
      if (r.family !== family) continue;
      if (r.nexthopObject) return { ok: false, reason: 'unavailable', detail: 'a default route through a nexthop object (RTA_NH_ID): read from the files' };
      const iface = r.ifindex === 0 ? '*' : names.get(r.ifindex);
      if (iface === undefined) return appeared(r.ifindex);
      if (family === 'ipv6' && iface === 'lo') continue;
      defaults.push({ family, gateway: r.gateway, iface, metric: r.metric });
    }
  }
  return { ok: true, v4, v6, defaults };
}
