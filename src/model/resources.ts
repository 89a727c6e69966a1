/**
 * Container resources: limits, usage, events, pressure and freezer state, from the container's
 * own cgroup. Pure: the collector reads counters (CgroupSample), this module decides which cgroup
 * is the container's and derives rates and figures.
 *
 * Values that could not be known are `Unknown` with a reason; a limit that is not set is
 * 'unlimited'. Neither is ever a number standing in for "don't know" (no 0, no 2^63).
 */
import type { CgroupLine } from './cgroup.js';
import type { Container } from './container.js';
import { isWithin } from './path.js';
import type { Process } from './process.js';

export interface Unknown {
  readonly unknown: string;
  /**
   * The read gap behind it, when it came from a file read; 'unsampled' for a rate that needs a
   * second reading this observer does not have (its first observation, a recorded tree).
   */
  readonly cause?: 'gone' | 'denied' | 'absent' | 'malformed' | 'failed' | 'unsampled';
}
export type Known<T> = T | Unknown;
export type Limit = number | 'unlimited' | Unknown;

export function isUnknown(v: unknown): v is Unknown {
  return typeof v === 'object' && v !== null && 'unknown' in v;
}

export const unknown = (why: string): Unknown => ({ unknown: why });

/**
 * How much of a container's cgroups one reading takes:
 *  - 'full': every limit, usage figure, counter, event, pressure line and the freezer state
 *    (ps --json, inspect, top --batch --json, serve);
 *  - 'row': what a `top` row shows: 'full' without the CPU user/system split, the CPU period,
 *    shares, weight and cpuset, the memory limits other than the binding one (soft, high,
 *    swap), swap and kernel memory usage, failcnt, pids.max beyond the binding limit, the IO
 *    limits and the freezer state;
 *  - 'table': what a `ps` table row shows: the CPU usage counter (for CPU%), memory usage, pids,
 *    and the binding memory and pids limits;
 *  - 'cpu': the CPU usage counter alone (CPU%): what sorts the containers `top` does not show.
 * What a scope leaves out is Unknown with the reason NOT_READ.
 */
export type ResourceScope = 'full' | 'row' | 'table' | 'cpu';

/** A figure the reading's scope leaves out (see ResourceScope). */
export const notRead = (what: string): Unknown => unknown(`${what}: not read for this view`);

/** A recorded tree holds one reading of each counter: no rate can be taken from it. */
export const RECORDED_NO_RATE: Unknown = { unknown: 'recorded host tree: one reading of each counter, no rate', cause: 'unsampled' };
/** The first observation of a container (or `--no-rates`): a rate needs two readings. */
export const FIRST_READING: Unknown = { unknown: 'first observation: a rate needs two readings (--no-rates, or the first refresh)', cause: 'unsampled' };

/** Key of a cgroup hierarchy: '' for cgroup2, else the v1 controllers sorted and comma-joined. */
export function hierarchyKey(line: Pick<CgroupLine, 'hierarchyId' | 'controllers'>): string {
  if (line.hierarchyId === 0) return '';
  if (line.controllers.length === 1) return line.controllers[0] as string;
  // Asked for every line of every process in nested loops (resourceTargets): sorted once per line.
  let key = joinedKeys.get(line);
  if (key === undefined) joinedKeys.set(line, (key = [...line.controllers].sort().join(',')));
  return key;
}
const joinedKeys = new WeakMap<object, string>();

/** One cgroup on the way from a container's cgroup up to its hierarchy's root. */
export interface CgroupLevel {
  readonly path: string;
  /** Processes in this cgroup or below it that are not the container's (its monitor excepted). */
  readonly outside: number;
}

/**
 * The container's cgroup on one hierarchy, and its ancestors: limits set on any of them bind the
 * container's processes; its usage is its own only when `levels[0].outside` is 0.
 */
export interface CgroupPlace {
  readonly path: string;
  /** From the container's cgroup (first) up to the hierarchy's root cgroup (last). */
  readonly levels: readonly CgroupLevel[];
}

/**
 * What the processes not read in full (HostSnapshot.around) put in each cgroup, asked only where
 * a figure needs it (collectors/around.ts unreadPopulation).
 */
