/**
 * Per-container figures for `top`, refresh after refresh: the resource collector's cgroup sample
 * and the network byte counters, turned into rates against the previous refresh instead of a
 * sleep between two samples (ps's way). Counters are kept per container key; a container seen
 * for the first time has no rates yet.
 *
 * Cheap when repeated: the cgroup files are read through KeptFiles (open once, pread each
 * refresh), and the limits (and the sample fields top does not show) are re-read only every
 * SLOW_EVERY refreshes of a container, or when its cgroup directories change: a `docker update`
 * of a limit shows after at most SLOW_EVERY refreshes (10 s at the default interval).
 */
import type { ContainerStats, Limit, StatsByKey } from '../src/model/container-stats.js';
import type { HostModel } from '../src/model/host-model.js';
import { netRate } from '../src/model/network.js';
import { containerKey } from '../src/model/reconstruct.js';
import { deriveResources, isUnknown, resourceTargets, unknown, type Known, type Limit as ResourceLimit, type Pressure } from '../src/model/resources.js';
import type { CgroupSample } from '../src/model/resources.js';
import { readCgroupSample } from './cgroupfs/sample.js';
import { readCgroupLayout } from './collect.js';
import { KeptFiles, type HostRoot } from './host-root.js';
import { readNetTotals } from './net-counters.js';

const known = <T>(v: Known<T>): T | null => (isUnknown(v) ? null : v);
const limit = (v: ResourceLimit): Limit | null => (isUnknown(v) ? null : v);

/** Refreshes between two reads of a container's limits. */
export const SLOW_EVERY = 10;

interface Previous {
  /** The refresh's whole sample: its CPU counters, its OOM counter. */
  readonly last: CgroupSample;
  /** The last sample whose slow fields were read, and how many refreshes ago. */
  readonly slow: CgroupSample;
  readonly slowAge: number;
  readonly io: { readonly atMs: number; readonly read: number; readonly write: number } | null;
}

function highestSomeAvg10(p: { readonly cpu: Known<Pressure>; readonly memory: Known<Pressure>; readonly io: Known<Pressure> }): number | null {
  const all = [p.cpu, p.memory, p.io].flatMap((x) => (isUnknown(x) || !x.some ? [] : [x.some.avg10]));
  return all.length === 0 ? null : Math.max(...all);
}

/** Counters of the model's containers for this refresh; close() lets go of the kept files. */
export type StatsCollector = ((model: HostModel) => StatsByKey) & { close(): void };

