/**
 * Process scan: every /proc/<pid> directory, read into model Processes.
 *
 * Exported API:
 *  - scanProcesses(root, opts): one scan (ps, inspect, ns, snapshot); nothing is kept.
 *  - completeProcesses(root, processes, pids, malformed): after a lean scan, status and cmdline
 *    of the given pids (the processes the model reports on).
 *  - readProcess(root, pid): one process in full, outside a scan (events).
 *  - IncrementalScanner(root, { revalidateEvery }): repeated scans (top), with scan(opts),
 *    complete(processes, pids, malformed) and close(); it keeps descriptors and static data
 *    between scans (below).
 *  - ScanOptions, ProcessScan, ScanStats, IncrementalScanOptions: their options and results.
 *
 * Reads per process: stat, cgroup and the namespace links; `comm` comes from stat (identical to
 * /proc/<pid>/comm, one read fewer). A full scan also reads status and cmdline for everyone. A
 * lean scan (ps, top, ns) reads those only where grouping needs them (monitors and engine
 * daemons, see needsArgv); completing then reads them for the processes the model reports on
 * (container members). status is the costliest file procfs generates, and most processes of a
 * host are in no container. A process that exits mid-scan is dropped and counted; unreadable
 * files (EACCES) keep the process with those fields null and a gap.
 *
 * IncrementalScanner reuses what cannot change for the same process: it keeps, per (pid,
 * starttime, comm), the cmdline, NSpid, uids/caps and namespace links. An exec changes comm, so
 * it invalidates the cache entry; setns() without an exec is the one change this can miss until
 * the next exec.
 * stat is read every scan, through KeptFiles (open once per process, pread each refresh):
 * the descriptor refers to the process it was opened for, so a pid reused by another process
 * fails the pread and is read afresh; stat also shows an exec (comm) and a reparenting (ppid).
 * cgroup is read when the process is new or exec'd, and for every process on each
 * `revalidateEvery`-th scan: a process moved to another cgroup without an exec (echo PID >
 * cgroup.procs, systemd moving a process into a scope) shows in its new cgroup after at most
 * that many refreshes. Engines move a container's init before they exec its command, which is
 * seen at once.
 *
 * A quiet host costs almost nothing: when the /proc listing is the previous scan's and the
 * kernel's last allocated pid (/proc/loadavg's last field) has not moved, no process was born,
 * none died and no pid was reused, so the previous processes are returned without a read, except
 * those in `fresh` (the container top shows in detail), whose stat is read as usual.
 * A busy host (a fork somewhere, as most hosts have every second) costs little more: the kernel
 * hands out pids cyclically (kernel/pid.c alloc_pid: idr_alloc_cyclic from the last allocated pid
 * up to pid_max, then again from RESERVED_PIDS), so a pid listed in both scans names the same
 * process unless it lies between the previous scan's last allocated pid and this one's. Only the
 * pids new to the listing, those in that range and the `fresh` ones are read; those gone from the
 * listing are dropped; everyone else is the previous scan's object. This needs /proc/loadavg to
 * speak for the pid namespace of the /proc it lists (the kernel writes the reader's own
 * namespace's last pid): the live host at `/` only; under another root every busy scan reads
 * every process's stat.
 * What both miss until the next `revalidateEvery`-th scan, which reads everything: an exec without
 * a fork (new comm and argv under the same pid), a process that became a zombie and is not reaped
 * yet, a pid given again by clone3's set_tid or a write to ns_last_pid (checkpoint/restore, which
 * do not move the cyclic allocator), and the per-process counters (CPU time, state, threads, RSS)
 * of processes not read. ProcessScan.sampled says whose counters are new.
 */
import type { CgroupLine } from '../src/model/cgroup.js';
import { needsArgv } from '../src/model/engines.js';
import { NS_LINKS, NS_TYPES, type NsSet, type NsType } from '../src/model/namespace.js';
import { hasExited, type Process } from '../src/model/process.js';
import { KeptFiles, readParsed, type HostRoot } from './host-root.js';
import { nsInode } from './namespaces.js';
import { parseCmdline } from './procfs/pid-cmdline.js';
import { parsePidCgroup } from './procfs/pid-cgroup.js';
import { parseNsInode } from './procfs/pid-ns.js';
import { parsePidStat, type PidStat } from './procfs/pid-stat.js';
import { parsePidStatus, type PidStatus } from './procfs/pid-status.js';
import { ParseError, parseWith, type Gap, type Read } from './read.js';