export interface UnreadPopulation {
  /** How many are in cgroup `path` or below it on hierarchy `key`; null where only their cgroup files tell. */
  under(key: string, path: string): number | null;
  /** Their cgroup files, by parsed text, with how many read so. */
  lines(): ReadonlyMap<readonly CgroupLine[], number>;
}

/** Where to measure one container: its cgroup on each hierarchy, or why not there. */
export interface ResourceTarget {
  readonly paths: ReadonlyMap<string, CgroupPlace | Unknown>;
}

function ancestors(path: string): string[] {
  const out = ['/'];
  let i = path.indexOf('/', 1);
  while (i > 0) {
    out.push(path.slice(0, i));
    i = path.indexOf('/', i + 1);
  }
  if (path !== '/') out.push(path);
  return out;
}

/** Add n to a count kept in a map. */
function add<K>(counts: Map<K, number>, key: K, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

function commonAncestor(paths: readonly string[]): string {
  let common = paths[0] ?? '/';
  for (let i = 0; i < paths.length; i++) while (!isWithin(paths[i] as string, common)) common = common.slice(0, Math.max(1, common.lastIndexOf('/')));
  return common;
}

/** The place of a cgroup that holds nothing but the container, with its ancestors (targets built by hand). */
export function ownPlace(path: string): CgroupPlace {
  return { path, levels: ancestors(path).reverse().map((p) => ({ path: p, outside: 0 })) };
}

export const hierarchyLabel = (key: string): string => (key === '' ? 'cgroup2' : key);

/** Why a container's usage cannot be read on a hierarchy where its cgroup is not its own, else null. */
export function sharedUsage(key: string, place: CgroupPlace): Unknown | null {
  const own = place.levels[0];
  if (!own || own.outside === 0) return null;
  const where = place.path === '/' ? `the root cgroup of ${hierarchyLabel(key)}` : `cgroup ${place.path} (${hierarchyLabel(key)})`;
  return unknown(`${where} also holds ${own.outside} process(es) outside the container: its usage is not the container's`);
}

/**
 * The container's cgroup on each hierarchy: the deepest cgroup that holds all its anchor
 * processes, so processes in sub-cgroups (a systemd-run unit inside a container, v1 controllers
 * with different paths) are counted once, through the parent's hierarchical counters. Anchors are
 * the processes found by their engine cgroup; for containers without one, every member except
 * those that merely joined its namespaces (nsenter keeps its own cgroup).
 *
 * Limits bind whoever shares a cgroup: a hand-made container's `unshare` launcher in the same
 * cgroup, a pod's siblings under a pod-level cgroup. So each place keeps its ancestors with how
 * many processes under each are not the container's: the limits are read up the chain, and the
 * usage is the container's only where its cgroup holds nothing else (sharedUsage).
 *
 * `unread`: the processes not read in full (HostSnapshot.around), counted in each level's
 * `outside` when that figure is first asked for: a limit's source, whether the usage is shared.
 */
export function resourceTargets(processes: readonly Process[], containers: readonly Container[], unread?: UnreadPopulation): Map<Container, ResourceTarget | Unknown> {
  // Loops here are indexed, and maps walked with forEach: a one-shot command runs without V8's
  // optimizing compiler, where each step of a for-of allocates (and destructuring a [key, value]
  // entry allocates again), for every hierarchy of every process and container.
  const byPid = new Map<number, Process>();
  // Processes whose cgroup file reads the same share one lines array (the scan's): counted once.
  const perLines = new Map<readonly CgroupLine[], number>();
  for (let i = 0; i < processes.length; i++) {
    const p = processes[i] as Process;
    byPid.set(p.pid, p);
    if (!p.kernelThread && p.cgroups) add(perLines, p.cgroups, 1);
  }
  const population = populationOf(perLines);
  let unreadLines: Map<string, Map<string, number>> | null = null;
  // Processes in cgroup `path` or below it on hierarchy k, the unread ones with them.
  const countUnder = (k: string, path: string): number => {
    const n = population.get(k)?.get(path) ?? 0;
    if (unread === undefined) return n;
    const counted = unread.under(k, path);
    if (counted !== null) return n + counted;
    unreadLines ??= populationOf(unread.lines());
    return n + (unreadLines.get(k)?.get(path) ?? 0);
  };
  const level = unread === undefined ? (path: string, outside: () => number): CgroupLevel => ({ path, outside: outside() }) : lazyLevel;
  const out = new Map<Container, ResourceTarget | Unknown>();
  for (let ci = 0; ci < containers.length; ci++) {
    const c = containers[ci] as Container;
    const members: { readonly via: string; readonly cgroups: readonly CgroupLine[] }[] = [];
    for (let i = 0; i < c.processes.length; i++) {
      const cp = c.processes[i] as Container['processes'][number];
      const p = byPid.get(cp.pid);
      if (p?.cgroups) members.push({ via: cp.via, cgroups: p.cgroups });
    }
    let anchors = members.filter((m) => m.via === 'cgroup');
    if (anchors.length === 0) anchors = members.filter((m) => m.via !== 'namespaces');
    if (anchors.length === 0) {
      out.set(c, unknown('no member process with a readable /proc/<pid>/cgroup'));
      continue;
    }
    const mon = c.monitor ? byPid.get(c.monitor.pid) : undefined;
    const shared = oneLinesArray(members, mon?.cgroups ?? undefined);
    if (shared !== null) {
      out.set(c, { paths: placesOfOne(shared, members.length + (mon?.cgroups ? 1 : 0), countUnder, level) });
      continue;
    }
    // Per hierarchy, in the order the anchors' lines name them: the anchors' paths, and every
    // member's (and the monitor's) path, to count who at each level is the container's.
    // A container's processes mostly share one lines array: each distinct one is walked once,
    // with how many of the container's processes (and its monitor) read it.
    const anchored = new Map<readonly CgroupLine[], number>();
    for (let i = 0; i < anchors.length; i++) anchored.set((anchors[i] as (typeof anchors)[number]).cgroups, 1);
    const anchorPaths = pathsByKey(anchored);
    const inside = new Map<readonly CgroupLine[], number>();
    for (let i = 0; i < members.length; i++) add(inside, (members[i] as (typeof members)[number]).cgroups, 1);
    if (mon?.cgroups) add(inside, mon.cgroups, 1);
    const insidePaths = pathsByKey(inside);
    const paths = new Map<string, CgroupPlace>();
    anchorPaths.forEach((placed, k) => {
      const dirs: string[] = [];
      for (let i = 0; i < placed.length; i++) dirs.push((placed[i] as PathCount)[0]);
      const dir = commonAncestor(dirs);
      const mineAll = insidePaths.get(k) ?? [];
      const up = ancestors(dir);
      const levels: CgroupLevel[] = [];
      for (let l = up.length - 1; l >= 0; l--) {
        const path = up[l] as string;
        let mine = 0;
        for (let i = 0; i < mineAll.length; i++) {
          const pc = mineAll[i] as PathCount;
          if (isWithin(pc[0], path)) mine += pc[1];
        }
        levels.push(level(path, () => Math.max(0, countUnder(k, path) - mine)));
      }
      paths.set(k, { path: dir, levels });
    });
    out.set(c, { paths });
  }
  return out;
}

/**
 * The one lines array every member (and the monitor, if it has one) reads, where each hierarchy
 * appears once in it; else null. The most common container: every process in the same cgroups.
 */
function oneLinesArray(members: readonly { readonly cgroups: readonly CgroupLine[] }[], monitor: readonly CgroupLine[] | undefined): readonly CgroupLine[] | null {
  const lines = (members[0] as (typeof members)[number]).cgroups;
  for (let i = 1; i < members.length; i++) if ((members[i] as (typeof members)[number]).cgroups !== lines) return null;
  if (monitor !== undefined && monitor !== lines) return null;
  const pairs = measured(lines);
  for (let i = 1; i < pairs.length; i++) for (let j = 0; j < i; j++) if ((pairs[i] as MeasuredLine)[0] === (pairs[j] as MeasuredLine)[0]) return null;
  return lines;
}

/**
 * The places of a container whose `count` processes all read `lines` (oneLinesArray): what the
 * general walk of resourceTargets gives then, without its maps. Each hierarchy's cgroup is the
 * one line's path, and at every level up to the root all `count` processes are the container's.
 */
function placesOfOne(lines: readonly CgroupLine[], count: number, countUnder: (k: string, path: string) => number, level: (path: string, outside: () => number) => CgroupLevel): Map<string, CgroupPlace> {
  const paths = new Map<string, CgroupPlace>();
  const pairs = measured(lines);
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as MeasuredLine;
    const k = pair[0];
    const dir = pair[1];
    const up = ancestors(dir);
    const levels: CgroupLevel[] = [];
    for (let l = up.length - 1; l >= 0; l--) {
      const path = up[l] as string;
      levels.push(level(path, () => Math.max(0, countUnder(k, path) - count)));
    }
    paths.set(k, { path: dir, levels });
  }
  return paths;
}

