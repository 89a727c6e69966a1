import type { CgroupLine } from './cgroup.js';
import type { Gap } from './gap.js';
import type { NsSet } from './namespace.js';

/**
 * One process as the host's /proc shows it. Fields that could not be read are null, and the
 * reason is in `gaps`; a null is never a stand-in for zero.
 */
export interface Process {
  readonly pid: number;
  readonly ppid: number;
  /** Kernel threads (kthreadd and its children) are never container members. */
  readonly kernelThread: boolean;
  readonly comm: string;
  readonly state: string;
  /** stat field 22, clock ticks after boot. (pid, starttimeTicks) identifies a process. */
  readonly starttimeTicks: number;
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  readonly rssPages: number;
  /** VmRSS from status, in KiB; with rssPages it gives the host's page size. */
  readonly vmRssKiB: number | null;
  readonly threads: number;
  readonly cmdline: readonly string[] | null;
  /** NSpid: pid in each pid namespace, host first, innermost last. */
  readonly nspid: readonly number[] | null;
  readonly uids: readonly number[] | null;
  readonly gids: readonly number[] | null;
  readonly capEff: string | null;
  readonly capPrm: string | null;
  readonly capBnd: string | null;
  readonly seccomp: number | null;
  readonly seccompFilters: number | null;
  readonly noNewPrivs: boolean | null;
  readonly namespaces: NsSet;
  readonly cgroups: readonly CgroupLine[] | null;
  readonly gaps: readonly Gap[];
}

/**
 * A zombie (Z), or one being reaped (X): it has exited and only its parent's wait() is pending.
 * It still holds its pid in its pid namespace (lsns counts it there) but no other namespace, and
 * it is no container's member: a container whose init's parent is slow to reap has exited.
 */
export function hasExited(p: Pick<Process, 'state'>): boolean {
  return p.state === 'Z' || p.state === 'X';
}

/** The innermost pid (the one the process sees as its own), or the host pid when unknown. */
export function innerPid(p: Process): number {
  return p.nspid?.[p.nspid.length - 1] ?? p.pid;
}
