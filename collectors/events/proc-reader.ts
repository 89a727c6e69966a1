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
import { parseNsLink } from '../procfs/pid-ns.js';
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
  /** The whole process, read when it exec'd in namespaces not seen before; null otherwise or when it had gone. */
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

/** The inode of /proc/<pid>/ns/<type>, or null when it cannot be read. */
export function nsInode(root: HostRoot, pid: number, type: string): number | null {
  const l = root.readLink(`/proc/${pid}/ns/${type}`);
  if (!l.ok) return null;
  try {
    return parseNsLink(l.value).inode;
  } catch {
    return null;
  }
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
  return {
    read() {
      const { events, lost } = drainProcSocket(fd, buf);
      const out: ReadProcEvent[] = [];
      for (const e of events) {
        if (e.kind !== 'exec' || e.pid !== e.tgid) {
          out.push(e);
          continue;
        }
        // The pid namespace first: it outlives the others while the process is a zombie.
        const pid = nsInode(root, e.pid, 'pid');
        const mnt = nsInode(root, e.pid, 'mnt');
        const unseen = fresh(pid, hostNs.pid, 'pid') || fresh(mnt, hostNs.mnt, 'mnt');
        let glimpse: Process | null = null;
        if (unseen) {
          const p = readProcess(root, e.pid);
          if (p !== 'gone' && !hasExited(p)) glimpse = p;
          if (pid !== null && pid !== hostNs.pid) pending.set(pid, e.pid);
          if (mnt !== null && mnt !== hostNs.mnt) pending.set(mnt, e.pid);
        }
        out.push({ ...e, ns: { pid, mnt, net: nsInode(root, e.pid, 'net') }, glimpse });
      }
      return { events: out, lost };
    },
    setSeen(holders) {
      seen = new Map(holders);
      pending.clear();
    },
  };
}