/**
 * Processes per hierarchy and cgroup, in it or below it, from processes' cgroup lines (each
 * distinct lines array once, with how many processes read it): first where each process is,
 * then added up each cgroup's ancestors once per distinct cgroup (thousands of processes share
 * a few hundred).
 */
function populationOf(perLines: ReadonlyMap<readonly CgroupLine[], number>): Map<string, Map<string, number>> {
  const here = new Map<string, Map<string, number>>();
  perLines.forEach((n, lines) => {
    const pairs = measured(lines);
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i] as MeasuredLine;
      let m = here.get(pair[0]);
      if (m === undefined) here.set(pair[0], (m = new Map()));
      add(m, pair[1], n);
    }
  });
  const population = new Map<string, Map<string, number>>();
  here.forEach((m, k) => {
    const under = new Map<string, number>();
    m.forEach((n, path) => {
      const up = ancestors(path);
      for (let i = 0; i < up.length; i++) add(under, up[i] as string, n);
    });
    population.set(k, under);
  });
  return population;
}

/** A level whose `outside` is counted when first read (resourceTargets with unread processes). */
function lazyLevel(path: string, outside: () => number): CgroupLevel {
  let n: number | undefined;
  return {
    path,
    get outside(): number {
      return (n ??= outside());
    },
  };
}

