/**
 * The exporter behind `ctrscope serve`: observe the host when scraped, and answer with the
 * containers' metric families plus ctrscope's own.
 *
 * Observe on scrape, with a minimum interval: one continuous Observer (src/observe/observer.ts)
 * keeps what did not change between observations, and a scrape that comes within
 * MIN_OBSERVE_INTERVAL_MS of the last observation is answered from it, so two scrapers (or a
 * retried scrape) do not double the work. A host with no scraper costs nothing.
 *
 * A failed observation (an exception, or a scan that found no process at all) is never hidden
 * behind the last good one: the scrape then carries ctrscope's own metrics only, with
 * `ctrscope_last_observation_success 0` and the failure counted by reason in
 * `ctrscope_observation_errors_total`; the container series are absent until an observation
 * succeeds again.
 *
 * OOM kills are counted across the end of the container they killed. A kill usually ends its
 * container (its init was the victim, or its engine stops it), and its cgroup, whose counter is
 * the one ctrscope reads, is often gone before the next scrape: the count is then never seen
 * (cAdvisor's counter stays at 0 for this reason). So the kernel log (/dev/kmsg, one OOM report
 * per kill naming the victim's pid and memory cgroup) is drained at each observation; a kill
 * whose container was in the previous observation and is gone now keeps that container's
 * `container_oom_events_total` series for OOM_RETAIN_MS, its count raised by the kills the log
 * reported, so every scraper sees it rise; the container's other series go at once. A kill of
 * a container that is still there is in its cgroup's counter already. Without the kernel log
 * (not root, kernel.dmesg_restrict without CAP_SYSLOG, or a device cgroup that denies
 * /dev/kmsg, as in a container) the counters alone are served, and `warnings` says so.
 * The events pipeline (src/observe/event-source.ts) reports the same kills but observes the
 * host again at every container start and exit: on the shared test host (601 containers, other
 * suites running) it made 17 observations a minute, 8.3% of a core and 196 MiB of RSS, where
 * the drain here is one read(2) per observation.
 *
 * Self-metrics are kept by prom-client (its process and Node.js metrics included) and written
 * by views/metrics/exposition.ts with the rest, in either format.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { openKernelLog, parseOomKills, type KernelLog, type KmsgRecord } from '../../collectors/events/kmsg.js';
import type { HostRoot } from '../../collectors/host-root.js';
import { containerFamilies, containerLabels, type GoneOomSeries } from '../../views/metrics/containers.js';
import { labelText, renderExposition, type ExpositionFormat, type MetricFamily, type MetricType } from '../../views/metrics/exposition.js';
import { oomKillOwner, type EventFrame } from '../model/events.js';
import { containerKey } from '../model/reconstruct.js';
import { isUnknown } from '../model/resources.js';
import type { Observation } from '../observe/observation.js';
import { createObserver, type Observer } from '../observe/observer.js';

/** Scrapes closer together than this share one observation. */
export const MIN_OBSERVE_INTERVAL_MS = 500;
/**
 * How long the OOM series of a container an OOM kill ended stays after it is gone: past the
 * longest scrape interval in common use (1 minute), so that every scraper sees the count rise.
 */
export const OOM_RETAIN_MS = 5 * 60_000;

export interface ExporterOptions {
  /** Wall clock, milliseconds since the epoch. */
  readonly now?: () => number;
  /** Monotonic milliseconds. */
  readonly clock?: () => number;
  readonly minIntervalMs?: number;
}

export interface Exporter {
  /** Observe now (unless the last observation is recent enough); the observation, or the failure. */
  refresh(): { readonly ok: true; readonly observation: Observation } | { readonly ok: false; readonly reason: string; readonly message: string };
  /** One scrape: refresh, then the exposition in the asked format. Never throws. */
  scrape(format: ExpositionFormat): Promise<string>;
  /** What this exporter cannot see, one line each (the CLI prints them once). */
  readonly warnings: readonly string[];
  close(): void;
}

const frameOf = (o: Observation): EventFrame => ({ containers: o.model.containers, pods: o.model.pods, processes: o.model.snapshot.processes, resources: o.resources, timeNano: 0n });

/**
 * The OOM kills the kernel log reports, drained at each observation (see the file header). A
 * kill's two report lines (the summary naming its memory cgroup, then the kill) may be split
 * by a drain: a trailing summary waits for the next one.
 */
