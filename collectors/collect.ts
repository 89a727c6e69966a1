/**
 * One collection pass over a host root: processes, the host's own namespaces, the cgroup layout,
 * runtime state files and engine metadata. Returns a HostSnapshot; the model decides the rest.
 */
import type { EngineMetadata } from '../src/model/container.js';
import { derivePageSize, type HostSnapshot } from '../src/model/host.js';
import { INITIAL_NS_INODES, NS_LINKS, type NsSet } from '../src/model/namespace.js';
import type { Process } from '../src/model/process.js';
import { groupContainers, groupingHolds, initCandidatePids, memberPids, metadataRequests, sameModelInputs, undecidedInitPids, type ReconstructInput } from '../src/model/reconstruct.js';
import { deriveCgroupLayout, type CgroupLayout } from './cgroupfs/layout.js';
import { collectRuntimeStates, readEngineMetadata } from './engines/readers.js';
import { readParsed, type HostRoot } from './host-root.js';
import type { MountWatch } from './mount-watch.js';
import { parseMountInfo, type MountInfoEntry } from './procfs/mountinfo.js';
import { nsInode } from './namespaces.js';
import { parseAuxvPageSize } from './procfs/auxv.js';
import { parseWith, type Gap } from './read.js';
import { completeProcesses, scanAround, scanProcesses, type IncrementalScanner } from './processes.js';

export interface CollectOptions {
  readonly nowMs: number;
  /** Reuse per-process static data across calls (top). */
  readonly scanner?: IncrementalScanner;
  /**
   * Read status and argv of every process (inspect, snapshot: any pid can be asked about), not
   * only of container members and monitors.
   */
  readonly everyProcess?: boolean;
  /**
   * Without everyProcess: read status and argv of each container's candidates for its first
   * process (and of monitors) only, not of every member (initCandidatePids): `ns` and the `ps`
   * table show no member's own status. 'undecided': only where a container has more than one
   * such candidate (undecidedInitPids): `inspect`, which reads the members of the container it
   * reports (and of that container's pod) afterwards and shows no other container's command.
   */
  readonly initsOnly?: boolean | 'undecided';
  /**
   * Without everyProcess and initsOnly, false: read every member's status but the argv of each
   * container's candidates for its first process (and of monitors) only: its command is the only
   * argv `ps --json` shows. A one-shot collection only: a repeated scanner reads both for every
   * member, and keeps them (top shows each member's command).
   */
  readonly membersArgv?: boolean;
  /** Read pid_for_children/time_for_children too (the namespace inventory's pins). */
  readonly childNamespaces?: boolean;
  /** What a repeated collector (top) carries from one refresh to the next; see RefreshCache. */
  readonly cache?: RefreshCache;
  /** With `scanner`: processes whose counters are read even on a quiet host (ScanOptions.fresh). */
  readonly fresh?: ReadonlySet<number>;
  /**
   * A host pid: read only the processes that may belong with it (scanAround), where its
   * namespaces tell them; the snapshot then says so (HostSnapshot.around). Not with `scanner`.
   */
  readonly around?: number;
}

/**
 * Work top does not redo every refresh. The owner (top's frame source) decides how long each
 * entry lives: every few refreshes it sets `rereadMetadata`, so that what no cheap signal reports
 * (an engine's metadata file rewritten by a rename) shows within that bound, and clears
 * rootDiffers as well when it has no mount watch.
 */
