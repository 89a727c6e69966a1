/**
 * Container events, as they happen: kernel signals trigger observations, and each observation
 * is diffed against the previous one (src/model/events.ts). No timer polls the host while a
 * kernel signal is there to listen to; when one is missing (not root, the inotify watch limit)
 * the source says so once through onWarning and re-observes on a slow timer for what it lacks.
 *
 *   const source = createEventSource(root, { onWarning });
 *   const unsubscribe = source.subscribe((event) => ...);   // src/model/events.ts ContainerEvent
 *   source.start();          // the first observation is the baseline: no events for what runs already
 *   source.last              // the latest Observation, the one the last events were diffed into
 *   source.close();
 *
 * Signals and what they trigger:
 * - proc connector: an exec in namespaces that are a container's or not seen before (a start,
 *   a docker exec, an nsenter) -> observe; a container's init or last member exits -> observe,
 *   with its exit status kept for the exit event. Forks of members are tracked so a busy
 *   container's own children trigger nothing. The socket is read on a thread of its own
 *   (collectors/events/proc-watch.ts), which reads each exec'ing process's namespaces the moment
 *   its record arrives, and the whole process when they are new (a glimpse): when it has ended
 *   before any observation saw it, its container (a bare `sh -c 'exit 7'`) is built from that
 *   read and reported started and exited.
 * - inotify on the cgroup trees (v1 memory, freezer, cpu, pids, cpuset; v2 the unified tree): a
 *   cgroup created or removed -> observe; a container's limit, freezer or v2 events file
 *   modified -> observe and re-read that container's files (limits and freezer state are
 *   otherwise read at a slow cadence).
 * - v1 memory OOM eventfds, one per container memory cgroup -> an `oom` event.
 * - /dev/kmsg -> OOM kill victims (pid, command, memory cgroup).
 * - pidfds of container inits, only when the proc connector is unavailable: an exit without its
 *   status.
 * Signals arriving together are coalesced into one observation (COALESCE_MS).
 */
import { readCgroupLayout, readHostNs } from '../../collectors/collect.js';
import { readEngineMetadata } from '../../collectors/engines/readers.js';
import { IN_CREATE, IN_DELETE, IN_IGNORED, IN_ISDIR, IN_MODIFY, IN_ONLYDIR, openInotify, type Inotify } from '../../collectors/events/inotify.js';
import { readFd } from '../../collectors/events/kernel-io.js';
import { openKernelLog, parseOomKills, type KernelLog } from '../../collectors/events/kmsg.js';
import { createPoller, isHangup, type FdPoller } from '../../collectors/events/poller.js';
import { openProcConnector, type ProcConnector } from '../../collectors/events/proc-connector.js';
import type { ProcBatch, ReadProcEvent } from '../../collectors/events/proc-reader.js';
import { nsInode } from '../../collectors/namespaces.js';
import { watchProcConnector, type ProcWatch } from '../../collectors/events/proc-watch.js';
import { pidfdOpen, closeFd } from '../../collectors/events/kernel-io.js';
import { registerOomNotifier, type OomNotifier } from '../../collectors/events/v1-oom.js';
import type { HostRoot } from '../../collectors/host-root.js';
import { readProcess } from '../../collectors/processes.js';
import type { Gap } from '../../collectors/read.js';
import { briefEvents, diffFrames, isCreating, type ContainerEvent, type EventFrame, type EventSignal, type LoggedOomKill, type ProcessExit } from '../model/events.js';
import type { Container } from '../model/container.js';
import { buildHostModel } from '../model/host-model.js';
import { hasExited, type Process } from '../model/process.js';
import { containerKey, groupContainers, metadataRequests } from '../model/reconstruct.js';
import type { ContainerResources } from '../model/resources.js';
import type { Observation } from './observation.js';
import { createObserver, type Observer } from './observer.js';

/** Signals within this many milliseconds of the first make one observation. */
export const COALESCE_MS = 20;
/** Re-observation period for what no kernel signal covers (see the warnings). */
export const RESCAN_MS = 2000;
/** How long a container found gone waits for its init's exit record. */
const EXIT_WAIT_MS = 400;
/** Exit statuses are kept this long for the observation that sees their container gone. */
const EXIT_KEEP_MS = 30_000;

export type EventListener = (event: ContainerEvent) => void;

