/**
 * Byte totals per network namespace from /proc/<pid>/net/dev alone: the cheap read `ps` repeats
 * for its NET rate column (the full namespace read is collectors/network.ts).
 */
import { readParsed, type HostRoot } from './host-root.js';
import { parseNetDev } from './procfs/net-dev.js';

export interface NetTotals {
  readonly rxBytes: number;
  readonly txBytes: number;
}

/** Totals of non-loopback interfaces, keyed by namespace inode; a namespace whose pid is gone is left out. */
export function readNetTotals(root: HostRoot, targets: ReadonlyMap<number, number>): Map<number, NetTotals> {
  const out = new Map<number, NetTotals>();
  for (const [netns, pid] of targets) {
    const r = readParsed(root, `/proc/${pid}/net/dev`, parseNetDev);
    if (!r.ok) continue;
    let rxBytes = 0;
    let txBytes = 0;
    for (const d of r.value) {
      if (d.name === 'lo') continue;
      rxBytes += d.rxBytes;
      txBytes += d.txBytes;
    }
    out.set(netns, { rxBytes, txBytes });
  }
  return out;
}