export interface RefreshCache {
  /** The cgroup layout, read once: where the hierarchies are mounted does not change under top. */
  layout?: { layout: CgroupLayout; gap: Gap | null };
  /** Read once too: the host's namespaces (pid 1's), top's own, the boot time, the page size. */
  fixed?: { host: { ns: NsSet; source: string }; readerNs: NsSet | null; bootTimeSec: number | null; pageSizeBytes: number | null };
  /**
   * Per mount namespace inode: does its `/` differ from the host's (collectRootDiffers), so a
   * namespace's mountinfo is read once, not every refresh. A namespace's `/` changes while its
   * container is set up (pivot_root before the exec); with `mounts`, the kernel says which
   * namespaces' mount tables changed and only their entries are dropped, otherwise the owner's
   * periodic clear is the bound. A decision also holds only while the process it was read
   * through is there unchanged: a chroot moves no mount, and the chrooted command's exec (or the
   * process's exit) is what shows it.
   */
  readonly rootDiffers: Map<number, RootDecision>;
  /** The kernel's change signal for mount namespaces (poll on kept mountinfo descriptors); null where it cannot be had. */
  readonly mounts?: MountWatch | null;
  /**
   * The previous refresh's snapshot: when the scan reports no change and the host namespaces,
   * root decisions and runtime state files are the same, its grouping and engine metadata are
   * reused instead of recomputed and re-read.
   */
  previous: HostSnapshot | null;
  /**
   * Read the engines' metadata again even when the grouping is reused. When it reads the same,
   * the previous metadata object is kept, so a model built on it still holds.
   */
  rereadMetadata?: boolean;
}

/** Whether a mount namespace's `/` differs from the host's, and the process it was read through. */
export interface RootDecision {
  readonly differs: boolean;
  readonly pid: number;
  readonly starttimeTicks: number;
  readonly comm: string;
}

export function readNsSet(root: HostRoot, pid: number | 'self'): Record<string, number> {
  const out: Record<string, number> = {};
  // A malformed link in a sample is left out here: the process scan reports it.
  for (const link of NS_LINKS) {
    const inode = nsInode(root, pid, link);
    if (inode !== null) out[link] = inode;
  }
  return out;
}

/**
 * The host's own namespaces: those of pid 1 of the host pid namespace. Where pid 1's links are
 * unreadable (a non-dumpable init: EACCES even for root, as on firecracker VMs), the kernel
 * threads stand in: kthreadd (pid 2) and its children always live in the initial namespaces.
 * Where theirs are unreadable too (not root: another user's links are not ours to read), a link
 * of our own that reads the kernel's number for an initial namespace (INITIAL_NS_INODES) names
 * the host's namespace of that type; a type ours does not show stays unknown.
 */
export function readHostNs(root: HostRoot): { ns: NsSet; source: string } {
  const ns = readNsSet(root, 1);
  const missing = NS_LINKS.filter((l) => ns[l] === undefined);
  if (missing.length === 0) return { ns, source: '/proc/1/ns' };
  const sources = missing.length < NS_LINKS.length ? ['/proc/1/ns'] : [];
  let still = missing;
  const comm = root.readText('/proc/2/comm');
  if (comm.ok && comm.value.trim() === 'kthreadd') {
    const kthread = readNsSet(root, 2);
    for (const l of missing) if (kthread[l] !== undefined) ns[l] = kthread[l];
    still = missing.filter((l) => ns[l] === undefined);
    if (still.length < missing.length) sources.push('/proc/2/ns (kthreadd)');
  }
  // A recording's /proc/self is its recorder's, which read the host as this reading replays it.
  if (still.length > 0) {
    const own = readNsSet(root, 'self');
    const initial = still.filter((l) => own[l] === INITIAL_NS_INODES[l]);
    for (const l of initial) ns[l] = INITIAL_NS_INODES[l];
    if (initial.length > 0) sources.push(`the kernel's initial namespaces (${initial.join(', ')}: ours)`);
  }
  return { ns, source: sources.length > 0 ? sources.join(' + ') : '/proc/1/ns' };
}

/**
 * The mountinfo that describes where the host's cgroups are mounted. Live at `/`: our own, since
 * we read /sys through our mounts. A host tree elsewhere: the host init's (pid 1), whose mount
 * points are the host's; a recorded tree keeps whichever the recorder read.
 */
