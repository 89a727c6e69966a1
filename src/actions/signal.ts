/**
 * Send a signal to one process of the live host, the one the user selected: a process is its
 * pid and its start time, and a pid the kernel has since given to another process is refused.
 *
 * Order, with no window for a reused pid:
 *  1. open /proc/<pid>/stat and check the start time through that descriptor (a read through
 *     it fails once the process it was opened on has gone);
 *  2. pidfd_open(pid): a descriptor for whatever process has the pid now;
 *  3. read the stat descriptor again: if it still reads, the process it was opened on was alive
 *     all along, so it is the one the pidfd refers to;
 *  4. pidfd_send_signal(pidfd, sig): the kernel delivers to that process or fails with ESRCH if
 *     it has exited since, never to a newcomer with the same pid.
 */
import * as fs from 'node:fs';
import { constants } from 'node:os';
import { pidfdOpen, pidfdSendSignal } from '../../collectors/events/kernel-io.js';
import { readParsed, type HostRoot } from '../../collectors/host-root.js';
import { hasExited } from '../model/process.js';
import { parsePidStat } from '../../collectors/procfs/pid-stat.js';

const ESRCH = 3;
const EPERM = 1;

export interface SignalTarget {
  readonly pid: number;
  /** stat field 22 when the process was selected; null when it could not be read then. */
  readonly starttimeTicks: number | null;
}

export type SignalOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Why the process is not (or no longer) the one selected, or null when it still is. Reads through the HostRoot. */
export function processChanged(root: HostRoot, t: SignalTarget): string | null {
  if (t.starttimeTicks === null) return `the start time of pid ${t.pid} was not known when it was selected, so it cannot be told apart from a reused pid`;
  const st = readParsed(root, `/proc/${t.pid}/stat`, parsePidStat);
  if (!st.ok) return `pid ${t.pid} is gone`;
  if (st.value.starttimeTicks !== t.starttimeTicks) return `pid ${t.pid} is now another process (it started at another time)`;
  if (hasExited(st.value)) return `pid ${t.pid} has exited`;
  return null;
}

function statReads(fd: number, t: SignalTarget): boolean {
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const st = parsePidStat(buf.toString('utf8', 0, n));
    return st.starttimeTicks === t.starttimeTicks && !hasExited(st);
  } catch {
    return false;
  }
}

/** Send `signal` (TERM, KILL...) to the selected process of the live host (root must be `/`). */
export function signalProcess(root: HostRoot, t: SignalTarget, signal: string): SignalOutcome {
  if (root.kind !== 'live' || root.dir !== '/') return { ok: false, reason: 'signals are sent on the live host only, not to a host tree' };
  const number = (constants.signals as Record<string, number | undefined>)[`SIG${signal}`];
  if (number === undefined) return { ok: false, reason: `no signal SIG${signal}` };
  const changed = processChanged(root, t);
  if (changed !== null) return { ok: false, reason: changed };
  let statFd = -1;
  let pidfd = -1;
  try {
    try {
      statFd = fs.openSync(`/proc/${t.pid}/stat`, 'r');
    } catch {
      return { ok: false, reason: `pid ${t.pid} is gone` };
    }
    if (!statReads(statFd, t)) return { ok: false, reason: `pid ${t.pid} is gone or now another process` };
    pidfd = pidfdOpen(t.pid);
    if (pidfd < 0) {
      const errno = -pidfd;
      return { ok: false, reason: errno === ESRCH ? `pid ${t.pid} is gone` : `pidfd_open(${t.pid}) failed: errno ${errno}` };
    }
    if (!statReads(statFd, t)) return { ok: false, reason: `pid ${t.pid} is gone or now another process` };
    const sent = pidfdSendSignal(pidfd, number);
    if (sent < 0) {
      const errno = -sent;
      if (errno === ESRCH) return { ok: false, reason: `pid ${t.pid} exited before the signal` };
      if (errno === EPERM) return { ok: false, reason: `not permitted to signal pid ${t.pid} (run top as root)` };
      return { ok: false, reason: `pidfd_send_signal failed: errno ${errno}` };
    }
    return { ok: true };
  } finally {
    if (pidfd >= 0) fs.closeSync(pidfd);
    if (statFd >= 0) fs.closeSync(statFd);
  }
}
