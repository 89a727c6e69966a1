/**
 * Interface counters per network namespace from /proc/<pid>/net/dev alone: the cheap read
 * repeated for rates (NET columns, metrics). The full namespace read (addresses, routes, veth
 * peers, sockets) is collectors/network.ts.
 */
import type { InterfaceCounters } from '../src/model/network.js';
import { readParsed, type HostRoot } from './host-root.js';
import { parseNetDev, type NetDevCounters } from './procfs/net-dev.js';

export function interfaceCounters(d: NetDevCounters): InterfaceCounters {
  return {
    name: d.name,
    rx: { bytes: d.rxBytes, packets: d.rxPackets, errors: d.rxErrors, dropped: d.rxDropped },
    tx: { bytes: d.txBytes, packets: d.txPackets, errors: d.txErrors, dropped: d.txDropped },
  };
}

/**
 * Counters of each namespace, read through the pid its target names (namespace inode -> pid).
 * A namespace whose pid is gone, or whose file is unreadable, is left out.
 */
export function readNetnsCounters(root: HostRoot, targets: ReadonlyMap<number, number>): Map<number, { pid: number; interfaces: InterfaceCounters[] }> {
  const out = new Map<number, { pid: number; interfaces: InterfaceCounters[] }>();
  for (const [netns, pid] of targets) {
    const r = readParsed(root, `/proc/${pid}/net/dev`, parseNetDev);
    if (r.ok) out.set(netns, { pid, interfaces: r.value.map(interfaceCounters) });
  }
  return out;
}