export function readLayoutMountInfo(root: HostRoot): { entries: MountInfoEntry[]; path: string } | { gap: Gap } {
  const order = root.dir === '/' ? ['self', '1'] : root.kind === 'recorded' ? ['self', '1'] : ['1'];
  let last: Gap | null = null;
  for (const who of order) {
    const path = `/proc/${who}/mountinfo`;
    const r = readParsed(root, path, parseMountInfo);
    if (r.ok) return { entries: r.value, path };
    last = r.gap;
    if (r.gap.reason === 'malformed') break;
  }
  return { gap: last as Gap };
}

export function readCgroupLayout(root: HostRoot): { layout: CgroupLayout; gap: Gap | null } {
  const mi = readLayoutMountInfo(root);
  if ('gap' in mi) return { layout: { mode: null, mounts: [] }, gap: mi.gap };
  return { layout: deriveCgroupLayout(mi.entries), gap: null };
}

function rootMount(entries: readonly MountInfoEntry[]): MountInfoEntry | undefined {
  // Mounts stack; the last "/" entry is the visible one.
  let found: MountInfoEntry | undefined;
  for (const e of entries) if (e.mountPoint === '/') found = e;
  return found;
}

const sameMount = (a: MountInfoEntry, b: MountInfoEntry): boolean =>
  a.major === b.major && a.minor === b.minor && a.root === b.root && a.fsType === b.fsType;

/**
 * For each private mount namespace of a process no engine cgroup claims: is its `/` a different
 * filesystem (or directory of one) than the host's `/`? One mountinfo read per namespace; with a
 * cache and a mount watch, again only when the watch says the namespace's mounts changed.
 */
function collectRootDiffers(root: HostRoot, processes: readonly Process[], hostNs: NsSet, gaps: Gap[], cache?: Map<number, RootDecision>, watch?: MountWatch | null): Map<number, boolean> {
  const out = new Map<number, boolean>();
  if (cache && watch) for (const ns of watch.changed()) cache.delete(ns);
  let byPid: Map<number, Process> | null = null;
  const processOf = (pid: number): Process | undefined => (byPid ??= new Map(processes.map((p) => [p.pid, p]))).get(pid);
  // The host's mountinfo is read when some namespace needs a decision (always, for one scan).
  let hostRoot: MountInfoEntry | undefined | null = null;
  const readHostRoot = (): boolean => {
    const host = readParsed(root, '/proc/1/mountinfo', parseMountInfo);
    if (!host.ok) gaps.push(host.gap);
    else hostRoot = rootMount(host.value);
    return host.ok && hostRoot !== undefined;
  };
  if (!cache && !readHostRoot()) return out;
  // A mount namespace that holds a process with a private pid namespace is already a container
  // by the pid+mnt rule; a host-pid process in it (the `unshare --fork` parent, an `nsenter -m`)
  // joins that container or is a partial member of it, so its root needs no read. Skipping these
  // also keeps the answer from depending on which process of the namespace has the lowest pid.
  const tried = new Set<number>();
  for (const p of processes) if (p.namespaces.mnt !== undefined && p.namespaces.pid !== undefined && p.namespaces.pid !== hostNs.pid) tried.add(p.namespaces.mnt);
  for (const p of processes) {
    const mnt = p.namespaces.mnt;
    if (mnt === undefined || mnt === hostNs.mnt || tried.has(mnt)) continue;
    const known = cache?.get(mnt);
    if (known !== undefined) {
      const by = processOf(known.pid);
      if (by?.starttimeTicks === known.starttimeTicks && by.comm === known.comm) {
        tried.add(mnt);
        out.set(mnt, known.differs);
        continue;
      }
      // Read through a process that exited or exec'd (perhaps after a chroot): decide again,
      // through a fresh open, which fixes the root the mounts are shown against.
      cache?.delete(mnt);
      watch?.forget(mnt);
    }
    if (hostRoot === null && !readHostRoot()) return out;
    if (!hostRoot) return out;
    const path = `/proc/${p.pid}/mountinfo`;
    const r = watch ? parseWith(path, watch.read(mnt, p.pid), parseMountInfo) : readParsed(root, path, parseMountInfo);
    if (!r.ok) {
      if (r.gap.reason !== 'absent' && r.gap.reason !== 'gone') gaps.push(r.gap);
      continue;
    }
    tried.add(mnt);
    const rm = rootMount(r.value);
    // No "/" entry at all: the process is chrooted below a mount point (`unshare --mount
    // --root DIR`, chroot(2)), and the kernel omits every mount outside its root from mountinfo
    // (fs/proc_namespace.c show_mountinfo skips paths seq_path_root cannot reach). Its root is
    // then a directory inside a host filesystem, not the host's `/`.
    out.set(mnt, rm === undefined || !sameMount(rm, hostRoot));
    // Without a watch an entry lives until the owner's periodic clear; a namespace the watch
    // could not take (past its bound) is read again every refresh instead.
    if (!watch || watch.watching(mnt)) cache?.set(mnt, { differs: out.get(mnt) as boolean, pid: p.pid, starttimeTicks: p.starttimeTicks, comm: p.comm });
  }
  if (cache) for (const ns of cache.keys()) if (!out.has(ns)) cache.delete(ns);
  watch?.retain(new Set(out.keys()));
  return out;
}

