/**
 * A network namespace as the host sees it: interfaces with counters and addresses, routes,
 * listening sockets, and for each veth the peer at the other end (host side or another
 * namespace) with its bridge. Pure types; collectors/network.ts fills them.
 */
import type { Gap } from './gap.js';

export interface IfCounters {
  readonly bytes: number;
  readonly packets: number;
  readonly errors: number;
  readonly dropped: number;
}

/** One interface's counters as /proc/<pid>/net/dev gives them. */
export interface InterfaceCounters {
  readonly name: string;
  readonly rx: IfCounters;
  readonly tx: IfCounters;
}

export interface VethPeer {
  readonly name: string;
  readonly ifindex: number;
  /** Inode of the namespace the peer lives in; hostNs true when that is the host's. */
  readonly netns: number | null;
  readonly hostNs: boolean;
  /** The bridge the peer is a port of (sysfs `master`), or null. */
  readonly bridge: string | null;
  /** 'ifindex+iflink' when both ends were checked; 'ifindex' when the container side's iflink was unreadable. */
  readonly matchedBy: 'ifindex+iflink' | 'ifindex';
}

export interface NetInterface {
  readonly name: string;
  readonly ifindex: number | null;
  readonly mac: string | null;
  readonly mtu: number | null;
  /** sysfs operstate: up, down, unknown, lowerlayerdown... */
  readonly state: string | null;
  /** Link type: the driver's by netlink on the live host (veth, bridge...), else sysfs's DEVTYPE (none for a veth). */
  readonly kind: string | null;
  readonly rx: IfCounters;
  readonly tx: IfCounters;
  /** CIDR strings: 10.88.0.2/16, fe80::1/64. */
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  readonly peer: VethPeer | null;
}

export interface DefaultRoute {
  readonly family: 'ipv4' | 'ipv6';
  readonly gateway: string;
  readonly iface: string;
  readonly metric: number;
}

export interface ListeningSocket {
  readonly proto: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  readonly address: string;
  readonly port: number;
  readonly inode: number;
}

export interface NetworkNs {
  readonly netns: number;
  readonly interfaces: readonly NetInterface[];
  readonly defaultRoutes: readonly DefaultRoute[];
  readonly listening: readonly ListeningSocket[];
  /** Whether MAC/MTU/state/iflink are this namespace's own: by netlink (live), or from a sysfs that shows it. */
  readonly sysfs: 'own' | 'unavailable';
  readonly gaps: readonly Gap[];
}

/** What a container's network is: its own namespace, the host's, or one shared with others. */
export interface ContainerNetwork {
  readonly mode: 'private' | 'host' | 'unknown';
  readonly netns: number | null;
  /** Other containers (`<engine>/<id>`) in the same network namespace (--net container:X, pods). */
  readonly sharedWith: readonly string[];
  /** null for host-network containers: the host's interfaces are not the container's. */
  readonly ns: NetworkNs | null;
}

export interface NetRate {
  readonly rxBytesPerSec: number;
  readonly txBytesPerSec: number;
}

/**
 * Rate between two samples of the same namespace. A counter that went down (namespace replaced,
 * interface recreated) gives no rate rather than a negative one.
 */
export function netRate(prev: { rxBytes: number; txBytes: number }, cur: { rxBytes: number; txBytes: number }, dtMs: number): NetRate | null {
  if (dtMs <= 0 || cur.rxBytes < prev.rxBytes || cur.txBytes < prev.txBytes) return null;
  return { rxBytesPerSec: ((cur.rxBytes - prev.rxBytes) * 1000) / dtMs, txBytesPerSec: ((cur.txBytes - prev.txBytes) * 1000) / dtMs };
}