/** A cgroup line as [hierarchy key, path]. */
type MeasuredLine = readonly [string, string];
/** A cgroup path and how many processes stand behind it. */
type PathCount = [string, number];

/**
 * A process's cgroup lines as [hierarchy key, path] pairs, named v1 hierarchies (name=systemd:
 * no controller, nothing to measure) left out. Remembered per lines array: the scanner keeps the
 * same array while a process's /proc/<pid>/cgroup reads the same, and every observation asks.
 */
function measured(lines: readonly CgroupLine[]): readonly MeasuredLine[] {
  let m = measuredLines.get(lines);
  if (m === undefined) {
    const out: MeasuredLine[] = [];
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i] as CgroupLine;
      if (!l.controllers.some((c) => c.startsWith('name='))) out.push([hierarchyKey(l), l.path]);
    }
    measuredLines.set(lines, (m = out));
  }
  return m;
}
const measuredLines = new WeakMap<readonly CgroupLine[], readonly MeasuredLine[]>();

/**
 * Paths of some processes' cgroup lines, per hierarchy key (named hierarchies left out), keys in
 * first-seen order; each with the number of processes the lines array stands for.
 */
function pathsByKey(lineSets: ReadonlyMap<readonly CgroupLine[], number>): Map<string, PathCount[]> {
  const out = new Map<string, PathCount[]>();
  lineSets.forEach((n, lines) => {
    const pairs = measured(lines);
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i] as MeasuredLine;
      const list = out.get(pair[0]);
      if (list === undefined) out.set(pair[0], [[pair[1], n]]);
      else list.push([pair[1], n]);
    }
  });
  return out;
}

/** CPU counters read together, with the time they were read (ms, monotonic clock). */
export interface CpuCounters {
  readonly atMs: number;
  /** The directory usageUsec was read from: a change between samples means another cgroup. */
  readonly dir: string | null;
  readonly usageUsec: Known<number>;
  /** That time in user and system mode (v2 cpu.stat user_usec, system_usec; v1 cpuacct.stat). */
  readonly userUsec: Known<number>;
  readonly systemUsec: Known<number>;
  readonly nrPeriods: Known<number>;
  readonly nrThrottled: Known<number>;
  readonly throttledUsec: Known<number>;
}

