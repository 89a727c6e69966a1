/**
 * Per-container figures that need more than the process scan (cgroup counters, network, IO),
 * and the frame one `top` refresh works on. This is the seam where the resource and network
 * collectors plug in: they fill ContainerStats by container key; views read it and never care
 * where it came from.
 *
 * A field left out means "not collected" (rendered `-`); null means "collected but unreadable or
 * not applicable on this host" (rendered `?`). Rates are per second over the interval between
 * two frames; the first frame has none.
 */
import type { HostModel } from './host-model.js';
import type { HostSummary } from './host-summary.js';

/** A limit that may be absent: 'max' in cgroup v2, ~2^63 in v1. */
export type Limit = number | 'unlimited';

/** Keyed by containerKey() (reconstruct.ts): `<engine>/<id>`, `none/<id>` without an engine. */
export interface ContainerStats {
  /** CPU used over the interval, in percent of one host CPU (docker stats' convention). */
  readonly cpuPercent?: number | null;
  /** The CPU limit (cpu.max / cfs quota) in CPUs. */
  readonly cpuLimitCpus?: Limit | null;
  /** Share of CFS periods in the interval in which the cgroup was throttled, percent. */
  readonly throttledPercent?: number | null;
  readonly memoryBytes?: number | null;
  readonly memoryLimitBytes?: Limit | null;
  readonly pids?: number | null;
  readonly pidsMax?: Limit | null;
  /** OOM kills in the cgroup since the previous frame. */
  readonly oomKillsRecent?: number | null;
  /** Highest `some avg10` of the cpu, memory and io pressure files (PSI, cgroup v2), percent. */
  readonly pressurePercent?: number | null;
  readonly netRxBytesPerSec?: number | null;
  readonly netTxBytesPerSec?: number | null;
  readonly ioReadBytesPerSec?: number | null;
  readonly ioWriteBytesPerSec?: number | null;
}

export type StatsByKey = ReadonlyMap<string, ContainerStats>;

/** One refresh: the model, the one before it (for rates) and what was measured around them. */
export interface TopFrame {
  readonly model: HostModel;
  readonly prev: HostModel | null;
  readonly summary: HostSummary;
  readonly stats: StatsByKey;
  /** Refresh number, from 1. */
  readonly seq: number;
}
