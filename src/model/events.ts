/**
 * Container events from two observations and what the kernel said in between. Pure: the
 * previous and current frames (containers, pods, processes, resources) and the kernel's facts
 * (exit statuses from the proc connector, OOM notifications, OOM kills from the kernel log) in,
 * events out. An event names its container as `ps` does (same id, name, engine, image, pod).
 *
 * - start: a container key not in the previous frame (or the same engine id with another init:
 *   a restart, reported as exit then start);
 * - exit: a key gone since the previous frame; its init's exit status when the kernel said it
 *   (128 + the signal's number when a signal ended it, as engines and shells say);
 * - oom: a v1 OOM notification (eventfd) for its memory cgroup, or the v2 `oom` count rose;
 * - oom-kill: the kernel log named a victim in the container (by pid, or by its memory cgroup);
 *   without the kernel log, one per rise of the oom_kill count, victim unknown;
 * - pause / unpause: the freezer state left or reached `thawed`;
 * - join: a new member whose parent is outside the container (docker exec, nsenter --all), or a
 *   new partial member (nsenter --net: `partial`, with the namespace types it shares);
 * - update: a limit read in both frames changed.
 * A container that started and ended between the two frames is in neither: briefEvents reports
 * it from its init as read when it exec'd.
 */
import type { Container, Pod } from './container.js';
import type { NsType } from './namespace.js';
import type { Process } from './process.js';
import { containerKey } from './reconstruct.js';
import { isUnknown, type ContainerResources, type Known, type Limit } from './resources.js';