function firstLine(root: HostRoot, path: string): string | null {
  const r = root.readText(path);
  return r.ok ? (r.value.split('\n')[0]?.trim() ?? null) : null;
}

const sameNs = (a: NsSet, b: NsSet): boolean => NS_LINKS.every((l) => a[l] === b[l]);

function sameMetadata(a: ReadonlyMap<string, EngineMetadata>, b: ReadonlyMap<string, EngineMetadata>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (JSON.stringify(v) !== JSON.stringify(b.get(k))) return false;
  return true;
}

/** The grouping inputs other than the processes are those of the previous snapshot. */
function sameInputs(prev: HostSnapshot, cur: Omit<ReconstructInput, 'processes'>): boolean {
  if (prev.cgroupMode !== cur.cgroupMode || !sameNs(prev.hostNs, cur.hostNs) || prev.rootDiffers.size !== cur.rootDiffers.size) return false;
  for (const [k, v] of cur.rootDiffers) if (prev.rootDiffers.get(k) !== v) return false;
  return JSON.stringify(prev.runtimeStates) === JSON.stringify(cur.runtimeStates);
}

/** What stays the same while the host runs: its namespaces, the reader's, the boot time, the page size. */
function readFixed(root: HostRoot): NonNullable<RefreshCache['fixed']> {
  const btime = readParsed(root, '/proc/stat', (t) => {
    const m = /^btime (\d+)$/m.exec(t);
    return m ? Number(m[1]) : null;
  });
  return { host: readHostNs(root), readerNs: root.dir === '/' ? readNsSet(root, 'self') : null, bootTimeSec: btime.ok ? btime.value : null, pageSizeBytes: readPageSize(root) };
}

/**
 * The kernel's page size, as it told the reading process at exec (a recording keeps the
 * recorder's); null where unreadable (an older recording: then derived from the processes).
 */
function readPageSize(root: HostRoot): number | null {
  const page = parseWith('/proc/self/auxv', root.readBytes('/proc/self/auxv'), parseAuxvPageSize);
  return page.ok ? page.value : null;
}

