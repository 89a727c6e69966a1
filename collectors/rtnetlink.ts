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
 * Live host `/` only (HostRoot.netnsLinks). Unavailable (no koffi, not privileged) or failed:
 * the caller reads the files.
 */
import type { NetDevCounters } from './procfs/net-dev.js';
import { closeNetlink, i32le, listeningTcpOn, NETLINK_ROUTE, NETLINK_SOCK_DIAG, netlinkDump, netlinkSocketsIn, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_HDRLEN, noSocket, sockDiagLive, sockDiagUnavailable, u16le, u32le, walkNetlinkReplies, type SockDiagResult } from './sock-diag.js';
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

/** What one visit to a network namespace asks of the kernel: its interfaces and, if asked, its listening TCP sockets. */
export interface NetnsNetlink {
  readonly links: NetlinkLinksResult;
  /** Null when not asked for. */
  readonly listeningTcp: SockDiagResult | null;
}

/**
 * The interfaces and (with `listening`) the listening TCP sockets of pid's network namespace, both
 * sockets made in one visit (one open of the namespace, two setns calls) rather than one visit
 * each. Either half fails on its own: a kernel without sock_diag still gives its interfaces.
 */
export function netnsByNetlink(pid: number, listening: boolean): NetnsNetlink {
  const diag = listening && sockDiagLive();
  const opened = netlinkSocketsIn(pid, diag ? [NETLINK_ROUTE, NETLINK_SOCK_DIAG] : [NETLINK_ROUTE]);
  if (!opened.ok) return { links: opened, listeningTcp: listening ? opened : null };
  try {
    const [route, sock] = opened.fds as [number, number | undefined];
    const links = route < 0 ? noSocket(NETLINK_ROUTE, opened.errnos[0] as number) : linksOn(route);
    let listeningTcp: SockDiagResult | null = null;
    if (listening && sock === undefined) listeningTcp = { ok: false, reason: 'unavailable', detail: sockDiagUnavailable() ?? 'sock_diag unavailable' };
    else if (listening) listeningTcp = (sock as number) < 0 ? noSocket(NETLINK_SOCK_DIAG, opened.errnos[1] as number) : listeningTcpOn(sock as number);
    return { links, listeningTcp };
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
