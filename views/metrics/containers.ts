/**
 * Every container of an Observation as Prometheus metric families, under cAdvisor's names and
 * units (seconds, bytes, `_total` counters) so that existing dashboards and alerts work, plus
 * what cAdvisor lacks under `ctrscope_`. A projection: a value the observation does not know
 * (Unknown) or a limit that is not set is left out, never written as 0.
 *
 * Limits are the binding ones: the tightest over the container's cgroup and its ancestors (a pod's
 * cgroup, a slice), where cAdvisor reports the container cgroup's own; where each is set is
 * `ctrscope_container_limit_source`.
 *
 * Labels, on every series of a container: `id` (engine id, or the derived `ns-…` id), `name`,
 * `image`, `engine`, `pod` (the pod's name, else its id), `namespace` and `container` for
 * Kubernetes, and `started` (its start time, Unix seconds): a container restarted under the
 * same id is a new series set, so a counter never goes backwards within one. Everything else
 * that describes a container (runtime, cgroup, first pid, pod id, shared host namespaces, netns)
 * is on the one `ctrscope_container_info` series. Command lines, environments and mount sources
 * are never exposed.
 *
 * Network counters belong to a network namespace, not to a container: each namespace is written
 * once, under the labels of the container that owns it (its pod's infra container, else the one
 * started first), so containers sharing one are not counted twice.
 */
import type { Container, Pod } from '../../src/model/container.js';
import { containerStartedAtSec, type HostModel } from '../../src/model/host-model.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { isUnknown, type ContainerResources, type Known, type Limit, type Pressure } from '../../src/model/resources.js';
import type { Observation } from '../../src/observe/observation.js';
import { joinLabels, labelText, type MetricFamily, type MetricType, type Sample } from './exposition.js';

interface FamilySpec {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
}

