/**
 * The dashboard's per-container figures and the frame one `top` refresh works on. The figures
 * are a projection of an Observation (views/figures.ts): the same facts as `ps --json`'s limits
 * and usage, picked and flattened for a row.
 *
 * A field left out means "not collected" (rendered `-`: no rate yet, or none on a recorded
 * tree); null means "collected but unreadable or not applicable on this host" (rendered `?`).
 */
import type { Observation } from '../observe/observation.js';
import type { HostModel } from './host-model.js';
import type { HostSummary } from './host-summary.js';
import type { Limit as ResourceLimit, Unknown } from './resources.js';

/** A limit that is known: a number, or 'unlimited' ('max' in cgroup v2, ~2^63 in v1). */
export type Limit = Exclude<ResourceLimit, Unknown>;

/** Keyed by containerKey() (reconstruct.ts): `<engine>/<id>`, `none/<id>` without an engine. */
export interface ContainerStats {
  /** CPU used over the interval, in percent of one host CPU (docker stats' convention). */
  readonly cpuPercent?: number | null;
  /** The CPU limit (cpu.max / cfs quota) in CPUs. */
  readonly cpuLimitCpus?: Limit | null;
  /** Share of CFS periods in the interval in which the cgroup was throttled, percent. */
  readonly throttledPercent?: number | null;
  /** Working set: usage minus inactive file pages, what docker stats and the kubelet show. */
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

/** One refresh: an observation, the model before it (per-process rates) and its figures. */
export interface TopFrame {
  readonly observation: Observation;
  readonly model: HostModel;
  readonly prev: HostModel | null;
  readonly summary: HostSummary;
  readonly stats: StatsByKey;
  /** Refresh number, from 1. */
  readonly seq: number;
}
