/**
 * The observation pipeline: every command reads the host through an Observer.
 *
 *   createObserver(root, options)   what to read, and whether to keep state between observations
 *     .observe({ focus })           one Observation: processes -> grouping -> metadata -> model,
 *                                   then each container's cgroups and each netns's counters,
 *                                   with rates against the previous observation
 *     .resample(intervalMs)         the last observation's counters again, one interval later,
 *                                   with rates: no process read, the same model
 *     .close()                      let go of kept descriptors and watches
 *
 * Details (mounts, layers, interfaces, sockets) are read on request, for the observation a
 * command prints. A one-shot command observes once. `ps` and `inspect` with rates observe once
 * and resample the counters one interval later; `top`, `serve` and `events` observe again and
 * again. What makes repeated observations cheap is the observer's business, behind
 * `continuous`, and no caller threads a flag through a collector:
 * - the process scanner keeps per-process static data and, on a quiet host (same /proc listing,
 *   same last allocated pid), re-reads no process but those of the focused container; on a busy
 *   one, only the processes born since (and pids the kernel may have given again);
 * - while no process changed, or those that did are outside every container, the grouping, the
 *   engines' metadata and the model are reused;
 *   every SLOW_EVERY observations the metadata is read again (an engine's rename), and the model
 *   is rebuilt only when it reads differently;
 * - a mount namespace's root decision is re-read when the kernel says its mount table changed
 *   (collectors/mount-watch.ts), else every SLOW_EVERY observations;
 * - cgroup files stay open (pread each time); limits are re-read every SLOW_EVERY observations
 *   of a container (collectors/resources.ts); a file whose text did not change is not parsed
 *   again (collectors/cgroupfs/sample.ts); v1 memory.oom_control is read again when a process
 *   has exited and the kernel's OOM kill count (/proc/vmstat) has moved, else every SLOW_EVERY;
 * - each container network namespace's /proc/<pid>/net/dev stays open, bound to its namespace,
 *   while the same process is read through (collectors/net-counters.ts).
 */
import { aroundWrong } from '../../collectors/around.js';
import { collectSnapshot, type RefreshCache } from '../../collectors/collect.js';
import { collectDetails, type DetailsOptions } from '../../collectors/details.js';
import { collectHostSummary, readOomKillCount } from '../../collectors/host-summary.js';
import type { HostRoot } from '../../collectors/host-root.js';
import { createMountWatch } from '../../collectors/mount-watch.js';
import { createNetCounterReader, type NetCounterReader, type NetnsTarget } from '../../collectors/net-counters.js';
import { IncrementalScanner } from '../../collectors/processes.js';
import { createResourceReader, SLOW_EVERY } from '../../collectors/resources.js';
import type { Container } from '../model/container.js';
import { buildHostModel, type HostModel } from '../model/host-model.js';
import type { HostSnapshot } from '../model/host.js';
import { netRate, type InterfaceCounters } from '../model/network.js';
import { containerKey } from '../model/reconstruct.js';
import { FIRST_READING, RECORDED_NO_RATE, unknown, type ResourceScope, type Unknown } from '../model/resources.js';
import type { NetnsObservation, Observation } from './observation.js';

export { SLOW_EVERY };