export interface PressureLine {
  readonly avg10: number;
  readonly avg60: number;
  readonly avg300: number;
  readonly totalUsec: number;
}
export interface Pressure {
  readonly some: PressureLine | null;
  readonly full: PressureLine | null;
}

export interface IoDeviceUsage {
  readonly device: string;
  readonly readBytes: number | null;
  readonly writeBytes: number | null;
  readonly readOps: number | null;
  readonly writeOps: number | null;
}
export interface IoDeviceLimit {
  readonly device: string;
  readonly readBps: number | 'unlimited';
  readonly writeBps: number | 'unlimited';
  readonly readIops: number | 'unlimited';
  readonly writeIops: number | 'unlimited';
}

export type FreezerState = 'thawed' | 'freezing' | 'frozen';

/** Where a binding limit is set. */
export interface LimitSource {
  /**
   * 'own': the container's own cgroup; 'shared': its cgroup, which also holds processes outside
   * it; 'ancestor': a cgroup above it (a pod's, a systemd scope's, a slice's).
   */
  readonly kind: 'own' | 'shared' | 'ancestor';
  readonly cgroup: string;
  /** Processes under that cgroup that are not the container's: they draw on the same limit. */
  readonly outside: number;
}

/** The tightest limit over a container's cgroup and its ancestors, and where it is set (null: unlimited or unknown). */
export interface BindingLimit {
  readonly value: Limit;
  readonly source: LimitSource | null;
}

/** Everything read from one container's cgroups in one pass. */
export interface CgroupSample {
  /** The limits that bind the container: its cgroup's or an ancestor's, whichever is tightest. */
  readonly binding: { readonly cpuCores: BindingLimit; readonly memoryBytes: BindingLimit; readonly pids: BindingLimit };
  /** Host directory measured per controller (cpu, cpuacct, memory, pids, io, cpuset, freezer, pressure). */
  readonly dirs: Readonly<Record<string, string>>;
  readonly counters: CpuCounters;
  readonly cpu: {
    readonly quotaUsec: Limit;
    readonly periodUsec: Known<number>;
    readonly weight: Known<number>;
    readonly shares: Known<number>;
    readonly cpus: Known<{ readonly text: string; readonly count: number }>;
  };
  readonly memory: {
    readonly usageBytes: Known<number>;
    readonly limitBytes: Limit;
    readonly highBytes: Limit;
    readonly softLimitBytes: Limit;
    readonly swapBytes: Limit;
    readonly anonBytes: Known<number>;
    readonly fileBytes: Known<number>;
    readonly kernelBytes: Known<number>;
    readonly shmemBytes: Known<number>;
    readonly inactiveFileBytes: Known<number>;
    /** Swap in use (v2 memory.swap.current, v1 memory.stat total_swap); Unknown where swap is not accounted. */
    readonly swapUsageBytes: Known<number>;
    readonly oom: Known<number>;
    readonly oomKill: Known<number>;
    readonly max: Known<number>;
    readonly high: Known<number>;
    readonly failcnt: Known<number>;
    readonly underOom: Known<boolean>;
  };
  readonly pids: { readonly current: Known<number>; readonly max: Limit };
  readonly io: { readonly devices: Known<readonly IoDeviceUsage[]>; readonly limits: Known<readonly IoDeviceLimit[]> };
  readonly pressure: { readonly cpu: Known<Pressure>; readonly memory: Known<Pressure>; readonly io: Known<Pressure> };
  readonly freezer: Known<FreezerState>;
}

export interface ResourceLimits {
  /** The binding CPU limit in CPUs: the tightest quota/period over the cgroup and its ancestors. */
  readonly cpuCores: Limit;
  readonly cpuPeriodUsec: Known<number>;
  readonly cpuWeight: Known<number>;
  readonly cpuShares: Known<number>;
  readonly cpusetCpus: Known<string>;
  readonly memoryBytes: Limit;
  readonly memoryHighBytes: Limit;
  readonly memorySoftLimitBytes: Limit;
  readonly swapBytes: Limit;
  readonly pids: Limit;
  readonly io: Known<readonly IoDeviceLimit[]>;
  /** Where cpuCores, memoryBytes and pids are set; null where unlimited or unknown. */
  readonly sources: { readonly cpuCores: LimitSource | null; readonly memoryBytes: LimitSource | null; readonly pids: LimitSource | null };
}