export interface ScanStats {
  /** Processes listed in /proc that were gone before we could read them. */
  vanished: number;
  /** Processes with at least one unreadable file. */
  partial: number;
  /** Distinct reasons fields were hidden, with a count of processes each. */
  hidden: Record<string, number>;
}

export interface ProcessScan {
  readonly processes: Process[];
  readonly stats: ScanStats;
  /** Malformed files are reported by path; a sample tree with garbage must name the file. */
  readonly malformed: Gap[];
  /**
   * False when a repeated scan found exactly the processes of the previous one, each with the
   * same start time, parent, comm, cgroup text and static data (everything container grouping
   * reads), and complete() read nothing new since: a model built on the previous scan still holds.
   * Always true for scanProcesses.
   */
  readonly changed: boolean;
  /** Pids whose stat (CPU time, state, threads, RSS) was read by this scan; null: every process. */
  readonly sampled: ReadonlySet<number> | null;
  /**
   * True when a repeated scan found every process of the previous scan again (none exited, none
   * was reaped): what only an exit changes (a v1 OOM kill count) need not be read again.
   */
  readonly noExit: boolean;
}

interface Stable {
  readonly key: string;
  readonly cmdline: readonly string[] | null;
  readonly status: PidStatus | null;
  readonly namespaces: NsSet;
  readonly gaps: readonly Gap[];
  /** status and cmdline were read (or tried); false after a lean read. */
  readonly full: boolean;
  /** The cgroup file's text and lines at the last read (repeated scans parse only changes). */
  cgroupText?: string;
  cgroups?: CgroupLine[];
}

export interface ScanOptions {
  /** Read status and cmdline only where grouping needs them; completing adds the rest. */
  readonly lean?: boolean;
  /** Also read pid_for_children and time_for_children (namespace pins, `ns`). */
  readonly childNamespaces?: boolean;
  /** IncrementalScanner only: processes whose stat is read even when the host is quiet. */
  readonly fresh?: ReadonlySet<number>;
}

export interface IncrementalScanOptions {
  /** Read every process's cgroup file (and everything a quiet scan skips) on every n-th scan; 10 by default. */
  readonly revalidateEvery?: number;
}

/** One scan of every process (ps, inspect, ns, snapshot). */
export function scanProcesses(root: HostRoot, opts: ScanOptions = {}): ProcessScan {
  const listing = listProc(root);
  const stats: ScanStats = { vanished: 0, partial: 0, hidden: {} };
  const malformed: Gap[] = [];
  const processes: Process[] = [];
  const how = { full: (stat: PidStat) => !opts.lean || needsArgv(stat.comm), childNamespaces: opts.childNamespaces === true, cgroups: new SharedCgroupLines() };
  for (const name of listing) {
    if (!isPidName(name)) continue;
    const p = readWhole(root, Number(name), malformed, how);
    if (p === 'gone') {
      stats.vanished++;
      continue;
    }
    count(stats, p);
    processes.push(p);
  }
  return { processes, stats, malformed, changed: true, sampled: null, noExit: false };
}

/** What scanAround read: the processes in full, and which others there are. */
export interface AroundScan {
  readonly seed: number;
  readonly scan: ProcessScan;
  /**
   * The processes not read in full, kernel threads and processes gone aside: they still count
   * in the population of each cgroup (a shared cgroup's usage is not the container's alone),
   * which is read only where a figure needs it (collectors/around.ts unreadPopulation).
   */
  readonly unread: readonly number[];
}

/**
 * The processes that may belong with host pid `seed` (`inspect PID`), each read in full: the
 * seed, every process in any of the seed's namespaces that are not the host's, and the
 * ancestors of all of them (a monitor, the process tree). Of every other process only the links
 * of those namespace types are read (and, without the kernel's list of kernel threads, its
 * stat: a kernel thread is in no cgroup's count): it shares none of the seed's namespaces, so no
 * grouping rule can put it in the seed's container or tie it to one of its members, as long as
 * the processes read are in no namespace but the seed's and the host's (what
 * src/model/around.ts checks on the model built from them). Null where the seed's namespaces
 * cannot tell: the seed is gone, not listed (a thread), or in the host's namespaces only.
 */