export const EVENT_ACTIONS = ['start', 'exit', 'oom', 'oom-kill', 'pause', 'unpause', 'join', 'update'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

/** Which kernel signal an event came from. */
export type EventSignal =
  /** a process exec'd or exited (the proc connector), and an observation saw the change */
  | 'proc-connector'
  /** a cgroup directory was created or removed, or one of its files written (inotify) */
  | 'cgroup-inotify'
  /** v2 cgroup.events / memory.events changed (inotify IN_MODIFY raised by the kernel) */
  | 'cgroup-events'
  /** v1 memory.oom_control notification through cgroup.event_control and an eventfd */
  | 'oom-eventfd'
  /** the kernel log (/dev/kmsg) */
  | 'kmsg'
  /** a process ended (pidfd), without its status */
  | 'pidfd'
  /** a periodic observation where no kernel signal is available (see the warnings) */
  | 'rescan';

export interface EventContainer {
  readonly key: string;
  readonly id: string;
  readonly name: string | null;
  readonly engine: string | null;
  readonly image: string | null;
  /** The pod's name, else its id; null outside pods. */
  readonly pod: string | null;
}

export interface LimitChange {
  readonly from: number | string | null;
  readonly to: number | string | null;
}

export interface ContainerEvent {
  readonly action: EventAction;
  /** Nanoseconds since the epoch. */
  readonly timeNano: bigint;
  readonly container: EventContainer;
  /** The process concerned: the init (start, exit), the victim (oom-kill), the joiner (join). */
  readonly pid: number | null;
  /**
   * exit: the code users compare with, as docker, podman and shells report it: the init's exit
   * status, or 128 + the signal's number when a signal ended it (137 for SIGKILL); null when
   * the kernel did not say.
   */
  readonly exitCode: number | null;
  /** exit: the signal that ended the init, when it was one. */
  readonly exitSignal: number | null;
  /** exit: that signal's name (SIGKILL), when it has one. */
  readonly exitSignalName: string | null;
  /** The victim's or joiner's command (comm). */
  readonly command: string | null;
  /** join: only some of the container's namespaces were joined. */
  readonly partial: boolean | null;
  /** join: the namespace types shared with the container. */
  readonly namespaces: readonly NsType[] | null;
  /** update: each changed limit. */
  readonly changes: Readonly<Record<string, LimitChange>> | null;
  readonly source: EventSignal;
}

/**
 * Signal names by number, as include/uapi/asm-generic/signal.h numbers them (x86, arm, arm64,
 * riscv, s390, powerpc; alpha, mips and sparc number some differently). 32 and 33 are glibc's
 * own; 34 to 64 are the real-time signals SIGRTMIN+n.
 */
const SIGNAL_NAMES = ['HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM', 'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR', 'SYS'];
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** SIGKILL for 9; SIGRTMIN+n for a real-time signal; null for a number no signal has. */
export function signalName(n: number): string | null {
  if (n >= 1 && n <= SIGNAL_NAMES.length) return `SIG${SIGNAL_NAMES[n - 1] as string}`;
  if (n === SIGRTMIN) return 'SIGRTMIN';
  if (n > SIGRTMIN && n <= SIGRTMAX) return `SIGRTMIN+${n - SIGRTMIN}`;
  return null;
}

/** The exit code docker, podman and shells report: the status, or 128 + the signal that ended the process. */
export function reportedExitCode(e: { readonly exitCode: number | null; readonly signal: number | null }): number | null {
  return e.signal !== null ? 128 + e.signal : e.exitCode;
}

/** What the diff needs of one observation. */
export interface EventFrame {
  readonly containers: readonly Container[];
  readonly pods: readonly Pod[];
  readonly processes: readonly Process[];
  readonly resources: ReadonlyMap<string, ContainerResources>;
  /** When the observation started, nanoseconds since the epoch. */
  readonly timeNano: bigint;
}

export interface ProcessExit {
  readonly exitCode: number | null;
  readonly signal: number | null;
  readonly timeNano: bigint;
}

export interface LoggedOomKill {
  readonly pid: number;
  readonly command: string;
  /** The victim's memory cgroup path in its hierarchy (task_memcg), or null. */
  readonly taskMemcg: string | null;
  readonly timeNano: bigint;
}

/** What the kernel said between the two frames. */
export interface KernelFacts {
  /** Exit statuses by host pid (thread-group leaders only). */
  readonly exits: ReadonlyMap<number, ProcessExit>;
  /** When processes exec'd, by host pid (those the proc connector's filter kept). */
  readonly execs: ReadonlyMap<number, bigint>;
  /** Containers being created whose init exec'd its command: the pid and when, by container key. */
  readonly starts: ReadonlyMap<string, { readonly pid: number; readonly timeNano: bigint }>;
  /** Container keys whose memory cgroup sent an OOM notification, with when. */
  readonly oomNotified: ReadonlyMap<string, bigint>;
  /** OOM kills the kernel log reported. */
  readonly oomKills: readonly LoggedOomKill[];
  /** Whether the kernel log is read: then OOM kills come from it alone, not from counters. */
  readonly kernelLog: boolean;
  /** The signal that triggered this observation, for events that have none of their own. */
  readonly trigger: EventSignal;
}

/**
 * A container still being created: its first process is the runtime's own init (`runc init`,
 * waiting for `runc start` to exec the container's command). Engines report `start` when the
 * command runs, and so does `events`; until then the runtime's processes come and go.
 */
export function isCreating(c: Container): boolean {
  const [a0, a1] = c.command;
  if (a0 === undefined) return false;
  return (/(^|\/)(runc|crun|youki)$/.test(a0) && a1 === 'init') || /^\[(exe|runc|crun|runc:\[\d:[A-Z]+\])\]$/.test(a0) || /^runc:\[\d:[A-Z]+\]$/.test(a0);
}

export function eventContainer(c: Container, pods: readonly Pod[]): EventContainer {
  const pod = c.pod === null ? undefined : pods.find((p) => p.key === c.pod);
  return { key: containerKey(c), id: c.id, name: c.name, engine: c.engine, image: c.image, pod: pod ? (pod.name ?? pod.id) : null };
}

const blank = { pid: null, exitCode: null, exitSignal: null, exitSignalName: null, command: null, partial: null, namespaces: null, changes: null } as const;

const LIMIT_FIELDS = ['memoryBytes', 'memoryHighBytes', 'memorySoftLimitBytes', 'swapBytes', 'cpuCores', 'cpuShares', 'cpuWeight', 'cpusetCpus', 'pids'] as const;

function limitValue(v: Limit | Known<number> | Known<string>): number | string | null | undefined {
  if (isUnknown(v)) return undefined;
  return v === 'unlimited' ? null : v;
}

function counter(v: Known<number> | undefined): number | null {
  return v === undefined || isUnknown(v) ? null : v;
}

/** Whether a cgroup path in its hierarchy (the kernel log's task_memcg) is the host directory dir or below it. */
function isUnderCgroup(dir: string, memcg: string): boolean {
  for (let i = dir.indexOf('/', 1); i > 0; i = dir.indexOf('/', i + 1)) {
    const tail = dir.slice(i);
    if (memcg === tail || memcg.startsWith(tail + '/')) return true;
  }
  return false;
}

/**
 * Which container an OOM victim belonged to: by its pid in the previous frame, else by its
 * memory cgroup path, which a container's measured memory directory ends with.
 */
export function oomKillOwner(kill: LoggedOomKill, frame: EventFrame): Container | null {
  for (const c of frame.containers) if (c.processes.some((p) => p.pid === kill.pid)) return c;
  if (kill.taskMemcg === null || kill.taskMemcg === '/') return null;
  for (const c of frame.containers) {
    const dir = frame.resources.get(containerKey(c))?.cgroups['memory'];
    if (dir !== undefined && isUnderCgroup(dir, kill.taskMemcg)) return c;
  }
  return null;
}

/** A past OOM kill of a container, as `inspect` lists it. */
export interface PastOomKill {
  /** Wall clock, milliseconds since the epoch (boot time + the record's stamp); null when the boot time is unknown. */
  readonly atMs: number | null;
  readonly pid: number;
  readonly command: string;
  readonly memoryCgroup: string | null;
}

/**
 * The kills still in the kernel log whose victim was in the container's memory cgroup (or below
 * it), oldest first. `memoryDir` is the host directory measured for the container's memory.
 */
export function pastOomKills(kills: readonly { usec: number; pid: number; command: string; taskMemcg: string | null }[], memoryDir: string, bootTimeSec: number | null): PastOomKill[] {
  return kills
    .filter((k) => k.taskMemcg !== null && k.taskMemcg !== '/' && isUnderCgroup(memoryDir, k.taskMemcg))
    .map((k) => ({ atMs: bootTimeSec === null ? null : bootTimeSec * 1000 + Math.floor(k.usec / 1000), pid: k.pid, command: k.command, memoryCgroup: k.taskMemcg }));
}

export function diffFrames(prev: EventFrame, cur: EventFrame, facts: KernelFacts): ContainerEvent[] {
  const out: ContainerEvent[] = [];
  const before = new Map(prev.containers.map((c) => [containerKey(c), c]));
  const after = new Map(cur.containers.map((c) => [containerKey(c), c]));
  const restarted = (a: Container, b: Container): boolean => a.idKind === 'engine' && !isCreating(a) && a.pid !== b.pid && a.starttimeTicks !== b.starttimeTicks;

  const exitOf = (c: Container, pid = c.pid): ContainerEvent => {
    const st = facts.exits.get(pid);
    return {
      ...blank,
      action: 'exit',
      timeNano: st?.timeNano ?? cur.timeNano,
      container: eventContainer(c, prev.pods),
      pid,
      exitCode: st ? reportedExitCode(st) : null,
      exitSignal: st ? st.signal : null,
      exitSignalName: st?.signal ? signalName(st.signal) : null,
      source: st ? 'proc-connector' : facts.trigger,
    };
  };
  const startOf = (c: Container, pods: readonly Pod[]): ContainerEvent => {
    const begun = facts.starts.get(containerKey(c));
    const exec = begun?.timeNano ?? facts.execs.get(c.pid);
    const pid = isCreating(c) && begun ? begun.pid : c.pid;
    return { ...blank, action: 'start', timeNano: exec ?? cur.timeNano, container: eventContainer(c, pods), pid, command: isCreating(c) ? null : (c.command[0] ?? null), source: exec !== undefined ? 'proc-connector' : facts.trigger };
  };

  for (const [key, c] of before) {
    const now = after.get(key);
    if (now && !restarted(c, now)) continue;
    if (!isCreating(c)) out.push(exitOf(c));
    // Created, started (its init exec'd) and gone between two observations: both events.
    else {
      const begun = facts.starts.get(key);
      if (begun) out.push(startOf(c, prev.pods), exitOf(c, begun.pid));
    }
  }
  const byPid = new Map(cur.processes.map((p) => [p.pid, p]));
  for (const [key, c] of after) {
    if (isCreating(c)) continue;
    const was = before.get(key);
    if (!was || isCreating(was) || restarted(was, c)) {
      out.push(startOf(c, cur.pods));
      continue;
    }
    const ref = eventContainer(c, cur.pods);
    // join: new members whose parent is not in the container, and new partial members.
    const members = new Set(c.processes.map((p) => p.pid));
    const old = new Set(was.processes.map((p) => p.pid));
    for (const m of c.processes) {
      if (old.has(m.pid) || m.pid === c.pid) continue;
      const p = byPid.get(m.pid);
      if (!p || members.has(p.ppid)) continue;
      out.push({ ...blank, action: 'join', timeNano: facts.execs.get(m.pid) ?? cur.timeNano, container: ref, pid: m.pid, command: p.comm, partial: false, namespaces: null, source: facts.trigger });
    }
    const oldPartial = new Set(was.partialMembers.map((m) => m.pid));
    for (const m of c.partialMembers) {
      if (oldPartial.has(m.pid)) continue;
      const parent = byPid.get(m.pid)?.ppid;
      // A child of a partial member shares what its parent shares: one join, the parent's.
      if (parent !== undefined && c.partialMembers.some((x) => x.pid === parent)) continue;
      out.push({ ...blank, action: 'join', timeNano: facts.execs.get(m.pid) ?? cur.timeNano, container: ref, pid: m.pid, command: m.comm, partial: true, namespaces: m.shared, source: facts.trigger });
    }

    const r0 = prev.resources.get(key);
    const r1 = cur.resources.get(key);
    if (r0 && r1 && r0.unavailable === null && r1.unavailable === null) {
      const f0 = r0.usage.freezer;
      const f1 = r1.usage.freezer;
      if (!isUnknown(f0) && !isUnknown(f1)) {
        if (f0 === 'thawed' && f1 !== 'thawed') out.push({ ...blank, action: 'pause', timeNano: cur.timeNano, container: ref, pid: c.pid, source: facts.trigger });
        if (f0 !== 'thawed' && f1 === 'thawed') out.push({ ...blank, action: 'unpause', timeNano: cur.timeNano, container: ref, pid: c.pid, source: facts.trigger });
      }
      const changes: Record<string, LimitChange> = {};
      for (const f of LIMIT_FIELDS) {
        const a = limitValue(r0.limits[f]);
        const b = limitValue(r1.limits[f]);
        if (a !== undefined && b !== undefined && a !== b) changes[f] = { from: a, to: b };
      }
      if (Object.keys(changes).length > 0) out.push({ ...blank, action: 'update', timeNano: cur.timeNano, container: ref, pid: c.pid, changes, source: facts.trigger });
      const oom0 = counter(r0.usage.events.oom);
      const oom1 = counter(r1.usage.events.oom);
      if (!facts.oomNotified.has(key) && oom0 !== null && oom1 !== null && oom1 > oom0) out.push({ ...blank, action: 'oom', timeNano: cur.timeNano, container: ref, pid: c.pid, source: 'cgroup-events' });
      if (!facts.kernelLog) {
        const k0 = counter(r0.usage.events.oomKill);
        const k1 = counter(r1.usage.events.oomKill);
        if (k0 !== null && k1 !== null) for (let i = k0; i < k1; i++) out.push({ ...blank, action: 'oom-kill', timeNano: cur.timeNano, container: ref, source: facts.trigger });
      }
    }
  }
  for (const [key, at] of facts.oomNotified) {
    const c = after.get(key) ?? before.get(key);
    if (c) out.push({ ...blank, action: 'oom', timeNano: at, container: eventContainer(c, after.has(key) ? cur.pods : prev.pods), pid: c.pid, source: 'oom-eventfd' });
  }
  for (const k of facts.oomKills) {
    const c = oomKillOwner(k, prev) ?? oomKillOwner(k, cur);
    if (c) out.push({ ...blank, action: 'oom-kill', timeNano: k.timeNano, container: eventContainer(c, cur.pods), pid: k.pid, command: k.command, source: 'kmsg' });
  }
  return out.sort((a, b) => (a.timeNano < b.timeNano ? -1 : a.timeNano > b.timeNano ? 1 : 0));
}

/**
 * Containers that started and ended between two observations (a bare `sh -c 'exit 7'` lives a
 * few milliseconds): built from their inits as read when they exec'd, and gone since. Each gets
 * its start, at the exec, and its exit, with the kernel's status; one without an exit status
 * (not ended yet, or the kernel did not say) gets neither.
 */
export function briefEvents(containers: readonly Container[], pods: readonly Pod[], execs: ReadonlyMap<number, bigint>, exits: ReadonlyMap<number, ProcessExit>): ContainerEvent[] {
  const out: ContainerEvent[] = [];
  for (const c of containers) {
    const st = exits.get(c.pid);
    if (!st) continue;
    const ref = eventContainer(c, pods);
    out.push({ ...blank, action: 'start', timeNano: execs.get(c.pid) ?? st.timeNano, container: ref, pid: c.pid, command: c.command[0] ?? null, source: 'proc-connector' });
    out.push({ ...blank, action: 'exit', timeNano: st.timeNano, container: ref, pid: c.pid, exitCode: reportedExitCode(st), exitSignal: st.signal, exitSignalName: st.signal ? signalName(st.signal) : null, source: 'proc-connector' });
  }
  return out;
}

/** `--filter KEY=VALUE`: which events to show. */
export interface EventFilter {
  readonly engine: readonly string[];
  readonly name: readonly string[];
  readonly id: readonly string[];
  readonly pod: readonly string[];
  readonly action: readonly EventAction[];
}

export const FILTER_KEYS = ['engine', 'name', 'id', 'pod', 'action'] as const;

/** Parse `--filter` values; an error message for one that does not parse. Values of one key are alternatives; keys combine. */
export function parseEventFilters(specs: readonly string[]): EventFilter | { error: string } {
  const f = { engine: [] as string[], name: [] as string[], id: [] as string[], pod: [] as string[], action: [] as EventAction[] };
  for (const s of specs) {
    const eq = s.indexOf('=');
    const key = eq > 0 ? s.slice(0, eq) : '';
    const value = eq > 0 ? s.slice(eq + 1) : '';
    if (!(FILTER_KEYS as readonly string[]).includes(key)) return { error: `--filter ${s}: expected KEY=VALUE with KEY one of ${FILTER_KEYS.join(', ')}` };
    if (value === '') return { error: `--filter ${s}: empty value` };
    if (key === 'action') {
      if (!(EVENT_ACTIONS as readonly string[]).includes(value)) return { error: `--filter ${s}: unknown action (one of ${EVENT_ACTIONS.join(', ')})` };
      f.action.push(value as EventAction);
    } else f[key as 'engine' | 'name' | 'id' | 'pod'].push(value);
  }
  return f;
}

export function matchesFilter(e: ContainerEvent, f: EventFilter): boolean {
  const c = e.container;
  if (f.action.length > 0 && !f.action.includes(e.action)) return false;
  if (f.engine.length > 0 && !f.engine.includes(c.engine ?? 'none')) return false;
  if (f.name.length > 0 && (c.name === null || !f.name.includes(c.name))) return false;
  if (f.id.length > 0 && !f.id.some((p) => c.id.startsWith(p))) return false;
  if (f.pod.length > 0 && (c.pod === null || !f.pod.includes(c.pod))) return false;
  return true;
}