export interface ObserverOptions {
  /**
   * Observe again and again: keep descriptors, per-process data and watches between
   * observations (top, serve, events, and ps's second sample). Close the observer when done.
   * Without it the observer takes one reading (resample() refuses), whose network counters are
   * not read: no rate can come of them (NetnsObservation.interfaces).
   */
  readonly continuous?: boolean;
  /**
   * Read status and argv of each container's candidates for its first process only, not of
   * every member: for views that show no member's own status (`ns`, the `ps` table);
   * 'undecided': only where a container has more than one (CollectOptions.initsOnly).
   */
  readonly initsOnly?: boolean | 'undecided';
  /**
   * false: read the argv of each container's candidates for its first process only (its
   * command), every member's status still (`ps --json`, which shows no other member's argv).
   * CollectOptions.membersArgv; a continuous observer reads every member's.
   */
  readonly membersArgv?: boolean;
  /** Read pid_for_children and time_for_children too (the namespace inventory's pins). */
  readonly childNamespaces?: boolean;
  /**
   * Read each container's cgroups. Default true; `ns` and `which` need none. A function picks
   * the containers whose cgroups are read (`inspect`: the one asked about).
   */
  readonly resources?: boolean | ((model: HostModel) => readonly Container[]);
  /**
   * Read each container network namespace's counters. Default true. A function picks the
   * containers whose namespaces are read (`inspect`: the one asked about).
   */
  readonly network?: boolean | ((model: HostModel) => readonly Container[]);
  /** Wall clock, milliseconds since the epoch. */
  readonly now?: () => number;
  /** Monotonic milliseconds, for rates. */
  readonly clock?: () => number;
  /**
   * A host pid (`inspect PID`): read only the processes that may belong with it where that
   * tells its container exactly as reading every process would (collectors/around.ts), else
   * every process. The model then holds that container (and host processes) only.
   */
  readonly around?: number;
}

export interface ObserveRound {
  /** containerKey() of a container whose processes are read every time (top's detail view). */
  readonly focus?: string | null;
  /** Read each container's filesystem and network in full (mounts, layers, interfaces, sockets). */
  readonly details?: DetailsOptions;
  /**
   * containerKey()s the kernel said changed (`events`): their processes are read again even on
   * a quiet host (an exec moves neither the /proc listing nor the last pid), and their cgroup
   * files all, limits and freezer included.
   */
  readonly fresh?: ReadonlySet<string>;
  /**
   * How much of each container's cgroups to read: 'full' (the default), what a `top` row shows
   * ('row'; the focused container is read in full) or what a `ps` table row shows ('table').
   * What a scope leaves out is Unknown (ResourceScope in src/model/resources.ts).
   */
  readonly resources?: ResourceScope;
  /** containerKey()s whose cgroups are read in 'row' whatever `resources` says (the rows top shows). */
  readonly rows?: ReadonlySet<string>;
}

export interface Observer {
  observe(round?: ObserveRound): Observation;
  /**
   * The last observation again, `intervalMs` after it began reading counters (at once when that
   * is past): each container's cgroups read anew in the same scope, each network namespace's
   * counters and the host's figures, with rates against the last observation. No process is
   * read: the model and details are the last observation's, so what is printed is the host as
   * it was then, with rates over the interval that follows. For a command that prints one
   * observation with rates (`ps`, `inspect`): its reading overlaps the interval. A container
   * gone since shows its figures as gone, never as another's.
   */
  resample(intervalMs: number): Promise<Observation>;
  /** The last observation, or null before the first. */
  readonly last: Observation | null;
  close(): void;
}

/** What an observation reads the counters of (see pick in createObserver). */
interface Picked {
  readonly cgroups: readonly Container[];
  readonly netns: readonly Container[] | null;
}