export function scanAround(root: HostRoot, seed: number, hostNs: NsSet): AroundScan | null {
  const stats: ScanStats = { vanished: 0, partial: 0, hidden: {} };
  const malformed: Gap[] = [];
  const how = { full: () => true, childNamespaces: false, cgroups: new SharedCgroupLines() };
  const first = readWhole(root, seed, malformed, how);
  if (first === 'gone') return null;
  // The pid namespace first: it alone tells most members.
  const types = NS_TYPES.filter((t) => first.namespaces[t] !== undefined && hostNs[t] !== undefined && first.namespaces[t] !== hostNs[t]).sort((a, b) => Number(b === 'pid') - Number(a === 'pid'));
  if (types.length === 0) return null;
  const read = new Map<number, Process>([[seed, first]]);
  const unread = new Set<number>();
  const kernelThreads = kthreaddAndChildren(root);
  let listed = false;
  for (const name of listProc(root)) {
    if (!isPidName(name)) continue;
    const pid = Number(name);
    if (pid === seed) {
      listed = true;
      continue;
    }
    const shares = sharesAny(root, pid, types, first.namespaces);
    if (shares === true) {
      const p = readWhole(root, pid, malformed, how);
      if (p === 'gone') stats.vanished++;
      else read.set(pid, p);
      continue;
    }
    // A kernel thread is in no cgroup's count. Where the kernel's list of them cannot be read
    // (a recording), or no link could be (the process gone, or a non-root reader denied), its
    // stat tells, read once: a process gone is counted as a full scan counts it.
    if (kernelThreads?.has(pid)) continue;
    if (kernelThreads === null || shares === null) {
      const stat = readStat(root, `/proc/${pid}`, malformed);
      if (stat === 'gone') {
        if (shares === null) stats.vanished++;
        continue;
      }
      if (stat.kernelThread) continue;
    }
    unread.add(pid);
  }
  // A thread's id is no process a scan lists (/proc lists thread group leaders only).
  if (!listed) return null;
  for (const p of [...read.values()]) {
    for (let ppid = p.ppid; ppid > 0 && !read.has(ppid); ) {
      const parent = readWhole(root, ppid, malformed, how);
      if (parent === 'gone') break;
      read.set(ppid, parent);
      // Read in full now: no longer one of the others.
      unread.delete(ppid);
      ppid = parent.ppid;
    }
  }
  const processes = [...read.values()].sort((a, b) => a.pid - b.pid);
  for (const p of processes) count(stats, p);
  return { seed, scan: { processes, stats, malformed, changed: true, sampled: null, noExit: false }, unread: [...unread] };
}

/**
 * The kernel threads: kthreadd (pid 2) and its children, from the kernel's list of them
 * (/proc/<pid>/task/<tid>/children, CONFIG_PROC_CHILDREN); every kernel thread but pid 2 is
 * made by kthreadd (kernel/kthread.c). Null where that list cannot be read (a recording):
 * then each process's stat tells.
 */
function kthreaddAndChildren(root: HostRoot): Set<number> | null {
  const comm = root.readText('/proc/2/comm');
  const children = root.readText('/proc/2/task/2/children');
  if (!comm.ok || comm.value.trim() !== 'kthreadd' || !children.ok) return null;
  const out = new Set([2]);
  for (const pid of children.value.trim().split(' ')) if (pid !== '') out.add(Number(pid));
  return out;
}

/**
 * Whether a process is in any of the given namespaces (by type), from its links; null where
 * none could be read (denied for a non-dumpable process or a non-root reader, absent from a
 * recording, the process gone). A link that cannot be read or parsed tells no namespace, for
 * grouping either (readStable).
 */
function sharesAny(root: HostRoot, pid: number, types: readonly NsType[], ns: NsSet): boolean | null {
  let known = false;
  for (let i = 0; i < types.length; i++) {
    const t = types[i] as NsType;
    const inode = nsInode(root, pid, t);
    if (inode === null) continue;
    if (inode === ns[t]) return true;
    known = true;
  }
  return known ? false : null;
}

/**
 * One process read in full (stat, status, argv, namespaces, cgroup) outside a scan: `events`
 * reads a process the kernel just reported (an exec in new namespaces) before it can end.
 */
export function readProcess(root: HostRoot, pid: number): Process | 'gone' {
  return readWhole(root, pid, [], { full: () => true, childNamespaces: false, cgroups: null });
}