/** The families in the order they are written; the README lists the same. */
const SPECS = {
  info: { name: 'ctrscope_container_info', type: 'info', help: 'One series per container with its descriptive labels (runtime, cgroup, pid, pod_id, host_namespaces, netns); join on id.' },
  startTime: { name: 'container_start_time_seconds', type: 'gauge', help: 'Start time of the container since unix epoch in seconds.' },
  lastSeen: { name: 'container_last_seen', type: 'gauge', help: 'Last time a container was seen by the exporter' },
  cpuUsage: { name: 'container_cpu_usage_seconds_total', type: 'counter', help: 'Cumulative cpu time consumed in seconds.' },
  cpuUser: { name: 'container_cpu_user_seconds_total', type: 'counter', help: 'Cumulative user cpu time consumed in seconds.' },
  cpuSystem: { name: 'container_cpu_system_seconds_total', type: 'counter', help: 'Cumulative system cpu time consumed in seconds.' },
  cfsPeriods: { name: 'container_cpu_cfs_periods_total', type: 'counter', help: 'Number of elapsed enforcement period intervals.' },
  cfsThrottledPeriods: { name: 'container_cpu_cfs_throttled_periods_total', type: 'counter', help: 'Number of throttled period intervals.' },
  cfsThrottledSeconds: { name: 'container_cpu_cfs_throttled_seconds_total', type: 'counter', help: 'Total time duration the container has been throttled.' },
  specCpuQuota: { name: 'container_spec_cpu_quota', type: 'gauge', help: 'CPU quota of the container.' },
  specCpuPeriod: { name: 'container_spec_cpu_period', type: 'gauge', help: 'CPU period of the container.' },
  specCpuShares: { name: 'container_spec_cpu_shares', type: 'gauge', help: 'CPU share of the container.' },
  specMemoryLimit: { name: 'container_spec_memory_limit_bytes', type: 'gauge', help: 'Memory limit for the container.' },
  specMemorySwapLimit: { name: 'container_spec_memory_swap_limit_bytes', type: 'gauge', help: 'Memory swap limit for the container (swap alone, not memory plus swap).' },
  specMemoryReservation: { name: 'container_spec_memory_reservation_limit_bytes', type: 'gauge', help: 'Memory reservation limit for the container (cgroup v1 soft limit).' },
  memoryUsage: { name: 'container_memory_usage_bytes', type: 'gauge', help: 'Current memory usage in bytes, including all memory regardless of when it was accessed' },
  memoryWorkingSet: { name: 'container_memory_working_set_bytes', type: 'gauge', help: 'Current working set in bytes.' },
  memoryRss: { name: 'container_memory_rss', type: 'gauge', help: 'Size of RSS in bytes.' },
  memoryCache: { name: 'container_memory_cache', type: 'gauge', help: 'Number of bytes of page cache memory.' },
  memoryKernel: { name: 'container_memory_kernel_usage', type: 'gauge', help: 'Size of kernel memory allocated in bytes.' },
  memorySwap: { name: 'container_memory_swap', type: 'gauge', help: 'Container swap usage in bytes.' },
  // A counter without `_total`, as cAdvisor names it: typed unknown so the name stays the same in
  // both formats (an OpenMetrics counter's samples must end in `_total`).
  memoryFailcnt: { name: 'container_memory_failcnt', type: 'unknown', help: 'Number of memory usage hits limits (cgroup v1 memory.failcnt; a counter).' },
  memoryEventsMax: { name: 'container_memory_events_max_total', type: 'counter', help: 'Cumulative count of memory.max limit hit events for the container' },
  memoryEventsHigh: { name: 'container_memory_events_high_total', type: 'counter', help: 'Cumulative count of memory.high throttle events for the container' },
  oomEvents: { name: 'container_oom_events_total', type: 'counter', help: 'Count of out of memory events observed for the container (processes the kernel OOM-killed in its cgroup).' },
  processes: { name: 'container_processes', type: 'gauge', help: 'Number of processes running inside the container.' },
  threads: { name: 'container_threads', type: 'gauge', help: 'Number of threads running inside the container (pids.current)' },
  threadsMax: { name: 'container_threads_max', type: 'gauge', help: 'Maximum number of threads allowed inside the container (pids.max); absent when unlimited' },
  pidsLimit: { name: 'ctrscope_container_pids_limit', type: 'gauge', help: 'The binding pids.max over the container cgroup and its ancestors: tasks (processes and threads) it may hold; absent when unlimited.' },
  limitSource: { name: 'ctrscope_container_limit_source', type: 'gauge', help: 'Where the binding cpu, memory or pids limit is set (source: own, shared = its cgroup also holds other processes, ancestor = a cgroup above it; cgroup: that cgroup); the value is how many processes outside the container draw on the same limit.' },
  fsReadsBytes: { name: 'container_fs_reads_bytes_total', type: 'counter', help: 'Cumulative count of bytes read' },
  fsWritesBytes: { name: 'container_fs_writes_bytes_total', type: 'counter', help: 'Cumulative count of bytes written' },
  fsReads: { name: 'container_fs_reads_total', type: 'counter', help: 'Cumulative count of reads completed' },
  fsWrites: { name: 'container_fs_writes_total', type: 'counter', help: 'Cumulative count of writes completed' },
  pressureCpuWaiting: { name: 'container_pressure_cpu_waiting_seconds_total', type: 'counter', help: 'Total time duration tasks in the container have waited due to CPU congestion.' },
  pressureCpuStalled: { name: 'container_pressure_cpu_stalled_seconds_total', type: 'counter', help: 'Total time duration no tasks in the container could make progress due to CPU congestion.' },
  pressureMemoryWaiting: { name: 'container_pressure_memory_waiting_seconds_total', type: 'counter', help: 'Total time duration tasks in the container have waited due to memory congestion.' },
  pressureMemoryStalled: { name: 'container_pressure_memory_stalled_seconds_total', type: 'counter', help: 'Total time duration no tasks in the container could make progress due to memory congestion.' },
  pressureIoWaiting: { name: 'container_pressure_io_waiting_seconds_total', type: 'counter', help: 'Total time duration tasks in the container have waited due to IO congestion.' },
  pressureIoStalled: { name: 'container_pressure_io_stalled_seconds_total', type: 'counter', help: 'Total time duration no tasks in the container could make progress due to IO congestion.' },
  netRxBytes: { name: 'container_network_receive_bytes_total', type: 'counter', help: 'Cumulative count of bytes received' },
  netRxPackets: { name: 'container_network_receive_packets_total', type: 'counter', help: 'Cumulative count of packets received' },
  netRxDropped: { name: 'container_network_receive_packets_dropped_total', type: 'counter', help: 'Cumulative count of packets dropped while receiving' },
  netRxErrors: { name: 'container_network_receive_errors_total', type: 'counter', help: 'Cumulative count of errors encountered while receiving' },
  netTxBytes: { name: 'container_network_transmit_bytes_total', type: 'counter', help: 'Cumulative count of bytes transmitted' },
  netTxPackets: { name: 'container_network_transmit_packets_total', type: 'counter', help: 'Cumulative count of packets transmitted' },
  netTxDropped: { name: 'container_network_transmit_packets_dropped_total', type: 'counter', help: 'Cumulative count of packets dropped while transmitting' },
  netTxErrors: { name: 'container_network_transmit_errors_total', type: 'counter', help: 'Cumulative count of errors encountered while transmitting' },
  machineCpuCores: { name: 'machine_cpu_cores', type: 'gauge', help: 'Number of logical CPU cores.' },
  machineMemory: { name: 'machine_memory_bytes', type: 'gauge', help: 'Amount of memory installed on the machine.' },
} as const satisfies Record<string, FamilySpec>;