export interface ResourceUsage {
  /** Percent of one host CPU over the sampling interval (200 = two cores busy). */
  readonly cpuPercent: Known<number>;
  /** Percent of the container's CPU limit; 'unlimited' without a CFS quota. */
  readonly cpuPercentOfLimit: Limit;
  /** Percent of CFS enforcement periods in the interval in which the cgroup was throttled. */
  readonly throttledPercent: Limit;
  readonly cpuUsageUsec: Known<number>;
  readonly cpuUserUsec: Known<number>;
  readonly cpuSystemUsec: Known<number>;
  readonly throttling: { readonly periods: Known<number>; readonly throttledPeriods: Known<number>; readonly throttledUsec: Known<number> };
  readonly memoryBytes: Known<number>;
  readonly workingSetBytes: Known<number>;
  readonly memory: {
    readonly anonBytes: Known<number>;
    readonly fileBytes: Known<number>;
    readonly kernelBytes: Known<number>;
    readonly shmemBytes: Known<number>;
    readonly inactiveFileBytes: Known<number>;
    readonly swapBytes: Known<number>;
  };
  readonly pids: Known<number>;
  readonly io: Known<readonly IoDeviceUsage[]>;
  /** Bytes per second read and written over the sampling interval, every device summed. */
  readonly ioReadBytesPerSec: Known<number>;
  readonly ioWriteBytesPerSec: Known<number>;
  /** OOM kills in the cgroup during the sampling interval. */
  readonly oomKillsInInterval: Known<number>;
  readonly events: {
    readonly oom: Known<number>;
    readonly oomKill: Known<number>;
    readonly max: Known<number>;
    readonly high: Known<number>;
    readonly failcnt: Known<number>;
    readonly underOom: Known<boolean>;
  };
  readonly pressure: CgroupSample['pressure'];
  readonly freezer: Known<FreezerState>;
}

export interface ContainerResources {
  /** Why nothing could be measured (then every field is Unknown with this reason), else null. */
  readonly unavailable: string | null;
  readonly cgroups: Readonly<Record<string, string>>;
  readonly sampleIntervalMs: number | null;
  readonly limits: ResourceLimits;
  readonly usage: ResourceUsage;
}

/** A field the other cgroup version has (cpu.shares on v1, cpu.weight on v2...). */
export const notOn = (v: 1 | 2, what: string): Unknown => unknown(`${what}: not on cgroup v${v}`);

/**
 * Working set as cAdvisor and the kubelet define it: usage minus inactive file pages, floored at
 * 0 (cadvisor container/libcontainer/handler.go setMemoryStats: `total_inactive_file` on v1,
 * `inactive_file` on v2; the kubelet's eviction signal memory.available uses the same figure).
 */
export function workingSetBytes(usage: Known<number>, inactiveFile: Known<number>): Known<number> {
  if (isUnknown(usage)) return usage;
  if (isUnknown(inactiveFile)) return inactiveFile;
  return Math.max(0, usage - inactiveFile);
}

type Delta = { d: number; dtMs: number } | Unknown;

const removed = (u: Unknown): boolean => u.cause === 'absent' || u.cause === 'gone';

function delta(prev: CpuCounters, cur: CpuCounters, pick: (c: CpuCounters) => Known<number>, what: string): Delta {
  const a = pick(prev);
  const b = pick(cur);
  if (isUnknown(a)) return a;
  if (isUnknown(b)) return removed(b) ? unknown(`cgroup removed between samples (${b.unknown})`) : b;
  if (prev.dir !== cur.dir) return unknown(`the container's cgroup changed between samples (${prev.dir ?? '?'} -> ${cur.dir ?? '?'})`);
  // Counters only grow while a cgroup lives. A smaller value means the cgroup was removed and
  // created again under the same name (container restarted between the two reads).
  if (b < a) return unknown(`${what} went backwards between samples (${a} -> ${b}): cgroup recreated, container restarted?`);
  const dtMs = cur.atMs - prev.atMs;
  if (!(dtMs > 0)) return unknown('no time elapsed between samples');
  return { d: b - a, dtMs };
}