export function collectSnapshot(root: HostRoot, opts: CollectOptions): HostSnapshot {
  const gaps: Gap[] = [];
  const scanner = opts.scanner;
  const scanOpts = { lean: opts.everyProcess !== true, childNamespaces: opts.childNamespaces === true, ...(opts.fresh ? { fresh: opts.fresh } : {}) };
  const cache = opts.cache;
  const { host, readerNs, bootTimeSec, pageSizeBytes } = cache ? (cache.fixed ??= readFixed(root)) : readFixed(root);
  const hostNs = host.ns;
  // cgroup.procs and a monitor's children name pids as the reader's pid namespace sees them:
  // the host's, for a live `/` read from the host's pid namespace and for a recording of one.
  const hostPids = root.kind === 'recorded' || (readerNs !== null && readerNs.pid === hostNs.pid);
  const around = opts.around !== undefined && !scanner && hostPids ? scanAround(root, opts.around, hostNs) : null;
  const scan = around?.scan ?? (scanner ? scanner.scan(scanOpts) : scanProcesses(root, scanOpts));
  const { layout, gap } = cache ? (cache.layout ??= readCgroupLayout(root)) : readCgroupLayout(root);
  if (gap) gaps.push(gap);
  const rootDiffers = collectRootDiffers(root, scan.processes, hostNs, gaps, cache?.rootDiffers, cache?.mounts);
  const rs = collectRuntimeStates(root);
  gaps.push(...rs.gaps);
  const first = { processes: scan.processes, hostNs, rootDiffers, runtimeStates: rs.states, cgroupMode: layout.mode };
  const prev = cache?.previous ?? null;
  const kept = prev?.grouping !== undefined && sameInputs(prev, first) ? { ...prev, grouping: prev.grouping } : null;
  // Processes born or gone outside every container (most hosts fork every second) group into the
  // same containers: the previous grouping, metadata and the model built on them still hold. When
  // every such process is one no grouping rule takes up, nothing is grouped again; otherwise the
  // new grouping is compared with the previous one.
  let same = kept !== null && (!scan.changed || groupingHolds(kept.grouping, kept.processes, scan.processes, first));
  let grouping = kept !== null && same ? kept.grouping : groupContainers(first);
  if (kept !== null && !same && sameModelInputs(kept, { grouping, processes: scan.processes }, hostNs)) {
    grouping = kept.grouping;
    same = true;
  }
  let metadata = same && kept !== null && !cache?.rereadMetadata ? kept.metadata : readEngineMetadata(root, metadataRequests(grouping, scan.processes), scan.processes, rs.states, gaps);
  if (same && kept !== null && metadata !== kept.metadata && sameMetadata(kept.metadata, metadata)) metadata = kept.metadata;
  // Members' status (NSpid, uids, caps) and argv, for the model; a lean scan read them for none.
  const members = opts.everyProcess === true || around ? null : opts.initsOnly === 'undecided' ? undecidedInitPids(grouping, scan.processes) : opts.initsOnly === true ? initCandidatePids(grouping, scan.processes) : memberPids(grouping);
  // Argv of those pids, or (membersArgv false) of the first-process candidates among them only.
  const argvOf = (pids: ReadonlySet<number>): ReadonlySet<number> => (opts.membersArgv === false && !opts.initsOnly ? initCandidatePids(grouping, scan.processes) : pids);
  const processes = members === null ? scan.processes : scanner ? scanner.complete(scan.processes, members, scan.malformed) : completeProcesses(root, scan.processes, members, scan.malformed, argvOf(members));
  return {
    takenAtMs: opts.nowMs,
    root: { kind: root.kind, dir: root.dir },
    hostname: firstLine(root, '/proc/sys/kernel/hostname'),
    kernel: firstLine(root, '/proc/sys/kernel/osrelease'),
    // USER_HZ is 100 on every architecture Linux exports to userspace through /proc (the kernel
    // scales jiffies to USER_HZ in proc; see procfs's userHZ comment); samples may override.
    clockTicksPerSec: 100,
    pageSizeBytes: pageSizeBytes ?? derivePageSize(processes),
    bootTimeSec,
    cgroupMode: layout.mode,
    hostNs,
    hostNsSource: host.source,
    readerNs,
    processes,
    ...(scan.sampled ? { sampled: scan.sampled } : {}),
    ...(scan.noExit ? { noExit: true as const } : {}),
    grouping,
    rootDiffers,
    runtimeStates: rs.states,
    metadata,
    stats: scan.stats,
    malformed: scan.malformed,
    gaps,
    ...(around ? { around: { seed: around.seed, unread: around.unread } } : {}),
  };
}