type Key = keyof typeof SPECS;

/** Every family name this projection can write, in order (for the docs and tests). */
export const CONTAINER_FAMILIES: readonly FamilySpec[] = Object.values(SPECS);

const known = <T>(v: Known<T> | undefined): T | undefined => (v === undefined || isUnknown(v) ? undefined : v);
const set = (v: Limit): number | undefined => (isUnknown(v) || v === 'unlimited' ? undefined : v);

/** cgroup v2 cpu.weight as v1 cpu.shares, the way cAdvisor reports it (its convertCPUWeightToCPULimit). */
const weightAsShares = (weight: number): number => 2 + Math.floor(((weight - 1) * 262142) / 9999);

function podLabel(c: Container, pods: ReadonlyMap<string, Pod>): string | null {
  if (c.kubernetes?.podName) return c.kubernetes.podName;
  const pod = c.pod === null ? undefined : pods.get(c.pod);
  return pod ? (pod.name ?? pod.id) : null;
}

/** The per-series labels of a container (see the file header). */
export function containerLabels(c: Container, model: HostModel, pods: ReadonlyMap<string, Pod> = new Map(model.pods.map((p) => [p.key, p]))): string {
  const started = containerStartedAtSec(model.snapshot, c);
  return labelText([
    ['id', c.id],
    ['name', c.name],
    ['image', c.image],
    ['engine', c.engine],
    ['pod', podLabel(c, pods)],
    ['namespace', c.kubernetes?.namespace],
    ['container', c.kubernetes?.containerName],
    ['started', started === null ? null : String(Math.floor(started))],
  ]);
}

/** Which container's labels a network namespace's counters carry: its pod's infra, else the first started. */
function netnsOwners(model: HostModel): Map<number, Container> {
  const owners = new Map<number, Container>();
  const infra = new Set(model.pods.map((p) => p.infra).filter((k): k is string => k !== null));
  for (const c of model.containers) {
    const netns = c.namespaces.net;
    if (netns === undefined || c.hostNamespaces.includes('net')) continue;
    const o = owners.get(netns);
    const better = !o || (infra.has(containerKey(c)) && !infra.has(containerKey(o))) || (infra.has(containerKey(c)) === infra.has(containerKey(o)) && (c.starttimeTicks < o.starttimeTicks || (c.starttimeTicks === o.starttimeTicks && c.id < o.id)));
    if (better) owners.set(netns, c);
  }
  return owners;
}

function pressure(add: (k: Key, labels: string, v: number | undefined) => void, labels: string, p: Known<Pressure>, waiting: Key, stalled: Key): void {
  if (isUnknown(p)) return;
  add(waiting, labels, p.some ? p.some.totalUsec / 1e6 : undefined);
  add(stalled, labels, p.full ? p.full.totalUsec / 1e6 : undefined);
}

function resourceSamples(add: (k: Key, labels: string, v: number | undefined) => void, labels: string, r: ContainerResources): void {
  const { limits: l, usage: u } = r;
  const usec = (v: Known<number>): number | undefined => {
    const x = known(v);
    return x === undefined ? undefined : x / 1e6;
  };
  add('cpuUsage', joinLabels(labels, 'cpu="total"'), usec(u.cpuUsageUsec));
  add('cpuUser', labels, usec(u.cpuUserUsec));
  add('cpuSystem', labels, usec(u.cpuSystemUsec));
  const cores = set(l.cpuCores);
  const period = known(l.cpuPeriodUsec);
  // cAdvisor writes the CFS counters only where a quota is set: nothing is throttled without one.
  if (cores !== undefined) {
    add('cfsPeriods', labels, known(u.throttling.periods));
    add('cfsThrottledPeriods', labels, known(u.throttling.throttledPeriods));
    add('cfsThrottledSeconds', labels, usec(u.throttling.throttledUsec));
    if (period !== undefined) add('specCpuQuota', labels, Math.round(cores * period));
  }
  add('specCpuPeriod', labels, period);
  const weight = known(l.cpuWeight);
  add('specCpuShares', labels, known(l.cpuShares) ?? (weight === undefined ? undefined : weightAsShares(weight)));
  add('specMemoryLimit', labels, set(l.memoryBytes));
  add('specMemorySwapLimit', labels, set(l.swapBytes));
  add('specMemoryReservation', labels, set(l.memorySoftLimitBytes));
  add('memoryUsage', labels, known(u.memoryBytes));
  add('memoryWorkingSet', labels, known(u.workingSetBytes));
  add('memoryRss', labels, known(u.memory.anonBytes));
  add('memoryCache', labels, known(u.memory.fileBytes));
  add('memoryKernel', labels, known(u.memory.kernelBytes));
  add('memorySwap', labels, known(u.memory.swapBytes));
  add('memoryFailcnt', labels, known(u.events.failcnt));
  add('memoryEventsMax', labels, known(u.events.max));
  add('memoryEventsHigh', labels, known(u.events.high));
  add('oomEvents', labels, known(u.events.oomKill));
  add('threads', labels, known(u.pids));
  add('threadsMax', labels, set(l.pids));
  add('pidsLimit', labels, set(l.pids));
  for (const [resource, source] of [['cpu', l.sources.cpuCores], ['memory', l.sources.memoryBytes], ['pids', l.sources.pids]] as const) {
    if (source) add('limitSource', joinLabels(labels, labelText([['resource', resource], ['source', source.kind], ['cgroup', source.cgroup]])), source.outside);
  }
  const io = known(u.io);
  if (io) {
    for (const d of io) {
      const dl = joinLabels(labels, labelText([['device', d.device]]));
      add('fsReadsBytes', dl, d.readBytes ?? undefined);
      add('fsWritesBytes', dl, d.writeBytes ?? undefined);
      add('fsReads', dl, d.readOps ?? undefined);
      add('fsWrites', dl, d.writeOps ?? undefined);
    }
  }
  pressure(add, labels, u.pressure.cpu, 'pressureCpuWaiting', 'pressureCpuStalled');
  pressure(add, labels, u.pressure.memory, 'pressureMemoryWaiting', 'pressureMemoryStalled');
  pressure(add, labels, u.pressure.io, 'pressureIoWaiting', 'pressureIoStalled');
}

