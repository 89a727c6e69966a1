/**
 * Interface counters per network namespace from /proc/<pid>/net/dev alone: the cheap read
 * repeated for rates (NET columns, metrics). The full namespace read (addresses, routes, veth
 * peers, sockets) is collectors/network.ts.
 */
import type { InterfaceCounters } from '../src/model/network.js';
import type { HostRoot, OpenFile } from './host-root.js';
import { parseWith } from './read.js';
import { parseNetDev, type NetDevCounters } from './procfs/net-dev.js';

export function interfaceCounters(d: NetDevCounters): InterfaceCounters {
  return {
    name: d.name,
    rx: { bytes: d.rxBytes, packets: d.rxPackets, errors: d.rxErrors, dropped: d.rxDropped },
    tx: { bytes: d.txBytes, packets: d.txPackets, errors: d.txErrors, dropped: d.txDropped },
  };
}

/**
 * A bound on net/dev's longest record: an interface's line is its name (at most 15 characters)
 * and 16 counters of at most 20 digits each, under 400 bytes (net/core/net-procfs.c
 * dev_seq_printf_stats); the header's two lines are shorter.
 */
const NET_DEV_MAX_LINE = 512;

/** A network namespace to read, through one of its processes (pid and start time: which process). */
export interface NetnsTarget {
  readonly pid: number;
  readonly starttimeTicks: number;
}

export interface NetCounterReader {
  /** Counters of each namespace (inode -> the process to read it through); unreadable ones left out. */
  read(targets: ReadonlyMap<number, NetnsTarget>): Map<number, { pid: number; interfaces: readonly InterfaceCounters[] }>;
  close(): void;
}

interface KeptNetns {
  readonly pid: number;
  readonly starttimeTicks: number;
  readonly file: OpenFile | null;
  text: string | null;
  interfaces: readonly InterfaceCounters[];
}

/**
 * A reader for repeated observations: each namespace's /proc/<pid>/net/dev stays open and is
 * read again with pread (a procfs net file is bound to the namespace it was opened in, and
 * regenerated from offset 0), and parsed again only when its text changed. A namespace read
 * through another process (its first one exited, or the pid now names another process) is
 * opened afresh; one no longer asked for is let go at once, and with it the namespace the open
 * file held.
 */
export function createNetCounterReader(root: HostRoot): NetCounterReader {
  let kept = new Map<number, KeptNetns>();
  const read = (targets: ReadonlyMap<number, NetnsTarget>): Map<number, { pid: number; interfaces: readonly InterfaceCounters[] }> => {
    const out = new Map<number, { pid: number; interfaces: readonly InterfaceCounters[] }>();
    const next = new Map<number, KeptNetns>();
    for (const [netns, t] of targets) {
      let k = kept.get(netns);
      if (k !== undefined && (k.pid !== t.pid || k.starttimeTicks !== t.starttimeTicks)) {
        k.file?.close();
        k = undefined;
      }
      const path = `/proc/${t.pid}/net/dev`;
      if (k === undefined) {
        const opened = root.openFile ? root.openFile(path, { maxRecordBytes: NET_DEV_MAX_LINE }) : null;
        k = { pid: t.pid, starttimeTicks: t.starttimeTicks, file: opened?.ok ? opened.value : null, text: null, interfaces: [] };
      }
      kept.delete(netns);
      const text = k.file ? k.file.readText() : root.readText(path);
      if (!text.ok) {
        k.file?.close();
        continue;
      }
      if (text.value !== k.text) {
        const parsed = parseWith(path, text, parseNetDev);
        if (!parsed.ok) {
          k.file?.close();
          continue;
        }
        k.text = text.value;
        k.interfaces = parsed.value.map(interfaceCounters);
      }
      next.set(netns, k);
      out.set(netns, { pid: t.pid, interfaces: k.interfaces });
    }
    for (const k of kept.values()) k.file?.close();
    kept = next;
    return out;
  };
  return {
    read,
    close() {
      for (const k of kept.values()) k.file?.close();
      kept = new Map();
    },
  };
}