/**
 * One process: stat, namespace links and cgroup, and status and cmdline where `full` says so;
 * 'gone' when it exited meanwhile. `cgroups` shares parsed cgroup files between the processes
 * of one scan (null: parsed on their own).
 */
function readWhole(root: HostRoot, pid: number, malformed: Gap[], how: { full: (stat: PidStat) => boolean; childNamespaces: boolean; cgroups: SharedCgroupLines | null }): Process | 'gone' {
  const dir = `/proc/${pid}`;
  const stat = readStat(root, dir, malformed);
  if (stat === 'gone') return 'gone';
  const stable = readStable(root, dir, stableKey(stat), malformed, how.full(stat), how.childNamespaces);
  if (stable === 'gone') return 'gone';
  const gaps: Gap[] = [...stable.gaps];
  const text = root.readText(`${dir}/cgroup`);
  const cg = how.cgroups ? how.cgroups.parse(dir, text) : parseWith(`${dir}/cgroup`, text, parsePidCgroup);
  if (!cg.ok) {
    if (isGone(root, dir, cg.gap)) return 'gone';
    if (cg.gap.reason === 'malformed') malformed.push(cg.gap);
    gaps.push(cg.gap);
  }
  return toProcess(pid, stat, stable, cg.ok ? cg.value : null, gaps);
}

/**
 * Processes with status read for the given pids, and cmdline for those of them in `argvPids`
 * (all of them by default), after a lean scanProcesses. What the scan (or an earlier call) read
 * or tried is not read again; a process that exited since the scan keeps its lean fields, with a
 * 'gone' gap.
 */
export function completeProcesses(root: HostRoot, processes: readonly Process[], pids: ReadonlySet<number>, malformed: Gap[] = [], argvPids: ReadonlySet<number> = pids): Process[] {
  return processes.map((p) => {
    if (!pids.has(p.pid)) return p;
    const tried = (file: string): boolean => p.gaps.some((g) => g.path.endsWith(file));
    const status = p.uids === null && !tried('/status');
    const argv = p.cmdline === null && argvPids.has(p.pid) && !tried('/cmdline');
    if (!status && !argv) return p;
    const dir = `/proc/${p.pid}`;
    const extra = readDetail(root, dir, malformed, { status, argv });
    if (extra === 'gone') return { ...p, gaps: [...p.gaps, { path: dir, reason: 'gone' as const }] };
    const gaps = [...p.gaps, ...extra.gaps];
    if (!status) return { ...p, cmdline: extra.cmdline, gaps };
    return toProcess(p.pid, statOf(p), { key: '', namespaces: p.namespaces, gaps: [], cmdline: argv ? extra.cmdline : p.cmdline, status: extra.status, full: true }, p.cgroups, gaps);
  });
}

/**
 * Parsed cgroup files by text: the processes whose file reads the same (a container's) share one
 * lines array, which the model groups and places once, not once per process. A repeated scanner
 * keeps what it saw since its last full pass and in the one before (forgetUnseen), so that a
 * removed container's texts do not stay.
 */
export class SharedCgroupLines {
  private seen = new Map<string, CgroupLine[]>();
  private before = new Map<string, CgroupLine[]>();

  parse(dir: string, text: Read<string>): Read<CgroupLine[]> {
    if (!text.ok) return parseWith(`${dir}/cgroup`, text, parsePidCgroup);
    let lines = this.seen.get(text.value) ?? this.before.get(text.value);
    if (lines === undefined) {
      const cg = parseWith(`${dir}/cgroup`, text, parsePidCgroup);
      if (!cg.ok) return cg;
      lines = cg.value;
    }
    this.seen.set(text.value, lines);
    return { ok: true, value: lines };
  }

  forgetUnseen(): void {
    this.before = this.seen;
    this.seen = new Map();
  }
}

/** What grouping reads of a process besides its cgroup lines and static data: a change means group again. */
const groupingIdentity = (stableKey: string, p: Process): string => `${stableKey}:${p.ppid}:${hasExited(p) ? 'exited' : ''}`;

/** Repeated scans (top): what cannot change for a process is kept between scans (file header). */
export class IncrementalScanner {
  private cache = new Map<number, Stable>();
  /** Cgroup files parsed by text, kept over one full pass (see SharedCgroupLines). */
  private readonly cgroupParses = new SharedCgroupLines();
  private readonly root: HostRoot;
  /** stat, cgroup and loadavg, read on descriptors kept open between scans. */
  private readonly kept: KeptFiles;
  private readonly revalidateEvery: number;
  private scans = 0;
  /** This scan reads every process's cgroup file. */
  private fullPass = true;