/** The OOM counter of a container gone after an OOM kill, kept for a while (src/serve/exporter.ts). */
export interface GoneOomSeries {
  /** The container's labels when it was last seen (containerLabels). */
  readonly labels: string;
  readonly value: number;
}

/**
 * The metric families of every container, network namespace and the machine in one observation,
 * plus the OOM counters of containers an OOM kill ended (`goneOom`).
 */
export function containerFamilies(obs: Observation, goneOom: readonly GoneOomSeries[] = []): MetricFamily[] {
  const { model } = obs;
  const samples = new Map<Key, Sample[]>();
  for (const k of Object.keys(SPECS) as Key[]) samples.set(k, []);
  const add = (k: Key, labels: string, value: number | undefined): void => {
    if (value !== undefined && Number.isFinite(value)) (samples.get(k) as Sample[]).push({ labels, value });
  };
  const pods = new Map(model.pods.map((p) => [p.key, p]));
  const seenSec = model.snapshot.takenAtMs / 1000;
  const labelsByKey = new Map<string, string>();

  for (const c of model.containers) {
    const labels = containerLabels(c, model, pods);
    labelsByKey.set(containerKey(c), labels);
    const pod = c.pod === null ? undefined : pods.get(c.pod);
    add(
      'info',
      joinLabels(
        labels,
        labelText([
          ['runtime', c.runtime],
          ['cgroup', c.cgroup.path],
          ['pid', String(c.pid)],
          ['pod_id', c.kubernetes?.podUid ?? pod?.id],
          ['host_namespaces', c.hostNamespaces.join(',')],
          ['netns', c.namespaces.net === undefined ? null : String(c.namespaces.net)],
        ]),
      ),
      1,
    );
    add('startTime', labels, containerStartedAtSec(model.snapshot, c) ?? undefined);
    add('lastSeen', labels, seenSec);
    add('processes', labels, c.processes.length);
    const r = obs.resources.get(containerKey(c));
    if (r && r.unavailable === null) resourceSamples(add, labels, r);
  }

  for (const g of goneOom) add('oomEvents', g.labels, g.value);

  for (const [netns, owner] of netnsOwners(model)) {
    const n = obs.network.get(netns);
    const labels = labelsByKey.get(containerKey(owner));
    if (!n?.interfaces || labels === undefined) continue;
    for (const i of n.interfaces) {
      if (i.name === 'lo') continue;
      const il = joinLabels(labels, labelText([['interface', i.name]]));
      add('netRxBytes', il, i.rx.bytes);
      add('netRxPackets', il, i.rx.packets);
      add('netRxDropped', il, i.rx.dropped);
      add('netRxErrors', il, i.rx.errors);
      add('netTxBytes', il, i.tx.bytes);
      add('netTxPackets', il, i.tx.packets);
      add('netTxDropped', il, i.tx.dropped);
      add('netTxErrors', il, i.tx.errors);
    }
  }

  add('machineCpuCores', '', obs.host.cpuCount ?? undefined);
  add('machineMemory', '', obs.host.memTotalBytes ?? undefined);

  return (Object.keys(SPECS) as Key[]).map((k) => ({ ...SPECS[k], samples: samples.get(k) as Sample[] }));
}
