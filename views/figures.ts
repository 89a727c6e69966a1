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
  const all = [p.cpu, p.memory, p.io].flatMap((x) => (isUnknown(x) || !x.some ? [] : [x.some.avg10]));
  return all.length === 0 ? null : Math.max(...all);
}

/** The figures that are set ("not collected" ones left out), copied rather than deleted: a deleted key turns the object into a slow dictionary on top's per-refresh path. */
const defined = (o: Record<string, unknown>): ContainerStats => {
  const out: Record<string, unknown> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as ContainerStats;
};

export function containerFigures(obs: Observation, c: Container): ContainerStats {
  const net = c.hostNamespaces.includes('net') || c.namespaces.net === undefined ? undefined : obs.network.get(c.namespaces.net);
  const netRate = net === undefined ? undefined : rate(net.rate);
  // Host-network containers have no counters of their own: their NET stays "not collected".
  const netFigures = { netRxBytesPerSec: netRate === undefined ? undefined : (netRate?.rxBytesPerSec ?? null), netTxBytesPerSec: netRate === undefined ? undefined : (netRate?.txBytesPerSec ?? null) };
  const r = obs.resources.get(containerKey(c));
  if (r === undefined) return defined({ ...netFigures });
  if (r.unavailable !== null) return defined({ ...netFigures, cpuPercent: null, memoryBytes: null, memoryLimitBytes: null, pids: null, pidsMax: null });
  const throttled = r.usage.throttledPercent;
  return defined({
    ...netFigures,
    cpuPercent: rate(r.usage.cpuPercent),
    cpuLimitCpus: limit(r.limits.cpuCores),
    // Without a CFS quota nothing is ever throttled.
    throttledPercent: throttled === 'unlimited' ? (r.sampleIntervalMs === null ? undefined : 0) : rate(throttled),
    memoryBytes: known(r.usage.workingSetBytes),
    memoryLimitBytes: limit(r.limits.memoryBytes),
    pids: known(r.usage.pids),
    pidsMax: limit(r.limits.pids),
    oomKillsRecent: rate(r.usage.oomKillsInInterval),
    pressurePercent: highestSomeAvg10(r.usage.pressure),
    ioReadBytesPerSec: rate(r.usage.ioReadBytesPerSec),
    ioWriteBytesPerSec: rate(r.usage.ioWriteBytesPerSec),
  });
}

export function figuresByKey(obs: Observation): StatsByKey {
  return new Map(obs.model.containers.map((c) => [containerKey(c), containerFigures(obs, c)]));
}