  constructor(root: HostRoot, opts: IncrementalScanOptions = {}) {
    this.root = root;
    // stat, cgroup and loadavg are each one seq_file record (single_open in fs/proc).
    this.kept = new KeptFiles(root, { oneRecord: () => true });
    this.revalidateEvery = opts.revalidateEvery ?? 10;
  }

  private opts: ScanOptions = {};
  /** Something grouping reads differed from the previous scan (see ProcessScan.changed). */
  private changed = true;
  /** Per pid, what grouping reads of stat, from the previous scan. */
  private identity = new Map<number, string>();
  /** Per pid, the cgroup lines of the previous scan (the same object while unchanged). */
  private lastCgroups = new Map<number, readonly CgroupLine[] | null>();
  /** The previous scan (with what complete() added), its /proc listing and last allocated pid. */
  private last: { scan: ProcessScan; byPid: Map<number, Process>; listing: readonly string[]; lastPid: string | null } | null = null;

  scan(opts: ScanOptions = {}): ProcessScan {
    this.opts = opts;
    this.fullPass = this.scans++ % this.revalidateEvery === 0;
    const listing = listProc(this.root);
    const lastPid = this.lastAllocatedPid();
    const quiet = this.fullPass ? null : this.quietScan(listing, lastPid);
    if (quiet) return quiet;
    const busy = this.fullPass ? null : this.busyScan(listing, lastPid);
    if (busy) return busy;
    const stats: ScanStats = { vanished: 0, partial: 0, hidden: {} };
    const malformed: Gap[] = [];
    const processes: Process[] = [];
    const nextCache = new Map<number, Stable>();
    const nextIdentity = new Map<number, string>();
    const nextCgroups = new Map<number, readonly CgroupLine[] | null>();
    let changed = this.changed;
    for (const name of listing) {
      if (!isPidName(name)) continue;
      const pid = Number(name);
      const p = this.readProcess(pid, nextCache, malformed);
      if (p === 'gone') {
        stats.vanished++;
        changed = true;
        continue;
      }
      // Stable and cgroup lines are the same objects when nothing was re-parsed. Exiting leaves a
      // container (grouping skips zombies) without changing anything else grouping reads.
      const id = groupingIdentity(nextCache.get(pid)?.key ?? '', p);
      nextIdentity.set(pid, id);
      if (!changed && (this.identity.get(pid) !== id || this.cache.get(pid) !== nextCache.get(pid) || p.cgroups !== this.lastCgroups.get(pid))) changed = true;
      nextCgroups.set(pid, p.cgroups);
      count(stats, p);
      processes.push(p);
    }
    if (nextIdentity.size !== this.identity.size) changed = true;
    this.cache = nextCache;
    this.identity = nextIdentity;
    this.lastCgroups = nextCgroups;
    this.changed = false;
    this.kept.sweep();
    if (this.fullPass) this.cgroupParses.forgetUnseen();
    const result = { processes, stats, malformed, changed, sampled: null, noExit: false };
    this.last = { scan: result, byPid: new Map(processes.map((p) => [p.pid, p])), listing, lastPid };
    return result;
  }

  /** Close the descriptors kept between scans. */
  close(): void {
    this.kept.closeAll();
  }

  /** /proc/loadavg's last field: moves with every pid the kernel allocates (fork, clone). */
  private lastAllocatedPid(): string | null {
    const r = this.kept.readText('/proc/loadavg');
    return r.ok ? (r.value.trim().split(' ').at(-1) ?? null) : null;
  }

  /** The previous scan again when nothing was born or died since (see the file header), or null. */
  private quietScan(listing: readonly string[], lastPid: string | null): ProcessScan | null {
    const last = this.last;
    if (!last || lastPid === null || lastPid !== last.lastPid || listing.length !== last.listing.length) return null;
    for (let i = 0; i < listing.length; i++) if (listing[i] !== last.listing[i]) return null;
    const fresh = this.opts.fresh ?? new Set<number>();
    const processes: Process[] = [];
    const sampled = new Set<number>();
    for (const old of last.byPid.values()) {
      if (!fresh.has(old.pid)) {
        processes.push(old);
        continue;
      }
      const probe = new Map<number, Stable>();
      const p = this.readProcess(old.pid, probe, []);
      // Gone, exited or exec'd since (its static data was read afresh): not quiet after all.
      if (p === 'gone' || hasExited(p) !== hasExited(old) || probe.get(old.pid) !== this.cache.get(old.pid)) return null;
      processes.push(p);
      sampled.add(old.pid);
      // A normal scan follows if a later one fails, and replaces `last` whole.
      last.byPid.set(old.pid, p);
    }
    const result = { ...last.scan, processes, changed: this.changed, sampled, noExit: true };
    this.changed = false;
    this.last = { ...last, scan: result };
    return result;
  }

