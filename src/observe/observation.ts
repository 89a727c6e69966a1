/**
 * One observation of a host: what every command reads, whether it observes once (`ps --no-rates`,
 * `inspect`, `ns`, `snapshot`) or again and again (`ps` with rates, `top`, `serve`, `events`).
 * Pure types; src/observe/observer.ts makes them.
 *
 * An observation holds the model (processes, containers, pods), each container's resources
 * (limits, usage and, against the previous observation of the same observer, rates), the
 * counters of every network namespace a container has, and the host's figures. Rates are never
 * guessed: on the first observation, on a recorded host tree (one sample of every counter) or
 * when a counter went backwards (a cgroup recreated), a rate is Unknown with the reason.
 */
import type { ContainerDetails } from '../model/details.js';
import type { HostModel } from '../model/host-model.js';
import type { HostSummary } from '../model/host-summary.js';
import type { InterfaceCounters, NetRate } from '../model/network.js';
import type { ContainerResources, Unknown } from '../model/resources.js';

/** Counters of one network namespace, read through one of its processes. */
export interface NetnsObservation {
  readonly netns: number;
  /** The host pid the namespace's /proc/<pid>/net/dev was read through. */
  readonly pid: number;
  /** Monotonic milliseconds when the counters were read. */
  readonly atMs: number;
  /**
   * Every interface, loopback included, as the kernel counts it; null when not read: an observer
   * of one reading reads no counters (ObserverOptions.continuous), their rate says why.
   */
  readonly interfaces: readonly InterfaceCounters[] | null;
  /** Bytes per second over the interval, loopback left out; Unknown with the reason. */
  readonly rate: NetRate | Unknown;
}

export interface Observation {
  /** 1 for an observer's first observation, then 2, 3, ... */
  readonly seq: number;
  /** Monotonic milliseconds (the observer's clock) when this observation started. */
  readonly atMs: number;
  /** Milliseconds since the previous observation of the same observer; null for the first. */
  readonly intervalMs: number | null;
  /** Processes, containers and pods. `model.snapshot.takenAtMs` is the wall clock. */
  readonly model: HostModel;
  /** Per container, keyed by containerKey(): limits, usage, and rates against the previous observation. */
  readonly resources: ReadonlyMap<string, ContainerResources>;
  /** Per network namespace inode of a container that has its own: containers sharing one share its entry. */
  readonly network: ReadonlyMap<number, NetnsObservation>;
  /** Load, memory, CPUs and uptime of the host. */
  readonly host: HostSummary;
  /** Per container key, its filesystem and network in full, when the observation asked for them; else null. */
  readonly details: ReadonlyMap<string, ContainerDetails> | null;
}