export function createObserver(root: HostRoot, options: ObserverOptions = {}): Observer {
  const continuous = options.continuous === true;
  const now = options.now ?? Date.now;
  const clock = options.clock ?? (() => performance.now());
  const scanner = continuous ? new IncrementalScanner(root) : null;
  const cache: RefreshCache | undefined = continuous ? { rootDiffers: new Map(), previous: null, mounts: createMountWatch(root) } : undefined;
  const resources = options.resources === false ? null : createResourceReader(root, { continuous, clock, recorded: root.kind === 'recorded' });
  const netCounters = continuous && options.network !== false ? createNetCounterReader(root) : null;
  let last: Observation | null = null;
  /** The kernel's OOM kill count at the previous observation (continuous observers). */
  let oomKills: number | null = null;
  /**
   * The last observation's round, the containers whose counters it read (options.resources and
   * options.network picked them from its model), and the clock when it began reading counters:
   * what resample() reads again, for the same model.
   */
  let lastRound: ObserveRound = {};
  let lastPicked: Picked = { cgroups: [], netns: null };
  let countersAtMs = 0;

  /** The containers whose cgroups, and whose network namespaces (null: every container's), are read. */
  const pick = (model: HostModel): Picked => ({
    cgroups: typeof options.resources === 'function' ? options.resources(model) : model.containers,
    netns: typeof options.network === 'function' ? options.network(model) : null,
  });
  /** The picked containers' resources and network namespaces' counters, rates against `last`. */
  const readCounters = (model: HostModel, picked: Picked, round: ObserveRound, hints: { noExit: boolean; noOomKill: boolean }): Pick<Observation, 'resources' | 'network'> => {
    countersAtMs = clock();
    return {
      resources: resources ? resources.read(model, picked.cgroups, { ...hints, ...(round.fresh ? { fresh: round.fresh } : {}), ...(round.resources ? { scope: round.resources } : {}), ...(round.focus ? { full: new Set([round.focus]) } : {}), ...(round.rows ? { row: round.rows } : {}) }) : new Map(),
      network: options.network === false ? new Map() : observeNetwork(netCounters, model, picked.netns, last, clock, root.kind === 'recorded'),
    };
  };
  /** The kernel's OOM kill count (continuous observers): has it moved since the last observation? */
  const oomKillsMoved = (): boolean => {
    const kills = continuous && resources ? readOomKillCount(root) : null;
    const moved = kills === null || kills !== oomKills;
    oomKills = kills;
    return moved;
  };

  const observe = (round: ObserveRound = {}): Observation => {
    const seq = (last?.seq ?? 0) + 1;
    const atMs = clock();
    if (cache) {
      cache.rereadMetadata = (seq - 1) % SLOW_EVERY === 0;
      if (cache.rereadMetadata && !cache.mounts) cache.rootDiffers.clear();
    }
    const wanted = (c: Container): boolean => containerKey(c) === round.focus || round.fresh?.has(containerKey(c)) === true;
    const focused = (round.focus || round.fresh?.size) && last ? last.model.containers.filter(wanted) : [];
    const host = collectHostSummary(root);
    // Read before any cgroup: a kill after this read shows in the cgroup's count now, or moves
    // this count for the next observation.
    const noOomKill = !oomKillsMoved();
    const collect = (around: number | undefined): HostSnapshot => {
      const collected = collectSnapshot(root, {
        nowMs: now(),
        ...(scanner ? { scanner } : {}),
        ...(cache ? { cache } : {}),
        ...(focused.length > 0 ? { fresh: new Set(focused.flatMap((c) => c.processes.map((m) => m.pid))) } : {}),
        ...(options.initsOnly ? { initsOnly: options.initsOnly } : {}),
        ...(options.membersArgv === false ? { membersArgv: false } : {}),
        ...(options.childNamespaces ? { childNamespaces: true } : {}),
        ...(around !== undefined ? { around } : {}),
      });
      // A recorded tree's instant is when it was recorded (its boot time plus its uptime), not when
      // it is replayed: uptimes and start times read the same on every replay.
      const recordedAt = root.kind === 'recorded' && collected.bootTimeSec !== null && host.uptimeSec !== null ? (collected.bootTimeSec + host.uptimeSec) * 1000 : null;
      return recordedAt === null ? collected : { ...collected, takenAtMs: recordedAt };
    };
    let snapshot = collect(options.around);
    const prev = last?.model;
    // The same grouping and metadata objects: the containers built from them still hold.
    let model: HostModel =
      prev && snapshot.grouping === prev.snapshot.grouping && snapshot.metadata === prev.snapshot.metadata ? { snapshot, containers: prev.containers, pods: prev.pods } : buildHostModel(snapshot);
    // Read only around a pid, the model may be wrong about its container: then read everything.
    if (snapshot.around && aroundWrong(root, model) !== null) {
      snapshot = collect(undefined);
      model = buildHostModel(snapshot);
    }
    if (cache) cache.previous = snapshot;
    lastPicked = pick(model);
    const observation: Observation = {
      seq,
      atMs,
      intervalMs: last ? atMs - last.atMs : null,
      model,
      ...readCounters(model, lastPicked, round, { noExit: snapshot.noExit === true, noOomKill }),
      host,
      details: round.details ? collectDetails(root, model, round.details).details : null,
    };
    last = observation;
    lastRound = round;
    return observation;
  };

  const resample = async (intervalMs: number): Promise<Observation> => {
    const before = last;
    if (!before) throw new Error('resample() before observe()');
    if (!continuous) throw new Error('resample() of an observer made without `continuous`: it takes one reading');
    const wait = countersAtMs + intervalMs - clock();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const atMs = clock();
    const host = collectHostSummary(root);
    // Processes were not read: whether one exited is not known.
    const noOomKill = !oomKillsMoved();
    const observation: Observation = { ...before, seq: before.seq + 1, atMs, intervalMs: atMs - before.atMs, ...readCounters(before.model, lastPicked, lastRound, { noExit: false, noOomKill }), host };
    last = observation;
    return observation;
  };

  return {
    observe,
    resample,
    get last() {
      return last;
    },
    close() {
      scanner?.close();
      resources?.close();
      netCounters?.close();
      cache?.mounts?.close();
    },
  };
}