  /**
   * After forks and exits elsewhere: the previous scan with the pids new to the listing, those the
   * kernel may have allocated again since (see the file header) and the fresh ones read, and the
   * pids gone from the listing dropped; null when that cannot be decided (a full scan follows).
   */
  private busyScan(listing: readonly string[], lastPid: string | null): ProcessScan | null {
    const last = this.last;
    if (!last || last.lastPid === null || lastPid === null || this.root.kind !== 'live' || this.root.dir !== '/') return null;
    const before = Number(last.lastPid);
    const now = Number(lastPid);
    if (!Number.isSafeInteger(before) || !Number.isSafeInteger(now)) return null;
    // Allocated since the previous scan: (before, now], wrapping past pid_max.
    const allocated = (pid: number): boolean => (before <= now ? pid > before && pid <= now : pid > before || pid <= now);
    const fresh = this.opts.fresh ?? new Set<number>();
    const stats: ScanStats = { vanished: 0, partial: 0, hidden: {} };
    const malformed: Gap[] = [];
    const processes: Process[] = [];
    const sampled = new Set<number>();
    const byPid = new Map<number, Process>();
    let changed = this.changed;
    // A pid allocated since may have been a process that was born and has exited already (an
    // OOM-killed one among them): only an allocator that has not moved rules that out.
    let noExit = before === now;
    for (const name of listing) {
      if (!isPidName(name)) continue;
      const pid = Number(name);
      const old = last.byPid.get(pid);
      if (old !== undefined && !allocated(pid) && !fresh.has(pid)) {
        byPid.set(pid, old);
        count(stats, old);
        processes.push(old);
        continue;
      }
      const probe = new Map<number, Stable>();
      const p = this.readProcess(pid, probe, malformed);
      if (p === 'gone') {
        stats.vanished++;
        continue;
      }
      const stable = probe.get(pid) as Stable;
      const id = groupingIdentity(stable.key, p);
      if (old === undefined || this.identity.get(pid) !== id || this.cache.get(pid) !== stable || p.cgroups !== this.lastCgroups.get(pid)) changed = true;
      if (old !== undefined && (old.starttimeTicks !== p.starttimeTicks || hasExited(p) !== hasExited(old))) noExit = false;
      this.cache.set(pid, stable);
      this.identity.set(pid, id);
      this.lastCgroups.set(pid, p.cgroups);
      sampled.add(pid);
      byPid.set(pid, p);
      count(stats, p);
      processes.push(p);
    }
    for (const pid of last.byPid.keys()) {
      if (byPid.has(pid)) continue;
      this.cache.delete(pid);
      this.identity.delete(pid);
      this.lastCgroups.delete(pid);
      noExit = false;
      changed = true;
    }
    this.changed = false;
    const result = { processes, stats, malformed, changed, sampled, noExit };
    this.last = { scan: result, byPid, listing, lastPid };
    return result;
  }

  private readProcess(pid: number, nextCache: Map<number, Stable>, malformed: Gap[]): Process | 'gone' {
    const dir = `/proc/${pid}`;
    const stat = readStat(this.kept, dir, malformed);
    if (stat === 'gone') return 'gone';
    const key = stableKey(stat);
    const gaps: Gap[] = [];
    let stable = this.cache.get(pid);
    const known = stable !== undefined && stable.key === key;
    if (!stable || stable.key !== key || (!stable.full && !this.opts.lean)) {
      const s = readStable(this.root, dir, key, malformed, !this.opts.lean || needsArgv(stat.comm), this.opts.childNamespaces === true);
      if (s === 'gone') return 'gone';
      stable = s;
    }
    nextCache.set(pid, stable);
    gaps.push(...stable.gaps);

    if (known && !this.fullPass && stable.cgroups) return toProcess(pid, stat, stable, stable.cgroups, gaps);
    let cgroups: CgroupLine[] | null = null;
    const text = this.kept.readText(`${dir}/cgroup`);
    const cg = text.ok && text.value === stable.cgroupText && stable.cgroups ? { ok: true as const, value: stable.cgroups } : this.cgroupParses.parse(dir, text);
    if (cg.ok) {
      cgroups = cg.value;
      if (text.ok) {
        stable.cgroupText = text.value;
        stable.cgroups = cg.value;
      }
    } else {
      if (isGone(this.root, dir, cg.gap)) return 'gone';
      if (cg.gap.reason === 'malformed') malformed.push(cg.gap);
      gaps.push(cg.gap);
    }
    return toProcess(pid, stat, stable, cgroups, gaps);
  }