const sameDirs = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/** A collector that remembers the last refresh's counters. `clock` is monotonic milliseconds. */
export function createStatsCollector(root: HostRoot, clock: () => number = () => performance.now()): StatsCollector {
  // Where the cgroup hierarchies are mounted does not change under a running top: read it once.
  const { layout, gap } = readCgroupLayout(root);
  // Only a cgroup's value files are read here, each shown as one seq_file record
  // (kernel/cgroup/cgroup.c cgroup_seqfile_show); the pid lists (cgroup.procs) are not. The
  // limits, read every SLOW_EVERY refreshes, stay open in between.
  const files = new KeptFiles(root, { oneRecord: () => true, keepUnread: SLOW_EVERY });
  let lastTargets: { containers: HostModel['containers'] | null; targets: ReturnType<typeof resourceTargets> } = { containers: null, targets: new Map() };
  let prev = new Map<string, Previous>();
  let prevNet = new Map<number, { atMs: number; rxBytes: number; txBytes: number }>();
  const collect = (model: HostModel): StatsByKey => {
    const out = new Map<string, ContainerStats>();
    const next = new Map<string, Previous>();
    // The same containers (top reuses them while no process changed) have the same cgroups.
    if (model.containers !== lastTargets.containers) lastTargets = { containers: model.containers, targets: gap || layout.mode === null ? new Map() : resourceTargets(model.snapshot.processes, model.containers) };
    const targets = lastTargets.targets;
    // A scan that found the host quiet (HostSnapshot.sampled) saw no process exit since the last.
    const noExit = model.snapshot.sampled !== undefined;
    const netTargets = new Map<number, number>();
    for (const c of model.containers) {
      if (!c.hostNamespaces.includes('net') && c.namespaces.net !== undefined && !netTargets.has(c.namespaces.net)) netTargets.set(c.namespaces.net, c.pid);
    }
    const netAt = clock();
    const net = readNetTotals(root, netTargets);
    for (const c of model.containers) {
      const key = containerKey(c);
      const ns = c.namespaces.net;
      const now = ns === undefined ? undefined : net.get(ns);
      const before = ns === undefined ? undefined : prevNet.get(ns);
      const rate = now && before ? netRate(before, now, netAt - before.atMs) : null;
      // Host-network containers have no counters of their own: their NET stays "not collected".
      const netStats: ContainerStats =
        c.hostNamespaces.includes('net') || !before ? {} : { netRxBytesPerSec: rate?.rxBytesPerSec ?? null, netTxBytesPerSec: rate?.txBytesPerSec ?? null };
      const t = targets.get(c);
      if (t === undefined || isUnknown(t)) {
        out.set(key, { ...netStats, cpuPercent: null, memoryBytes: null, memoryLimitBytes: null, pids: null, pidsMax: null });
        continue;
      }
      const p = prev.get(key);
      const reuse = p !== undefined && p.slowAge + 1 < SLOW_EVERY ? p.slow : undefined;
      let sample = readCgroupSample(files, layout, t, clock, reuse, noExit ? p?.last : undefined);
      // Moved to other cgroups (or a controller became readable): the copied limits are not theirs.
      if (reuse && !sameDirs(reuse.dirs, sample.dirs)) sample = readCgroupSample(files, layout, t, clock);
      const slowRead = sample.cpu !== reuse?.cpu;
      const r = deriveResources(p?.last.counters ?? unknown('first refresh'), sample);
      const oomKill = known(sample.memory.oomKill);
      const oomKillBefore = p ? known(p.last.memory.oomKill) : null;
      const devices = known(r.usage.io);
      const io = devices === null ? null : { atMs: sample.counters.atMs, read: devices.reduce((a, d) => a + (d.readBytes ?? 0), 0), write: devices.reduce((a, d) => a + (d.writeBytes ?? 0), 0) };
      const dt = io && p?.io ? (io.atMs - p.io.atMs) / 1000 : 0;
      const ioOk = io !== null && p?.io != null && dt > 0 && io.read >= p.io.read && io.write >= p.io.write;
      next.set(key, { last: sample, io, slow: slowRead ? sample : (reuse as CgroupSample), slowAge: slowRead ? 0 : (p?.slowAge ?? 0) + 1 });
      const throttled = r.usage.throttledPercent;
      // A container seen for the first time has no rates yet: "-", not "?".
      const rates: ContainerStats =
        p === undefined
          ? {}
          : {
              cpuPercent: known(r.usage.cpuPercent),
              // Without a CFS quota nothing is ever throttled.
              throttledPercent: throttled === 'unlimited' ? 0 : known(throttled),
              oomKillsRecent: oomKill !== null && oomKillBefore !== null ? Math.max(0, oomKill - oomKillBefore) : null,
              ioReadBytesPerSec: ioOk && io && p.io ? (io.read - p.io.read) / dt : null,
              ioWriteBytesPerSec: ioOk && io && p.io ? (io.write - p.io.write) / dt : null,
            };
      out.set(key, {
        ...netStats,
        ...rates,
        cpuLimitCpus: limit(r.limits.cpuCores),
        // Working set (usage minus inactive file pages), what docker stats and the kubelet show.
        memoryBytes: known(r.usage.workingSetBytes),
        memoryLimitBytes: limit(r.limits.memoryBytes),
        pids: known(r.usage.pids),
        pidsMax: limit(r.limits.pids),
        pressurePercent: highestSomeAvg10(r.usage.pressure),
      });
    }
    prev = next;
    files.sweep();
    prevNet = new Map([...net].map(([ns, v]) => [ns, { atMs: netAt, ...v }]));
    return out;
  };
  return Object.assign(collect, { close: () => files.closeAll() });
}
