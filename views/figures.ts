/**
 * The dashboard's figures of each container, projected from an Observation: the same facts as
 * `ps --json`'s limits and usage, flattened for a row. A rate with no second reading (the first
 * refresh, a recorded tree) is left out (`-`); anything else unknown is null (`?`).
 */
import type { ContainerStats, StatsByKey } from '../src/model/container-stats.js';
import type { Container } from '../src/model/container.js';
import { containerKey } from '../src/model/reconstruct.js';
import { isUnknown, type Known, type Limit, type Pressure } from '../src/model/resources.js';
import type { Observation } from '../src/observe/observation.js';

const known = <T>(v: Known<T>): T | null => (isUnknown(v) ? null : v);
/** A rate: left out when there is no second reading yet, null when unreadable. */
const rate = <T>(v: Known<T>): T | null | undefined => (isUnknown(v) ? (v.cause === 'unsampled' ? undefined : null) : v);
const limit = (v: Limit): Exclude<Limit, { unknown: string }> | null => (isUnknown(v) ? null : v);

function highestSomeAvg10(p: { readonly cpu: Known<Pressure>; readonly memory: Known<Pressure>; readonly io: Known<Pressure> }): number | null {
  let high: number | null = null;
  for (const x of [p.cpu, p.memory, p.io]) if (!isUnknown(x) && x.some && (high === null || x.some.avg10 > high)) high = x.some.avg10;
  return high;
}

/** A figure that is set; one left out (not collected) stays absent, not an undefined key. */
type Figures = { -readonly [K in keyof ContainerStats]: ContainerStats[K] };
function set<K extends keyof ContainerStats>(out: Figures, k: K, v: ContainerStats[K] | undefined): void {
  if (v !== undefined) out[k] = v;
}

/**
 * One container's figures. Built key by key into one object (no spread, no copy): top projects
 * every container at every refresh.
 */
export function containerFigures(obs: Observation, c: Container): ContainerStats {
  const out: Figures = {};
  const net = c.hostNamespaces.includes('net') || c.namespaces.net === undefined ? undefined : obs.network.get(c.namespaces.net);
  const netRate = net === undefined ? undefined : rate(net.rate);
  // Host-network containers have no counters of their own: their NET stays "not collected".
  if (netRate !== undefined) {
    out.netRxBytesPerSec = netRate?.rxBytesPerSec ?? null;
    out.netTxBytesPerSec = netRate?.txBytesPerSec ?? null;
  }
  const r = obs.resources.get(containerKey(c));
  if (r === undefined) return out;
  if (r.unavailable !== null) {
    out.cpuPercent = null;
    out.memoryBytes = null;
    out.memoryLimitBytes = null;
    out.pids = null;
    out.pidsMax = null;
    return out;
  }
  const throttled = r.usage.throttledPercent;
  set(out, 'cpuPercent', rate(r.usage.cpuPercent));
  out.cpuLimitCpus = limit(r.limits.cpuCores);
  // Without a CFS quota nothing is ever throttled.
  set(out, 'throttledPercent', throttled === 'unlimited' ? (r.sampleIntervalMs === null ? undefined : 0) : rate(throttled));
  out.memoryBytes = known(r.usage.workingSetBytes);
  out.memoryLimitBytes = limit(r.limits.memoryBytes);
  out.pids = known(r.usage.pids);
  out.pidsMax = limit(r.limits.pids);
  set(out, 'oomKillsRecent', rate(r.usage.oomKillsInInterval));
  out.pressurePercent = highestSomeAvg10(r.usage.pressure);
  set(out, 'ioReadBytesPerSec', rate(r.usage.ioReadBytesPerSec));
  set(out, 'ioWriteBytesPerSec', rate(r.usage.ioWriteBytesPerSec));
  return out;
}

export function figuresByKey(obs: Observation): StatsByKey {
  return new Map(obs.model.containers.map((c) => [containerKey(c), containerFigures(obs, c)]));
}