/**
 * Limits, usage and rates of one container. `previous` is an earlier sample of the same
 * container (rates are taken over `sample.counters.atMs - previous.counters.atMs`), or the
 * reason why there is none (the first observation, --no-rates, a recorded tree).
 */
export function deriveResources(previous: CgroupSample | Unknown, sample: CgroupSample): ContainerResources {
  const { cpu, memory: m, counters, binding } = sample;
  const prev = isUnknown(previous) ? previous : previous.counters;
  const cpuCores = binding.cpuCores.value;
  // A quota set above the container is enforced, and its throttling counted, on that ancestor,
  // for everything under it: the container's own cpu.stat does not show it.
  const throttledElsewhere = binding.cpuCores.source?.kind === 'ancestor' ? unknown(`the CPU limit is set on ancestor cgroup ${binding.cpuCores.source.cgroup}, whose throttling counts every process under it`) : null;

  let cpuPercent: Known<number>;
  let throttledPercent: Limit;
  if (isUnknown(prev)) {
    cpuPercent = prev;
    throttledPercent = cpuCores === 'unlimited' ? 'unlimited' : (throttledElsewhere ?? prev);
  } else {
    const u = delta(prev, counters, (c) => c.usageUsec, 'CPU usage');
    cpuPercent = isUnknown(u) ? u : (u.d / (u.dtMs * 1000)) * 100;
    if (cpuCores === 'unlimited') throttledPercent = 'unlimited';
    else if (throttledElsewhere) throttledPercent = throttledElsewhere;
    else {
      const p = delta(prev, counters, (c) => c.nrPeriods, 'nr_periods');
      const t = delta(prev, counters, (c) => c.nrThrottled, 'nr_throttled');
      if (isUnknown(p)) throttledPercent = p;
      else if (isUnknown(t)) throttledPercent = t;
      // No enforcement period ran (the cgroup was idle): none of them was throttled.
      else throttledPercent = p.d === 0 ? 0 : (t.d / p.d) * 100;
    }
  }
  const cpuPercentOfLimit: Limit = isUnknown(cpuCores) || cpuCores === 'unlimited' ? cpuCores : isUnknown(cpuPercent) ? cpuPercent : cpuPercent / cpuCores;

  return {
    unavailable: null,
    cgroups: sample.dirs,
    sampleIntervalMs: isUnknown(prev) ? null : counters.atMs - prev.atMs,
    limits: {
      cpuCores,
      cpuPeriodUsec: cpu.periodUsec,
      cpuWeight: cpu.weight,
      cpuShares: cpu.shares,
      cpusetCpus: isUnknown(cpu.cpus) ? cpu.cpus : cpu.cpus.text,
      memoryBytes: binding.memoryBytes.value,
      memoryHighBytes: m.highBytes,
      memorySoftLimitBytes: m.softLimitBytes,
      swapBytes: m.swapBytes,
      pids: binding.pids.value,
      io: sample.io.limits,
      sources: { cpuCores: binding.cpuCores.source, memoryBytes: binding.memoryBytes.source, pids: binding.pids.source },
    },
    usage: {
      cpuPercent,
      cpuPercentOfLimit,
      throttledPercent,
      cpuUsageUsec: counters.usageUsec,
      cpuUserUsec: counters.userUsec,
      cpuSystemUsec: counters.systemUsec,
      throttling: { periods: counters.nrPeriods, throttledPeriods: counters.nrThrottled, throttledUsec: counters.throttledUsec },
      memoryBytes: m.usageBytes,
      workingSetBytes: workingSetBytes(m.usageBytes, m.inactiveFileBytes),
      memory: { anonBytes: m.anonBytes, fileBytes: m.fileBytes, kernelBytes: m.kernelBytes, shmemBytes: m.shmemBytes, inactiveFileBytes: m.inactiveFileBytes, swapBytes: m.swapUsageBytes },
      pids: sample.pids.current,
      io: sample.io.devices,
      ...ioRates(previous, sample),
      oomKillsInInterval: countSince(previous, sample, (x) => x.memory.oomKill),
      events: { oom: m.oom, oomKill: m.oomKill, max: m.max, high: m.high, failcnt: m.failcnt, underOom: m.underOom },
      pressure: sample.pressure,
      freezer: sample.freezer,
    },
  };
}