  /**
   * Processes with status and cmdline read for the given pids (after a lean scan). A process that
   * exited since the scan keeps its lean fields, with a 'gone' gap. What is read is kept.
   */
  complete(processes: readonly Process[], pids: ReadonlySet<number>, malformed: Gap[] = []): Process[] {
    return processes.map((p) => {
      if (!pids.has(p.pid)) return p;
      const cached = this.cache.get(p.pid);
      if (cached?.full) return p;
      const dir = `/proc/${p.pid}`;
      const extra = readDetail(this.root, dir, malformed);
      if (extra === 'gone') return { ...p, gaps: [...p.gaps, { path: dir, reason: 'gone' as const }] };
      const stable: Stable = {
        key: cached?.key ?? '',
        namespaces: p.namespaces,
        gaps: [...(cached?.gaps ?? []), ...extra.gaps],
        cmdline: extra.cmdline,
        status: extra.status,
        full: true,
        // The cgroup lines stay the same object while their text is unchanged (ProcessScan.changed).
        ...(cached?.cgroupText !== undefined ? { cgroupText: cached.cgroupText } : {}),
        ...(cached?.cgroups !== undefined ? { cgroups: cached.cgroups } : {}),
      };
      this.cache.set(p.pid, stable);
      this.changed = true;
      const completed = toProcess(p.pid, statOf(p), stable, p.cgroups, [...p.gaps, ...extra.gaps]);
      // A quiet next scan returns the previous processes: these, with what was just read.
      if (this.last?.byPid.get(p.pid) === p) this.last.byPid.set(p.pid, completed);
      return completed;
    });
  }
}

function listProc(root: HostRoot): readonly string[] {
  const listing = root.readDir('/proc');
  if (!listing.ok) throw new Error(`cannot list /proc: ${listing.gap.reason} (${listing.gap.detail ?? ''})`);
  return listing.value;
}

const isPidName = (name: string): boolean => name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57 && /^\d+$/.test(name);

function count(stats: ScanStats, p: Process): void {
  if (p.gaps.length === 0) return;
  stats.partial++;
  for (const r of new Set(p.gaps.map((g) => g.reason))) stats.hidden[r] = (stats.hidden[r] ?? 0) + 1;
}

/**
 * stat of a process; 'gone' without it (stat is world-readable: absent means the pid is gone). A
 * zombie is kept: it still counts in its pid namespace; reconstruction leaves it out of containers.
 */
function readStat(root: HostRoot, dir: string, malformed: Gap[]): PidStat | 'gone' {
  const r = readParsed(root, `${dir}/stat`, parsePidStat);
  if (r.ok) return r.value;
  if (r.gap.reason === 'malformed') malformed.push(r.gap);
  return 'gone';
}

/**
 * What identifies a process's static data: its start time and comm (an exec changes comm). A
 * kernel thread never execs, and a workqueue worker's comm names the work it runs now
 * ("kworker/0:2-events", since Linux 4.14): its comm is no identity.
 */
const stableKey = (stat: PidStat): string => (stat.kernelThread ? `${stat.starttimeTicks}:kthread` : `${stat.starttimeTicks}:${stat.comm}`);

/** The stat fields of a Process, to rebuild it with more read. */
const statOf = (p: Process): PidStat => ({ pid: p.pid, ppid: p.ppid, kernelThread: p.kernelThread, comm: p.comm, state: p.state, starttimeTicks: p.starttimeTicks, utimeTicks: p.utimeTicks, stimeTicks: p.stimeTicks, rssPages: p.rssPages, numThreads: p.threads });