function oomKillLog(root: HostRoot, warnings: string[]): { drain(): ReturnType<typeof parseOomKills>; close(): void } | null {
  if (root.kind !== 'live') return null;
  const log: KernelLog | { error: string } = openKernelLog(root, true);
  if ('error' in log) {
    warnings.push(`OOM kills of containers gone before the next scrape are not counted: cannot read the kernel log (${log.error})`);
    return null;
  }
  let pending: KmsgRecord[] = [];
  return {
    drain() {
      const records = [...pending, ...log.drain()];
      let keep = records.length;
      while (keep > 0 && (records[keep - 1] as KmsgRecord).message.startsWith('oom-kill:')) keep--;
      pending = records.slice(keep);
      return parseOomKills(records.slice(0, keep));
    },
    close: () => log.close(),
  };
}

/** A short, stable reason for a failed observation: the errno code, else the error's kind. */
function failureReason(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') return (err as { code: string }).code.toLowerCase();
  if (err instanceof Error) return err.name === 'Error' ? 'exception' : err.name.toLowerCase();
  return 'exception';
}

const PROM_TYPES: Readonly<Record<string, MetricType>> = { counter: 'counter', gauge: 'gauge', histogram: 'histogram' };

/** prom-client's metrics as families for views/metrics/exposition.ts. */
function selfFamilies(metrics: readonly MetricObjectWithValues<MetricValue<string>>[]): MetricFamily[] {
  // prom-client's nodejs_active_{handles,requests,resources}_total are gauges named like
  // counters, which `promtool check metrics` rejects: they are left out.
  return metrics.filter((m) => !(String(m.type) === 'gauge' && m.name.endsWith('_total'))).map((m) => ({
    name: m.name,
    help: m.help,
    type: PROM_TYPES[String(m.type)] ?? 'unknown',
    samples: m.values.map((v) => {
      const named = v as MetricValue<string> & { metricName?: string };
      return {
        labels: labelText(Object.entries(v.labels).map(([k, x]) => [k, x === undefined ? null : String(x)] as const)),
        value: v.value,
        ...(named.metricName !== undefined ? { name: named.metricName } : {}),
      };
    }),
  }));
}

