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
  // After comm, fields are split on single spaces; field 3 (state) comes first, field N is the
  // (N - 2)th. Only the first 22 are cut out, and of them only those read: a scan parses one
  // stat per process, ~50 fields each.
  const rest = text.slice(close + 2).trim();
  const spaces: number[] = [];
  for (let i = rest.indexOf(' '); i >= 0 && spaces.length < 22; i = rest.indexOf(' ', i + 1)) spaces.push(i);
  // Fewer than 21 spaces: every one was found, and there are that many fields plus one.
  if (spaces.length < 21) throw new ParseError(`expected at least 24 fields, got ${spaces.length + 3}`, text);
  const field = (n: number): string => rest.slice(n === 3 ? 0 : (spaces[n - 4] as number) + 1, spaces[n - 3] ?? rest.length);
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