function toProcess(pid: number, stat: PidStat, stable: Stable, cgroups: readonly CgroupLine[] | null, gaps: Gap[]): Process {
  const st = stable.status;
  return {
    pid,
    ppid: stat.ppid,
    kernelThread: stat.kernelThread,
    comm: stat.comm,
    state: stat.state,
    starttimeTicks: stat.starttimeTicks,
    utimeTicks: stat.utimeTicks,
    stimeTicks: stat.stimeTicks,
    rssPages: stat.rssPages,
    vmRssKiB: st?.vmRssKiB ?? null,
    threads: stat.numThreads,
    cmdline: stable.cmdline,
    nspid: st?.nspid ?? null,
    uids: st?.uids ?? null,
    gids: st?.gids ?? null,
    capEff: st?.capEff ?? null,
    capPrm: st?.capPrm ?? null,
    capBnd: st?.capBnd ?? null,
    seccomp: st?.seccomp ?? null,
    seccompFilters: st?.seccompFilters ?? null,
    noNewPrivs: st?.noNewPrivs ?? null,
    namespaces: stable.namespaces,
    cgroups,
    gaps,
  };
}

function readStable(root: HostRoot, dir: string, key: string, malformed: Gap[], full: boolean, childNamespaces: boolean): Stable | 'gone' {
  const detail = full ? readDetail(root, dir, malformed) : { status: null, cmdline: null, gaps: [] };
  if (detail === 'gone') return 'gone';
  const { status, cmdline } = detail;
  const gaps: Gap[] = [...detail.gaps];
  const namespaces: Record<string, number> = {};
  for (const link of childNamespaces ? NS_LINKS : NS_TYPES) {
    const r = root.readLink(`${dir}/ns/${link}`);
    if (!r.ok) {
      // Older kernels lack time/cgroup; *_for_children is unreadable until a child exists in
      // a fresh namespace. Only a denial or a vanished process is worth reporting.
      if (r.gap.reason === 'denied') gaps.push(r.gap);
      else if (r.gap.reason !== 'absent' && isGone(root, dir, r.gap)) return 'gone';
      continue;
    }
    try {
      namespaces[link] = parseNsInode(r.value);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      const g: Gap = { path: `${dir}/ns/${link}`, reason: 'malformed', detail: err.message };
      malformed.push(g);
      gaps.push(g);
    }
  }
  if (namespaces['pid'] === undefined && gaps.length === 0 && !root.readDir(dir).ok) return 'gone';
  return { key, cmdline, status, namespaces, gaps, full };
}

/** status and cmdline of one process (null where unreadable, or not asked for in `what`). */
function readDetail(root: HostRoot, dir: string, malformed: Gap[], what: { readonly status: boolean; readonly argv: boolean } = BOTH): { status: PidStatus | null; cmdline: string[] | null; gaps: Gap[] } | 'gone' {
  const gaps: Gap[] = [];
  let status: PidStatus | null = null;
  if (what.status) {
    const statusRead = readParsed(root, `${dir}/status`, parsePidStatus);
    if (statusRead.ok) status = statusRead.value;
    else {
      if (isGone(root, dir, statusRead.gap)) return 'gone';
      if (statusRead.gap.reason === 'malformed') malformed.push(statusRead.gap);
      gaps.push(statusRead.gap);
    }
  }
  if (!what.argv) return { status, cmdline: null, gaps };
  // As text: the utf8 fast path reads a size-0 procfs file in one call, where reading bytes
  // stats and grows buffers (a third of the scan's cmdline cost on 1300 processes). Decoding is
  // the same as parseCmdline's own toString('utf8'), NULs included.
  const cmd = root.readText(`${dir}/cmdline`);
  let cmdline: string[] | null = null;
  if (cmd.ok) cmdline = parseCmdline(cmd.value);
  else {
    if (isGone(root, dir, cmd.gap)) return 'gone';
    gaps.push(cmd.gap);
  }
  return { status, cmdline, gaps };
}

const BOTH = Object.freeze({ status: true, argv: true });

/** ENOENT/ESRCH below /proc/<pid> means the process went away if its directory did too. */
function isGone(root: HostRoot, dir: string, g: Gap): boolean {
  if (g.reason === 'gone') return true;
  if (g.reason !== 'absent' && g.reason !== 'failed') return false;
  return !root.readText(`${dir}/stat`).ok;
}
