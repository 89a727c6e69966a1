/**
 * /proc/<pid>/stat — proc(5) "/proc/pid/stat".
 * Example: `48213 (nginx) S 48190 48213 48213 0 -1 4194560 1201 0 0 0 3 2 0 0 20 0 1 0 1234567 ...`
 * `comm` may itself contain spaces and parentheses, so it runs from the first "(" to the LAST ")".
 */
import { ParseError, parseSafeInt } from '../read.js';

export interface PidStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  /** Field 9 `flags` has PF_KTHREAD (0x00200000, include/linux/sched.h). */
  readonly kernelThread: boolean;
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  readonly numThreads: number;
  /** Field 22: start time after boot, in clock ticks. With the pid it identifies a process. */
  readonly starttimeTicks: number;
  readonly rssPages: number;
}

export function parsePidStat(text: string): PidStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new ParseError('no "(comm)" field', text);
  const rest = text.slice(close + 2).trim().split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 22) throw new ParseError(`expected at least 24 fields, got ${rest.length + 2}`, text);
  const field = (n: number): string => rest[n - 3] as string;
  return {
    pid: parseSafeInt(text.slice(0, open).trim(), 'pid'),
    comm: text.slice(open + 1, close),
    state: field(3),
    ppid: parseSafeInt(field(4), 'ppid'),
    kernelThread: (Math.floor(parseSafeInt(field(9), 'flags') / 0x200000) & 1) === 1,
    utimeTicks: parseSafeInt(field(14), 'utime'),
    stimeTicks: parseSafeInt(field(15), 'stime'),
    numThreads: parseSafeInt(field(20), 'num_threads'),
    starttimeTicks: parseSafeInt(field(22), 'starttime'),
    // rss can read as a small negative number on some kernels while counters settle; clamp.
    rssPages: Math.max(0, parseSafeInt(field(24), 'rss')),
  };
}