export interface EventSourceOptions {
  /** Effective uid; what needs root is not tried without it. */
  readonly euid: number | null;
  /** Wall clock, milliseconds. */
  readonly now?: () => number;
  /** Told once per missing signal, in words, with what is done instead. */
  readonly onWarning?: (message: string) => void;
  /** Told about each observation (benchmarks count them). */
  readonly onObservation?: (o: Observation, events: readonly ContainerEvent[]) => void;
}

export interface EventSource {
  subscribe(listener: EventListener): () => void;
  start(): void;
  /** The latest observation (null before start). */
  readonly last: Observation | null;
  /** What could not be watched, one line each (also given to onWarning). */
  readonly warnings: readonly string[];
  /** How many observations were made. */
  readonly observations: number;
  close(): void;
}

const NS_WATCHED = ['mnt', 'pid', 'net'] as const;
const WATCH_MASK = IN_CREATE | IN_DELETE | IN_MODIFY | IN_ONLYDIR;
/** Files written by engines when a container's limits or state change (and v2 files the kernel notifies). */
const STATE_FILE = /^(memory\.(limit_in_bytes|memsw\.limit_in_bytes|soft_limit_in_bytes|max|high|swap\.max|events)|cpu\.(cfs_quota_us|cfs_period_us|shares|max|weight)|cpuset\.cpus|pids\.max|freezer\.state|cgroup\.(freeze|events)|blkio\.throttle\..*|io\.max)$/;
const MEMBERSHIP_FILE = /^(cgroup\.procs|tasks)$/;
/** cgroupfs files (every name a controller's prefix, or a v1 core file): never a directory. */
const CGROUP_FILE = /^((cgroup|memory|cpu|cpuacct|cpuset|pids|freezer|blkio|io|devices|net_cls|net_prio|hugetlb|rdma|misc|perf_event|irq)\.[A-Za-z0-9_.]+|tasks|notify_on_release|release_agent)$/;

/**
 * What a modification of a container's cgroup file means: `kernel-events` for v2 cgroup.events
 * and memory.events (the kernel's own notifications: populated, frozen, oom, oom_kill), `state`
 * for a limit or freezer file an engine wrote (its files are read again), `membership` for a
 * process moved in (runc exec), null for anything else.
 */
export function cgroupFileChange(name: string): 'kernel-events' | 'state' | 'membership' | null {
  if (name === 'cgroup.events' || name === 'memory.events') return 'kernel-events';
  if (STATE_FILE.test(name)) return 'state';
  if (MEMBERSHIP_FILE.test(name)) return 'membership';
  return null;
}

