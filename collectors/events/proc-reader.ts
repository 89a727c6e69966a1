/**
 * The proc connector's records, read as they arrive and completed from /proc at once: each exec
 * record gets the exec'ing process's pid, mount and network namespaces, and a process that
 * exec'd in a pid or mount namespace the last observation did not see (perhaps a new
 * container's init) is read in full (collectors/processes.ts `readProcess`), a glimpse.
 *
 * The reading cannot wait: a bare `unshare --fork --pid --mount sh -c 'exit 3'` lives about a
 * millisecond after its exec, and once it has exited its namespace links are gone
 * (kernel/exit.c do_exit: exit_task_namespaces drops the nsproxy before the exit record is
 * sent; fs/proc/namespaces.c then has nothing to link to). So the reader runs on a thread of its
 * own that does nothing else (proc-watch.ts), never behind an observation on the main thread.
 */
import type { HostRoot } from '../host-root.js';
import { readProcess } from '../processes.js';
import { nsInode } from '../namespaces.js';
import type { Process } from '../../src/model/process.js';
import { hasExited } from '../../src/model/process.js';
import { drainProcSocket, RECEIVE_CHUNK, type ProcEvent } from './proc-connector.js';

/** The namespaces of an exec'ing process that events follow; null where unreadable (it has gone). */
export interface ExecNamespaces {
  readonly pid: number | null;
  readonly mnt: number | null;
  readonly net: number | null;
}

export type ExecRecord = Extract<ProcEvent, { kind: 'exec' }>;

/** An exec record of a thread-group leader, with what was read of the process when it arrived. */
export interface ReadExec extends ExecRecord {
  readonly ns: ExecNamespaces;
  /**
   * The whole process, read when it exec'd in namespaces not seen before (a stand-in with its
   * namespaces when it was gone by then); null otherwise, or when nothing of it could be read.
   */
  readonly glimpse: Process | null;
}

export type ReadProcEvent = Exclude<ProcEvent, { kind: 'exec' }> | ReadExec | (ExecRecord & { readonly ns?: undefined; readonly glimpse?: undefined });

export interface ProcBatch {
  readonly events: readonly ReadProcEvent[];
  /** The kernel dropped records (the socket's queue was full). */
  readonly lost: boolean;
}

export interface ProcReader {
  /** Every record queued now, exec records completed. */
  read(): ProcBatch;
  /**
   * The pid and mount namespaces the latest observation saw, each with a process that held it
   * (inode -> pid): an exec in one of them is not glimpsed while that process still holds it.
   * Namespaces glimpsed since the previous call are forgotten (the observation has seen them, or
   * their processes are gone).
   */
  setSeen(holders: Iterable<readonly [number, number]>): void;
}

/** Forks remembered at most (a busy host forks thousands a second). */
const MAX_FORKS = 4096;

/**
 * What stands for a process glimpsed too late, gone (or a zombie) by the full read: its pid and
 * mount namespaces as read when its exec or fork record arrived (or its parent's, above), its
 * parent from the fork record, and from a zombie's stat its command and start time.
 */
function standIn(e: ReadExec, ppid: number | null, zombie: Process | null): Process | null {
  if (e.ns.pid === null || e.ns.mnt === null) return null;
  return {
    pid: e.pid,
    ppid: zombie?.ppid ?? ppid ?? 0,
    kernelThread: false,
    comm: zombie?.comm ?? '',
    state: 'R',
    starttimeTicks: zombie?.starttimeTicks ?? 0,
    utimeTicks: 0,
    stimeTicks: 0,
    rssPages: 0,
    vmRssKiB: null,
    threads: 1,
    cmdline: null,
    nspid: null,
    uids: null,
    gids: null,
    capEff: null,
    capPrm: null,
    capBnd: null,
    seccomp: null,
    seccompFilters: null,
    noNewPrivs: null,
    namespaces: { pid: e.ns.pid, mnt: e.ns.mnt, ...(e.ns.net !== null ? { net: e.ns.net } : {}) },
    cgroups: zombie?.cgroups ?? null,
    gaps: [{ path: `/proc/${e.pid}`, reason: 'gone' }],
  };
}