export function createExporter(root: HostRoot, options: ExporterOptions = {}): Exporter {
  const clock = options.clock ?? (() => performance.now());
  const minIntervalMs = options.minIntervalMs ?? MIN_OBSERVE_INTERVAL_MS;
  const observer: Observer = createObserver(root, { continuous: true, clock, ...(options.now ? { now: options.now } : {}) });

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // process_open_fds lists /proc/self/fd at every scrape, and a continuous observer keeps a
  // cgroup file open per container and controller: at 300 containers that listing of thousands
  // of entries was 3% of a scrape's CPU (a profile of one), for a figure that follows the
  // container count. process_max_fds stays.
  registry.removeSingleMetric('process_open_fds');
  const registers = [registry];
  const scrapeSeconds = new Histogram({ name: 'ctrscope_scrape_duration_seconds', help: 'Time to answer a /metrics scrape: observing (when due), projecting and writing the exposition.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers });
  const observeSeconds = new Gauge({ name: 'ctrscope_observation_duration_seconds', help: 'Time the last observation of the host took.', registers });
  const observations = new Counter({ name: 'ctrscope_observations_total', help: 'Observations of the host made (scrapes within the minimum interval share one).', registers });
  const errors = new Counter({ name: 'ctrscope_observation_errors_total', help: 'Observations that failed, by reason (an errno code, no-processes, or exception); the container series are absent after one.', labelNames: ['reason'], registers });
  const success = new Gauge({ name: 'ctrscope_last_observation_success', help: '1 when the last observation succeeded and the container series are from it, 0 when it failed.', registers });
  const lastGood = new Gauge({ name: 'ctrscope_last_observation_timestamp_seconds', help: 'When the last successful observation was made, Unix seconds.', registers });
  const containers = new Gauge({ name: 'ctrscope_containers', help: 'Containers in the last successful observation.', registers });
  const hidden = new Gauge({ name: 'ctrscope_hidden_processes', help: 'Processes the last observation could not read, by reason (denied: not root; gone: exited while read).', labelNames: ['reason'], registers });
  const unmeasured = new Gauge({ name: 'ctrscope_unmeasured_containers', help: 'Containers in the last observation whose cgroups could not be measured (no cgroup of their own, unreadable).', registers });

  const loggedKills = new Counter({ name: 'ctrscope_oom_kills_logged_total', help: 'OOM kills the kernel log reported, by whether their container was found (owner: container, none).', labelNames: ['owner'], registers });

  const warnings: string[] = [];
  const kmsg = oomKillLog(root, warnings);
  let current: { observation: Observation; atMs: number; rendered: Partial<Record<ExpositionFormat, string>> } | null = null;
  let failed: { reason: string; message: string; atMs: number } | null = null;
  /** The last successful observation, whose containers the next kills are looked up in. */
  let previous: Observation | null = null;
  /** OOM series of containers gone after an OOM kill, by their labels, until when (clock ms). */
  const gone = new Map<string, { value: number; untilMs: number }>();

  /** The kernel log's kills since the last observation, counted against the containers they ended. */
  const countKills = (observation: Observation, at: number): void => {
    for (const [labels, g] of gone) if (g.untilMs <= at) gone.delete(labels);
    const kills = kmsg?.drain() ?? [];
    if (kills.length === 0) return;
    // The same container: same key and same start (a restart under the same id is a new one).
    const now = new Set(observation.model.containers.map((c) => `${containerKey(c)} ${c.starttimeTicks}`));
    const before = previous ? frameOf(previous) : null;
    const after = frameOf(observation);
    const pods = previous ? new Map(previous.model.pods.map((p) => [p.key, p])) : new Map();
    for (const k of kills) {
      const kill = { pid: k.pid, command: k.command, taskMemcg: k.taskMemcg, timeNano: 0n };
      const owner = (before && oomKillOwner(kill, before)) ?? oomKillOwner(kill, after);
      loggedKills.inc({ owner: owner ? 'container' : 'none' });
      // Still there: its cgroup's counter has the kill. Not in the previous observation: it
      // had no series to raise.
      if (!owner || !previous || now.has(`${containerKey(owner)} ${owner.starttimeTicks}`)) continue;
      const labels = containerLabels(owner, previous.model, pods);
      const counted = previous.resources.get(containerKey(owner))?.usage.events.oomKill;
      const base = gone.get(labels)?.value ?? (counted === undefined || isUnknown(counted) ? 0 : counted);
      gone.set(labels, { value: base + 1, untilMs: at + OOM_RETAIN_MS });
    }
  };

  const refresh: Exporter['refresh'] = () => {
    const at = clock();
    if (failed === null && current && at - current.atMs < minIntervalMs) return { ok: true, observation: current.observation };
    if (failed && at - failed.atMs < minIntervalMs) return { ok: false, reason: failed.reason, message: failed.message };
    observations.inc();
    let observation: Observation;
    try {
      observation = observer.observe();
      if (observation.model.snapshot.processes.length === 0) throw Object.assign(new Error(`${root.resolve('/proc')}: no readable processes`), { code: 'no-processes' });
    } catch (err) {
      const reason = failureReason(err);
      errors.inc({ reason });
      success.set(0);
      current = null;
      failed = { reason, message: err instanceof Error ? err.message : String(err), atMs: at };
      return { ok: false, reason, message: failed.message };
    } finally {
      observeSeconds.set((clock() - at) / 1000);
    }
    failed = null;
    countKills(observation, at);
    previous = observation;
    current = { observation, atMs: at, rendered: {} };
    success.set(1);
    lastGood.set(observation.model.snapshot.takenAtMs / 1000);
    containers.set(observation.model.containers.length);
    hidden.reset();
    for (const [reason, n] of Object.entries(observation.model.snapshot.stats.hidden)) hidden.set({ reason }, n);
    let n = 0;
    for (const r of observation.resources.values()) if (r.unavailable !== null) n++;
    unmeasured.set(n);
    return { ok: true, observation };
  };

  const scrape = async (format: ExpositionFormat): Promise<string> => {
    const start = clock();
    let containerPart = '';
    const r = refresh();
    if (r.ok && current) {
      const kept = current;
      try {
        const goneOom: GoneOomSeries[] = [...gone].map(([labels, g]) => ({ labels, value: g.value }));
        containerPart = kept.rendered[format] ??= renderExposition(containerFamilies(r.observation, goneOom), format, false);
      } catch (err) {
        // A projection that fails on an odd observation must not turn the scrape into a 500.
        errors.inc({ reason: `projection-${failureReason(err)}` });
        success.set(0);
      }
    }
    scrapeSeconds.observe((clock() - start) / 1000);
    return containerPart + renderExposition(selfFamilies(await registry.getMetricsAsJSON()), format);
  };

  return {
    refresh,
    scrape,
    warnings,
    close() {
      kmsg?.close();
      observer.close();
      registry.clear();
    },
  };
}