/** One observation, for commands that look once. */
export function observeOnce(root: HostRoot, options: Omit<ObserverOptions, 'continuous'> = {}): Observation {
  const observer = createObserver(root, options);
  try {
    return observer.observe();
  } finally {
    observer.close();
  }
}

/**
 * Each container network namespace's counters (only those of `selected`, when given), through
 * the kept reader of a continuous observer (none read without one). A namespace is read through
 * the first container that has it, whichever container selected it.
 */
function observeNetwork(reader: NetCounterReader | null, model: HostModel, selected: readonly Container[] | null, last: Observation | null, clock: () => number, recorded: boolean): Map<number, NetnsObservation> {
  const wanted = selected ? new Set(selected.map((c) => c.namespaces.net)) : null;
  const targets = new Map<number, NetnsTarget>();
  for (const c of model.containers) {
    if (!c.hostNamespaces.includes('net') && c.namespaces.net !== undefined && !targets.has(c.namespaces.net) && (wanted === null || wanted.has(c.namespaces.net))) targets.set(c.namespaces.net, { pid: c.pid, starttimeTicks: c.starttimeTicks });
  }
  const at = clock();
  const out = new Map<number, NetnsObservation>();
  if (!reader) {
    // An observer of one reading: no rate can come of the counters, and no view shows them
    // otherwise (each interface's own are in the details): they are not read.
    const rate = recorded ? RECORDED_NO_RATE : FIRST_READING;
    for (const [netns, t] of targets) out.set(netns, { netns, pid: t.pid, atMs: at, interfaces: null, rate });
    return out;
  }
  for (const [netns, r] of reader.read(targets)) {
    const before = last?.network.get(netns);
    let rate: NetnsObservation['rate'];
    if (recorded) rate = RECORDED_NO_RATE;
    else if (!before?.interfaces) rate = FIRST_READING;
    else rate = netRate(totals(before.interfaces), totals(r.interfaces), at - before.atMs) ?? counterReset;
    out.set(netns, { netns, pid: r.pid, atMs: at, interfaces: r.interfaces, rate });
  }
  return out;
}

const counterReset: Unknown = unknown('a counter went backwards: the namespace or an interface was recreated');

function totals(ifs: readonly InterfaceCounters[]): { rxBytes: number; txBytes: number } {
  let rxBytes = 0;
  let txBytes = 0;
  for (const i of ifs) {
    if (i.name === 'lo') continue;
    rxBytes += i.rx.bytes;
    txBytes += i.tx.bytes;
  }
  return { rxBytes, txBytes };
}