export function createEventSource(root: HostRoot, options: EventSourceOptions): EventSource {
  const now = options.now ?? Date.now;
  const warn = (m: string): void => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  const warnings: string[] = [];
  const listeners = new Set<EventListener>();
  // Each container's cgroups are read when it is first seen and again only when a kernel signal
  // names it (a limit, freezer or events file written, an OOM notification) or the kernel log
  // is missing (then OOM kills are counted): between reads its last resources stand.
  let readNow = new Set<string>();
  let countKills = false;
  const carried = new Map<string, ContainerResources>();
  const observer: Observer = createObserver(root, {
    continuous: true,
    now,
    network: false,
    resources: (model) => model.containers.filter((c) => countKills || readNow.has(containerKey(c)) || !carried.has(containerKey(c))),
  });
  // Monotonic nanoseconds (CLOCK_MONOTONIC, as the proc connector's ktime_get_ns) to wall nanoseconds.
  const offsetNs = BigInt(Math.round(now())) * 1_000_000n - process.hrtime.bigint();
  const wallNs = (): bigint => process.hrtime.bigint() + offsetNs;

  let poller: FdPoller | null = null;
  let connector: ProcConnector | null = null;
  let procWatch: ProcWatch | null = null;
  let inotify: Inotify | null = null;
  let kmsg: KernelLog | null = null;
  let last: Observation | null = null;
  let frame: EventFrame | null = null;
  let observations = 0;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let rescan: NodeJS.Timeout | null = null;
  let trigger: EventSignal = 'rescan';
  const fresh = new Set<string>();
  /** Containers whose files the next observation reads in full, whatever triggers it. */
  const freshSoon = new Set<string>();
  let freshAll = false;

  // Kernel facts between two observations.
  const exits = new Map<number, ProcessExit & { keptUntil: number }>();
  const execs = new Map<number, bigint>();
  const starts = new Map<string, { pid: number; timeNano: bigint }>();
  /** Inits of containers being created, and pids that exec'd in them: their exits are kept. */
  const awaited = new Map<number, string>();
  const creating = new Set<string>();
  const oomNotified = new Map<string, bigint>();
  let oomKills: LoggedOomKill[] = [];
  /** Processes read when they exec'd in namespaces not seen before, until an observation sees them or their container ended unseen. */
  const glimpses = new Map<number, { process: Process; execNano: bigint; keptUntil: number }>();
  /**
   * Processes that joined a cgroup no container is known in (an engine's runtime moving its
   * init in), read when they joined, and their descendants (`moved` false): when a descendant
   * execs and ends before even its namespaces can be read, the cgroups still name its container.
   * The process moved in is the runtime's own first stage (runc's `runc init`, which execs and
   * exits 0 itself), never the container's command; its exit triggers an observation, which
   * finds the container being created.
   */
  const joiners = new Map<number, { process: Process; moved: boolean }>();

  // What the last observation knew, for the proc connector's filter.
  const hostNs = new Map<string, number>();
  const memberOf = new Map<number, string>();
  const remaining = new Map<string, number>();
  const inits = new Map<number, string>();
  /** Namespace inode -> the container whose it is (mnt, pid, net; not the host's). */
  const containerNs = new Map<number, string>();
  const seenNs = new Set<number>();
  const pendingNs = new Set<number>();

  // Watches.
  const watchedDirs = new Map<number, string>();
  const dirWatch = new Map<string, number>();
  const keyOfDir = new Map<string, string>();
  const oomNotifiers = new Map<string, OomNotifier>();
  const pidfds = new Map<number, number>();
  let watchLimitHit = false;
  let v1Memory = false;

  const request = (signal: EventSignal, key?: string): void => {
    if (closed) return;
    if (key !== undefined) fresh.add(key);
    if (timer) return;
    trigger = signal;
    timer = setTimeout(runObservation, COALESCE_MS);
  };

  const onProcEvents = (events: readonly ReadProcEvent[]): void => {
    for (const e of events) {
      if (e.kind === 'fork') {
        if (e.childPid !== e.childTgid) continue;
        const key = memberOf.get(e.parentTgid);
        if (key !== undefined) {
          memberOf.set(e.childPid, key);
          remaining.set(key, (remaining.get(key) ?? 0) + 1);
        }
        const joiner = joiners.get(e.parentTgid);
        if (joiner) joiners.set(e.childPid, { process: joiner.process, moved: false });
        // A runtime's init forks the process that becomes the container's command (runc's
        // stages): it is awaited too.
        const creatingKey = awaited.get(e.parentTgid);
        if (creatingKey !== undefined && creating.has(creatingKey)) awaited.set(e.childPid, creatingKey);
      } else if (e.kind === 'exec') {
        if (e.pid !== e.tgid || memberOf.has(e.pid)) continue;
        // Its namespaces as read when the record arrived (proc-reader.ts): it may be gone now.
        const ns = e.ns ?? { pid: nsInode(root, e.pid, 'pid'), mnt: nsInode(root, e.pid, 'mnt'), net: nsInode(root, e.pid, 'net') };
        // The init of a container being created exec'd its command: it starts now. Known by its
        // pid, for it may be gone before its namespaces can be read.
        // The runtime's own stages exec too, in the host's namespaces: not the start.
        const creatingKey = awaited.get(e.pid);
        const inContainerNs = (): boolean => {
          const { pid, mnt } = ns;
          return (pid === null && mnt === null) || (pid !== null && pid !== hostNs.get('pid')) || (mnt !== null && mnt !== hostNs.get('mnt'));
        };
        if (creatingKey !== undefined && creating.has(creatingKey) && !starts.has(creatingKey) && inContainerNs()) {
          starts.set(creatingKey, { pid: e.pid, timeNano: e.timestampNs + offsetNs });
          execs.set(e.pid, e.timestampNs + offsetNs);
          request('proc-connector', creatingKey);
          continue;
        }
        let interesting = false;
        let readable = false;
        for (const t of NS_WATCHED) {
          const ino = ns[t];
          if (ino !== null) readable = true;
          if (ino === null || ino === hostNs.get(t)) continue;
          const owner = containerNs.get(ino);
          if (owner !== undefined) {
            interesting = true;
            // Another process of a container being created exec'd first: it starts now.
            if (t !== 'net' && creating.has(owner) && !starts.has(owner)) {
              starts.set(owner, { pid: e.pid, timeNano: e.timestampNs + offsetNs });
              awaited.set(e.pid, owner);
            }
          } else if (t !== 'net' && !seenNs.has(ino) && !pendingNs.has(ino)) {
            pendingNs.add(ino);
            interesting = true;
          }
        }
        // Perhaps a container's init, which may end before the observation this triggers: read
        // when its record arrived, if the reader found its namespaces new (proc-reader.ts).
        if (e.glimpse && !glimpses.has(e.pid)) {
          glimpses.set(e.pid, { process: e.glimpse, execNano: e.timestampNs + offsetNs, keptUntil: now() + EXIT_KEEP_MS });
          interesting = true;
        }
        if (interesting) execs.set(e.pid, e.timestampNs + offsetNs);
        // Gone already: what it was when it joined its cgroup stands in, under its own pid.
        const joiner = joiners.get(e.pid);
        if (!readable && joiner && !joiner.moved && !glimpses.has(e.pid)) {
          glimpses.set(e.pid, { process: { ...joiner.process, pid: e.pid, comm: '', cmdline: null, state: 'R', gaps: [{ path: `/proc/${e.pid}`, reason: 'gone' }] }, execNano: e.timestampNs + offsetNs, keptUntil: now() + EXIT_KEEP_MS });
          request('proc-connector');
        }
        // The exec'ing process is read again: a container being created becomes its command.
        const owner = awaited.get(e.pid);
        if (interesting) request('proc-connector', owner);
      } else {
        if (e.pid !== e.tgid) continue;
        const key = memberOf.get(e.pid) ?? awaited.get(e.pid);
        // A runtime's first stage ends once the container's init is forked (runc's clones with
        // CLONE_PARENT, which the fork records do not tie to it): look for that init now.
        if (joiners.get(e.pid)?.moved) request('proc-connector');
        joiners.delete(e.pid);
        if (key === undefined) {
          if (glimpses.has(e.pid)) {
            exits.set(e.pid, { exitCode: e.exitCode, signal: e.signal, timeNano: e.timestampNs + offsetNs, keptUntil: now() + EXIT_KEEP_MS });
            request('proc-connector');
          }
          continue;
        }
        exits.set(e.pid, { exitCode: e.exitCode, signal: e.signal, timeNano: e.timestampNs + offsetNs, keptUntil: now() + EXIT_KEEP_MS });
        if (awaited.delete(e.pid)) request('proc-connector');
        memberOf.delete(e.pid);
        const left = (remaining.get(key) ?? 1) - 1;
        remaining.set(key, left);
        // Its key is read again: until its parent reaps it, the exited init is still listed in /proc.
        if (inits.has(e.pid) || left <= 0) request('proc-connector', key);
      }
    }
  };

  const addTree = (hostDir: string): void => {
    if (!inotify || watchLimitHit || dirWatch.has(hostDir)) return;
    const r = inotify.add(root.resolve(hostDir), WATCH_MASK);
    if (!r.ok) {
      if (r.limit) {
        watchLimitHit = true;
        warn(`${r.error}: cgroup directories beyond it are not watched; every container is re-read every ${RESCAN_MS / 1000} s instead (raise it with sysctl fs.inotify.max_user_watches)`);
        startRescan(true);
      }
      return;
    }
    watchedDirs.set(r.wd, hostDir);
    dirWatch.set(hostDir, r.wd);
    const names = root.readDir(hostDir);
    if (!names.ok) return;
    for (const n of names.value) if (!CGROUP_FILE.test(n)) addTree(`${hostDir}/${n}`);
  };

  const onInotify = (): void => {
    if (!inotify) return;
    const { events, overflow } = inotify.drain();
    const joined = new Set<string>();
    if (overflow) {
      warn('the inotify queue overflowed (fs.inotify.max_queued_events): some cgroup changes were dropped by the kernel; every container is re-read now');
      freshAll = true;
      request('cgroup-inotify');
    }
    for (const e of events) {
      const dir = watchedDirs.get(e.wd);
      if (dir === undefined) continue;
      if (e.mask & IN_IGNORED) {
        watchedDirs.delete(e.wd);
        dirWatch.delete(dir);
        continue;
      }
      if (e.mask & IN_ISDIR) {
        if (e.mask & IN_CREATE) {
          addTree(`${dir}/${e.name}`);
          // A runtime moves the container's first process in right after mkdir, perhaps before
          // the new directory's watch was added: its cgroup.procs is read once watched.
          joined.add(`${dir}/${e.name}`);
        }
        // A container's cgroup removed: look again. Another cgroup coming or going is nothing yet
        // (a process moved in, read by noteJoiners, is what makes a new one a container's).
        if (e.mask & IN_DELETE && ownerOfDir(`${dir}/${e.name}`) !== undefined) request('cgroup-inotify');
        continue;
      }
      if (!(e.mask & IN_MODIFY)) continue;
      const key = ownerOfDir(dir);
      if (key === undefined) {
        if (cgroupFileChange(e.name) === 'membership') joined.add(dir);
        continue;
      }
      const kind = cgroupFileChange(e.name);
      if (kind === 'kernel-events') request('cgroup-events', key);
      else if (kind === 'state') request('cgroup-inotify', key);
      else if (kind === 'membership') request('cgroup-inotify');
    }
    for (const dir of joined) noteJoiners(dir);
  };

  /** Processes just moved into a cgroup no known container is in: read now, an observation follows. */
  const noteJoiners = (dir: string): void => {
    const procs = root.readText(`${dir}/cgroup.procs`);
    if (!procs.ok) return;
    let moved = false;
    for (const line of procs.value.split('\n')) {
      const pid = Number(line);
      if (!Number.isInteger(pid) || pid <= 0 || joiners.has(pid) || memberOf.has(pid)) continue;
      const p = readProcess(root, pid);
      if (p === 'gone' || hasExited(p)) continue;
      joiners.set(pid, { process: p, moved: true });
      moved = true;
    }
    if (moved) request('cgroup-inotify');
  };

  const ownerOfDir = (dir: string): string | undefined => {
    for (let d = dir; d.length > 1; d = d.slice(0, d.lastIndexOf('/'))) {
      const k = keyOfDir.get(d);
      if (k !== undefined) return k;
    }
    return undefined;
  };

  /** What the proc connector's reader handed over: records, exec records with their namespaces and glimpses. */
  const onProcBatch = ({ events, lost }: ProcBatch): void => {
    if (lost) {
      if (!warnedLost) warn('the proc connector dropped process events (its socket queue overflowed): exit codes of containers ending then may be unknown; observing again');
      warnedLost = true;
      request('proc-connector');
    }
    onProcEvents(events);
  };

  const onKmsg = (): void => {
    if (!kmsg) return;
    const kills = parseOomKills(kmsg.drain());
    if (kills.length === 0) return;
    for (const k of kills) oomKills.push({ pid: k.pid, command: k.command, taskMemcg: k.taskMemcg, timeNano: BigInt(k.usec) * 1000n + offsetNs });
    request('kmsg');
  };

  const scratch = Buffer.alloc(8);

  /** After each observation: what the filters and watches follow. */
  const track = (o: Observation): void => {
    memberOf.clear();
    remaining.clear();
    inits.clear();
    containerNs.clear();
    keyOfDir.clear();
    creating.clear();
    // The namespaces processes hold now: an inode of one that has gone may be given to a new
    // namespace (nsfs reuses inode numbers), whose first exec must trigger again.
    seenNs.clear();
    const holders = new Map<number, number>();
    for (const p of o.model.snapshot.processes) {
      if (hasExited(p)) continue;
      const { mnt, pid } = p.namespaces;
      for (const ino of [mnt, pid]) {
        if (ino === undefined || ino === hostNs.get('mnt') || ino === hostNs.get('pid')) continue;
        seenNs.add(ino);
        if (!holders.has(ino)) holders.set(ino, p.pid);
      }
    }
    pendingNs.clear();
    procWatch?.setSeen(holders);
    const live = new Set<string>();
    for (const c of o.model.containers) {
      const key = containerKey(c);
      live.add(key);
      for (const t of NS_WATCHED) {
        const ino = c.namespaces[t];
        if (ino !== undefined && !c.hostNamespaces.includes(t)) containerNs.set(ino, key);
      }
      // A container being created starts when its init execs the command: that exec is not
      // a known member's, and happens in the container's namespaces, so it triggers.
      if (isCreating(c)) {
        creating.add(key);
        for (const m of c.processes) awaited.set(m.pid, key);
        continue;
      }
      for (const m of c.processes) memberOf.set(m.pid, key);
      for (const m of c.partialMembers) memberOf.set(m.pid, key);
      remaining.set(key, c.processes.length);
      inits.set(c.pid, key);
      const dirs = carried.get(key)?.cgroups ?? {};
      for (const d of Object.values(dirs)) keyOfDir.set(d, key);
      const mem = dirs['memory'];
      if (v1Memory && mem !== undefined && !oomNotifiers.has(key) && poller) {
        const n = registerOomNotifier(root, mem);
        if ('error' in n) {
          if (n.denied && !warnedOom) {
            warnedOom = true;
            warn(`cannot register v1 OOM notifications (${n.error}): \`oom\` events come from the OOM kill count only`);
          }
        } else {
          oomNotifiers.set(key, n);
          poller.add(n.fd, () => {
            readFd(n.fd, scratch);
            // The eventfd is signalled once more when the cgroup is removed (and the engine may
            // have made it again at the same path: a restart).
            if (!n.sameCgroup()) return dropNotifier(key);
            oomNotified.set(key, wallNs());
            request('oom-eventfd', key);
          });
        }
      }
      if (!connector && poller && !pidfds.has(c.pid)) {
        const fd = pidfdOpen(c.pid);
        if (fd >= 0) {
          pidfds.set(c.pid, fd);
          poller.add(fd, () => {
            poller?.remove(fd);
            closeFd(fd);
            pidfds.delete(c.pid);
            request('pidfd');
          });
        }
      }
    }
    for (const key of [...oomNotifiers.keys()]) if (!live.has(key)) dropNotifier(key);
    for (const [pid, fd] of [...pidfds]) {
      if (!inits.has(pid)) {
        poller?.remove(fd);
        closeFd(fd);
        pidfds.delete(pid);
      }
    }
    const t = now();
    for (const [pid, e] of [...exits]) if (e.keptUntil < t) exits.delete(pid);
    for (const [pid, key] of [...awaited]) if (!live.has(key) && !starts.has(key)) awaited.delete(pid);
  };
  let warnedOom = false;
  let warnedLost = false;

  const dropNotifier = (key: string): void => {
    const n = oomNotifiers.get(key);
    if (!n) return;
    poller?.remove(n.fd);
    n.close();
    oomNotifiers.delete(key);
  };

  const frameOf = (o: Observation, timeNano: bigint): EventFrame => {
    const live = new Set(o.model.containers.map(containerKey));
    for (const key of [...carried.keys()]) if (!live.has(key)) carried.delete(key);
    for (const [key, r] of o.resources) carried.set(key, r);
    return { containers: o.model.containers, pods: o.model.pods, processes: o.model.snapshot.processes, resources: new Map(carried), timeNano };
  };

  /**
   * Containers found gone whose init's exit record has not arrived yet (it may follow the reap
   * by a little, on another CPU) stay in the frame a little longer, so that their exit carries
   * the code; past EXIT_WAIT_MS they are reported without it.
   */
  const held = new Map<string, number>();
  const holdExits = (next: EventFrame): EventFrame => {
    if (!frame || !connector) return next;
    const live = new Set(next.containers.map(containerKey));
    const t = now();
    const kept = frame.containers.filter((c) => {
      const key = containerKey(c);
      if (live.has(key) || isCreating(c) || exits.has(c.pid)) return false;
      const until = held.get(key) ?? t + EXIT_WAIT_MS;
      if (until <= t) return false;
      held.set(key, until);
      return true;
    });
    for (const key of [...held.keys()]) if (!kept.some((c) => containerKey(c) === key)) held.delete(key);
    if (kept.length === 0) return next;
    setTimeout(() => request('proc-connector'), EXIT_WAIT_MS / 4);
    return { ...next, containers: [...next.containers, ...kept] };
  };

  function runObservation(): void {
    timer = null;
    if (closed) return;
    // What the kernel queued and the wait has not handed over yet: an exit status must be known
    // before the observation that finds its container gone.
    procWatch?.pull();
    onKmsg();
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const keys = freshAll && last ? new Set(last.model.containers.map(containerKey)) : new Set([...fresh, ...freshSoon]);
    fresh.clear();
    freshSoon.clear();
    freshAll = false;
    const startedNs = wallNs();
    readNow = keys;
    countKills = kmsg === null;
    const o = observer.observe({ fresh: keys });
    observations++;
    // The kernel sends a process's exit record after its parent was told (kernel/exit.c do_exit:
    // exit_notify, then proc_exit_connector): a container this observation found gone may have
    // its init's record queued only now.
    procWatch?.pull();
    const next = holdExits(frameOf(o, startedNs));
    let events: ContainerEvent[] = [];
    if (frame) {
      events = diffFrames(frame, next, { exits, execs, starts, oomNotified, oomKills, kernelLog: kmsg !== null, trigger });
      events.push(...endedUnseen(o, frame, next));
      events.sort((a, b) => (a.timeNano < b.timeNano ? -1 : a.timeNano > b.timeNano ? 1 : 0));
      for (const e of events) if (e.action === 'exit' && e.pid !== null) exits.delete(e.pid);
    }
    execs.clear();
    // A container being created gets its limits while it is: read them again until it has started.
    for (const c of next.containers) if (isCreating(c)) freshSoon.add(containerKey(c));
    for (const e of events) if (e.action === 'start') freshSoon.add(e.container.key);
    // A start is kept until an observation sees its container started (or gone).
    for (const key of [...starts.keys()]) {
      const c = next.containers.find((x) => containerKey(x) === key);
      if (!c || !isCreating(c)) starts.delete(key);
    }
    oomNotified.clear();
    oomKills = [];
    frame = next;
    last = o;
    track(o);
    options.onObservation?.(o, events);
    for (const e of events) for (const l of listeners) l(e);
  }

  /**
   * Containers that started and ended since the last observation: glimpsed inits that no
   * observation saw and that exited. Each is grouped and named from its glimpse, as an
   * observation would have, with the engines' metadata read now.
   */
  const endedUnseen = (o: Observation, prev: EventFrame, next: EventFrame): ContainerEvent[] => {
    if (glimpses.size === 0 && joiners.size === 0) return [];
    const seen = new Set<number>();
    for (const c of o.model.containers) for (const m of c.processes) seen.add(m.pid);
    const living = new Set(o.model.snapshot.processes.filter((p) => !hasExited(p)).map((p) => p.pid));
    const ended: Process[] = [];
    const execTimes = new Map<number, bigint>();
    const t = now();
    for (const pid of [...joiners.keys()]) if (seen.has(pid) || !living.has(pid)) joiners.delete(pid);
    for (const [pid, g] of [...glimpses]) {
      // Seen by an observation, or alive and in no container: the usual diff covers it.
      if (seen.has(pid) || living.has(pid)) glimpses.delete(pid);
      else if (exits.has(pid)) {
        ended.push(g.process);
        execTimes.set(pid, g.execNano);
        glimpses.delete(pid);
      } else if (g.keptUntil < t) glimpses.delete(pid);
    }
    if (ended.length === 0) return [];
    // The kernel gives a freed namespace's inode number to the next namespace made (fs/proc/
    // generic.c proc_alloc_inum: the lowest free number), so in a burst of short containers one
    // inode names several namespaces in turn. Processes sharing an inode are one container only
    // if neither had exited before the other exec'd: each later one starts another batch,
    // grouped apart.
    const endedAt = (pid: number): bigint => exits.get(pid)?.timeNano ?? 0n;
    const execAt = (pid: number): bigint => execTimes.get(pid) ?? 0n;
    const shares = (a: Process, b: Process): boolean => (a.namespaces.pid !== undefined && a.namespaces.pid === b.namespaces.pid) || (a.namespaces.mnt !== undefined && a.namespaces.mnt === b.namespaces.mnt);
    const batches: Process[][] = [];
    for (const p of [...ended].sort((a, b) => (execAt(a.pid) < execAt(b.pid) ? -1 : execAt(a.pid) > execAt(b.pid) ? 1 : 0))) {
      const batch = batches.find((bt) => !bt.some((q) => shares(p, q) && endedAt(q.pid) <= execAt(p.pid)));
      if (batch) batch.push(p);
      else batches.push([p]);
    }
    // Seen started by an observation: the usual diff reports it (one only seen being created is
    // not). Another container of the same key (the same inode reused) is the same one only while
    // it was there when this one exec'd: it is in this observation, or its init ended after.
    // One found gone and held for its exit record (holdExits) had ended before, or is this one.
    const inObservation = new Set(o.model.containers.map((c) => `${containerKey(c)}/${c.pid}`));
    const byKey = new Map<string, Container[]>();
    for (const c of [...prev.containers, ...next.containers]) if (!isCreating(c)) byKey.set(containerKey(c), [...(byKey.get(containerKey(c)) ?? []), c]);
    const known = (c: Container): boolean =>
      (byKey.get(containerKey(c)) ?? []).some((k) => k.pid === c.pid || inObservation.has(`${containerKey(k)}/${k.pid}`) || (exits.has(k.pid) && endedAt(k.pid) > execAt(c.pid)));
    const snap = o.model.snapshot;
    const { sampled: _sampled, noExit: _noExit, ...rest } = snap;
    const out: ContainerEvent[] = [];
    for (const processes of batches) {
      const grouping = groupContainers({ processes, hostNs: snap.hostNs, rootDiffers: snap.rootDiffers, runtimeStates: snap.runtimeStates, cgroupMode: snap.cgroupMode });
      const gaps: Gap[] = [];
      const metadata = readEngineMetadata(root, metadataRequests(grouping, processes), [...snap.processes, ...processes], snap.runtimeStates, gaps);
      const model = buildHostModel({ ...rest, processes, grouping, metadata, gaps });
      // A container whose start an exec already stood for is reported by the usual diff.
      const brief = briefEvents(model.containers.filter((c) => !known(c) && !starts.has(containerKey(c))), model.pods, execTimes, exits);
      // An init that stood in for a process gone before its command could be read has none.
      const unread = new Set(processes.filter((p) => p.comm === '' && p.cmdline === null).map((p) => p.pid));
      out.push(...brief.map((e) => (e.action === 'start' && e.pid !== null && unread.has(e.pid) ? { ...e, command: null } : e)));
    }
    return out;
  };

  const startRescan = (everything: boolean): void => {
    if (rescan) return;
    rescan = setInterval(() => {
      if (everything) freshAll = true;
      request('rescan');
    }, RESCAN_MS);
  };

  const start = (): void => {
    // As the observation finds them: pid 1's, or kthreadd's where pid 1's links cannot be read.
    const host = readHostNs(root).ns;
    for (const t of NS_WATCHED) {
      const ino = host[t];
      if (ino !== undefined) hostNs.set(t, ino);
    }
    const missing: string[] = [];
    const p = root.kind === 'live' ? createPoller((m) => warn(m)) : { error: 'a recorded host tree does not change' };
    if ('error' in p) {
      missing.push(`kernel signals (${p.error})`);
    } else {
      poller = p;
      const notRoot = options.euid !== null && options.euid !== 0;
      const pc = notRoot ? { error: 'needs root (CAP_NET_ADMIN)' } : openProcConnector();
      if ('error' in pc) missing.push(`process exec/exit through the proc connector (${pc.error}): exits are reported without exit codes (pidfd), and containers without a cgroup of their own are found by a rescan every ${RESCAN_MS / 1000} s`);
      else {
        connector = pc;
        procWatch = watchProcConnector(root, pc, { pid: hostNs.get('pid') ?? null, mnt: hostNs.get('mnt') ?? null }, p, { onBatch: onProcBatch, onError: warn });
      }
      const ino = openInotify();
      if ('error' in ino) missing.push(`cgroup directories (${ino.error}): containers are re-read every ${RESCAN_MS / 1000} s instead`);
      else {
        inotify = ino;
        p.add(ino.fd, onInotify);
      }
      const log = openKernelLog(root, true);
      if ('error' in log) missing.push(`the kernel log (${log.error}): OOM kills are counted from the cgroup counters, without the victim`);
      else {
        kmsg = log;
        p.add(log.fd, (revents) => (isHangup(revents) ? undefined : onKmsg()));
      }
    }
    const { layout } = readCgroupLayout(root);
    v1Memory = layout.mounts.some((m) => m.version === 1 && m.controllers.includes('memory'));
    if (inotify) {
      const wanted = ['memory', 'freezer', 'cpu', 'pids', 'cpuset'];
      for (const m of layout.mounts) {
        if ((m.version === 1 && m.controllers.some((c) => wanted.includes(c))) || (m.version === 2 && layout.mode === 'v2')) addTree(m.mountPoint);
      }
    }
    if (missing.length > 0) warn(`cannot watch ${missing.join('; ')}`);
    if (!connector || !inotify) startRescan(!inotify);
    runObservation();
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start,
    get last() {
      return last;
    },
    get warnings() {
      return warnings;
    },
    get observations() {
      return observations;
    },
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      if (rescan) clearInterval(rescan);
      for (const key of [...oomNotifiers.keys()]) dropNotifier(key);
      for (const fd of pidfds.values()) closeFd(fd);
      pidfds.clear();
      poller?.close();
      procWatch?.close();
      inotify?.close();
      kmsg?.close();
      observer.close();
    },
  };
}