export function createProcReader(root: HostRoot, fd: number, hostNs: { readonly pid: number | null; readonly mnt: number | null }): ProcReader {
  const buf = Buffer.alloc(RECEIVE_CHUNK);
  let seen = new Map<number, number>();
  const pending = new Map<number, number>();
  // The kernel gives a namespace's inode number to the next namespace made once it is freed
  // (fs/proc/generic.c proc_alloc_inum: an IDA, the lowest free number), within milliseconds in a burst of short
  // containers: an inode stands for the namespace seen only while the process seen in it is
  // still there (its link read again names the same inode).
  const fresh = (ino: number | null, host: number | null, type: 'pid' | 'mnt'): ino is number => {
    if (ino === null || ino === host) return false;
    const holder = pending.get(ino) ?? seen.get(ino);
    return holder === undefined || nsInode(root, holder, type) !== ino;
  };
  /**
   * Recent forks (thread-group leaders): the parent, and the child's pid and mount namespaces
   * when they are not the host's, read as the fork record arrived (the child is alive then,
   * before it execs), for an exec whose process is gone before its own links can be read.
   */
  const born = new Map<number, { readonly ppid: number; readonly pid: number | null; readonly mnt: number | null }>();
  return {
    read() {
      const out: ReadProcEvent[] = [];
      let lost = false;
      const glimpse: number[] = [];
      // Namespaces first, for every record queued: two or three readlinks each, the one fact a
      // process gone a moment later leaves nothing else of.
      const take = (): void => {
        const r = drainProcSocket(fd, buf);
        lost ||= r.lost;
        for (const e of r.events) {
          if (e.kind === 'fork' && e.childPid === e.childTgid) {
            if (born.size >= MAX_FORKS) born.clear();
            const pid = nsInode(root, e.childPid, 'pid');
            const own = pid !== null && pid !== hostNs.pid;
            born.set(e.childPid, { ppid: e.parentTgid, pid: own ? pid : null, mnt: own ? nsInode(root, e.childPid, 'mnt') : null });
          } else if (e.kind === 'exit' && e.pid === e.tgid) born.delete(e.pid);
          if (e.kind !== 'exec' || e.pid !== e.tgid) {
            out.push(e);
            continue;
          }
          // The pid namespace first: it outlives the others while the process is a zombie.
          let pid = nsInode(root, e.pid, 'pid');
          let mnt = nsInode(root, e.pid, 'mnt');
          // Gone already (`sh -c 'exit 3'` lives about a millisecond): where it was when it was
          // forked stands in, else where its parent, which forked it and waits for it (unshare,
          // a runtime's init), makes children, if that is not the host: a child is made in its
          // parent's pid_for_children namespace and mount namespace.
          const fork = born.get(e.pid);
          if ((pid === null || mnt === null) && fork !== undefined) {
            const forked = { pid: pid ?? fork.pid, mnt: mnt ?? fork.mnt };
            const parent = {
              pid: forked.pid ?? nsInode(root, fork.ppid, 'pid_for_children'),
              mnt: forked.mnt ?? nsInode(root, fork.ppid, 'mnt'),
            };
            if (parent.pid !== null && parent.pid !== hostNs.pid && parent.mnt !== null && parent.mnt !== hostNs.mnt) {
              pid = parent.pid;
              mnt = parent.mnt;
            }
          }
          if (fresh(pid, hostNs.pid, 'pid') || fresh(mnt, hostNs.mnt, 'mnt')) {
            if (pid !== null && pid !== hostNs.pid) pending.set(pid, e.pid);
            if (mnt !== null && mnt !== hostNs.mnt) pending.set(mnt, e.pid);
            glimpse.push(out.length);
          }
          out.push({ ...e, ns: { pid, mnt, net: nsInode(root, e.pid, 'net') }, glimpse: null });
        }
      };
      take();
      // Then each new one in full; what arrived meanwhile has its namespaces read before the next.
      for (let i = glimpse.shift(); i !== undefined; i = glimpse.shift()) {
        const e = out[i] as ReadExec;
        const p = readProcess(root, e.pid);
        out[i] = { ...e, glimpse: p !== 'gone' && !hasExited(p) ? p : standIn(e, born.get(e.pid)?.ppid ?? null, p === 'gone' ? null : p) };
        take();
      }
      return { events: out, lost };
    },
    setSeen(holders) {
      seen = new Map(holders);
      pending.clear();
    },
  };
}
