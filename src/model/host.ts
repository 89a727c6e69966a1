import type { CgroupMode } from './cgroup.js';
import type { EngineMetadata } from './container.js';
import type { Gap } from './gap.js';
import type { NsSet } from './namespace.js';
import type { Process } from './process.js';
import type { Grouping, RuntimeState } from './reconstruct.js';

/** Everything one collection pass read from a host root, with what it could not read. */
export interface HostSnapshot {
  /** Milliseconds since the epoch when the scan started (from the caller's clock). */
  readonly takenAtMs: number;
  readonly root: { readonly kind: 'live' | 'recorded'; readonly dir: string };
  readonly hostname: string | null;
  readonly kernel: string | null;
  readonly clockTicksPerSec: number;
  /** The host's page size: the kernel's (its auxiliary vector's AT_PAGESZ), else derived from VmRSS (KiB) against stat's rss (pages); null if unknown. */
  readonly pageSizeBytes: number | null;
  readonly bootTimeSec: number | null;
  readonly cgroupMode: CgroupMode | null;
  readonly hostNs: NsSet;
  /** Where hostNs was read: `/proc/1/ns`, or kthreadd's when pid 1 is unreadable. */
  readonly hostNsSource: string;
  /** The namespaces of the process doing the reading (live only): tells a pid-namespaced view. */
  readonly readerNs: NsSet | null;
  readonly processes: readonly Process[];
  /**
   * Pids whose per-process counters (CPU time, state, threads, RSS) were read for this snapshot;
   * the others' are from an earlier refresh (a repeated scan of a quiet host). Absent: everyone's.
   */
  readonly sampled?: ReadonlySet<number>;
  /** A repeated scan found every process of the previous refresh again: none has exited since. */
  readonly noExit?: true;
  /** The collector's first grouping pass, reused by the model (same processes by pid). */
  readonly grouping?: Grouping;
  readonly rootDiffers: ReadonlyMap<number, boolean>;
  readonly runtimeStates: readonly RuntimeState[];
  readonly metadata: ReadonlyMap<string, EngineMetadata>;
  readonly stats: { readonly vanished: number; readonly partial: number; readonly hidden: Readonly<Record<string, number>> };
  /** Files that exist but hold text the kernel or engine would not write. */
  readonly malformed: readonly Gap[];
  readonly gaps: readonly Gap[];
  /**
   * Only the processes that may belong with host pid `seed` were read in full (collectors'
   * scanAround): the seed, those in its private namespaces and their ancestors. A model built
   * on them is right about the seed's container alone, and only where src/model/around.ts and
   * collectors/around.ts find nothing against it. `unread`: the other processes (kernel threads
   * aside), each in some cgroup: what a cgroup holds besides the container is counted among them
   * only where a figure needs it (collectors/around.ts unreadPopulation).
   */
  readonly around?: { readonly seed: number; readonly unread: readonly number[] };
}

/**
 * Page size of the host the processes ran on (not of the machine running ctrscope): stat's `rss`
 * counts pages and status's VmRSS the same pages in KiB, so their ratio is the page size.
 */
export function derivePageSize(processes: readonly { rssPages: number; vmRssKiB: number | null }[]): number | null {
  const votes = new Map<number, number>();
  for (const p of processes) {
    if (p.vmRssKiB === null || p.rssPages <= 0) continue;
    const size = Math.round((p.vmRssKiB * 1024) / p.rssPages);
    if ((size & (size - 1)) !== 0 || size < 4096) continue;
    votes.set(size, (votes.get(size) ?? 0) + 1);
  }
  let best: number | null = null;
  for (const [size, n] of votes) if (best === null || n > (votes.get(best) ?? 0)) best = size;
  return best;
}