/** A counter's growth since the previous sample; Unknown where either is, or it went backwards. */
function countSince(previous: CgroupSample | Unknown, sample: CgroupSample, pick: (s: CgroupSample) => Known<number>): Known<number> {
  if (isUnknown(previous)) return previous;
  const a = pick(previous);
  const b = pick(sample);
  if (isUnknown(a)) return a;
  if (isUnknown(b)) return b;
  if (previous.counters.dir !== sample.counters.dir) return unknown('the container\'s cgroup changed between samples');
  return b < a ? unknown(`counter went backwards between samples (${a} -> ${b}): cgroup recreated, container restarted?`) : b - a;
}

function ioTotals(devices: Known<readonly IoDeviceUsage[]>): Known<{ read: number; write: number }> {
  if (isUnknown(devices)) return devices;
  let read = 0;
  let write = 0;
  for (const d of devices) {
    read += d.readBytes ?? 0;
    write += d.writeBytes ?? 0;
  }
  return { read, write };
}

function ioRates(previous: CgroupSample | Unknown, sample: CgroupSample): Pick<ResourceUsage, 'ioReadBytesPerSec' | 'ioWriteBytesPerSec'> {
  if (isUnknown(previous)) return { ioReadBytesPerSec: previous, ioWriteBytesPerSec: previous };
  const a = ioTotals(previous.io.devices);
  const b = ioTotals(sample.io.devices);
  const dtSec = (sample.counters.atMs - previous.counters.atMs) / 1000;
  const bad: Unknown | null = isUnknown(a) ? a : isUnknown(b) ? b : !(dtSec > 0) ? unknown('no time elapsed between samples') : null;
  if (bad) return { ioReadBytesPerSec: bad, ioWriteBytesPerSec: bad };
  const x = a as { read: number; write: number };
  const y = b as { read: number; write: number };
  // A device that vanished (or a recreated cgroup) makes a sum go down: no rate, not a negative one.
  const back = unknown('IO counters went backwards between samples: a device or the cgroup went away');
  return { ioReadBytesPerSec: y.read < x.read ? back : (y.read - x.read) / dtSec, ioWriteBytesPerSec: y.write < x.write ? back : (y.write - x.write) / dtSec };
}

/** Resources of a container that has no measurable cgroup: every field Unknown with one reason. */
export function unavailableResources(why: Unknown): ContainerResources {
  const u = why;
  return {
    unavailable: why.unknown,
    cgroups: {},
    sampleIntervalMs: null,
    limits: { cpuCores: u, cpuPeriodUsec: u, cpuWeight: u, cpuShares: u, cpusetCpus: u, memoryBytes: u, memoryHighBytes: u, memorySoftLimitBytes: u, swapBytes: u, pids: u, io: u, sources: { cpuCores: null, memoryBytes: null, pids: null } },
    usage: {
      cpuPercent: u,
      cpuPercentOfLimit: u,
      throttledPercent: u,
      cpuUsageUsec: u,
      cpuUserUsec: u,
      cpuSystemUsec: u,
      throttling: { periods: u, throttledPeriods: u, throttledUsec: u },
      memoryBytes: u,
      workingSetBytes: u,
      memory: { anonBytes: u, fileBytes: u, kernelBytes: u, shmemBytes: u, inactiveFileBytes: u, swapBytes: u },
      pids: u,
      io: u,
      ioReadBytesPerSec: u,
      ioWriteBytesPerSec: u,
      oomKillsInInterval: u,
      events: { oom: u, oomKill: u, max: u, high: u, failcnt: u, underOom: u },
      pressure: { cpu: u, memory: u, io: u },
      freezer: u,
    },
  };
}
