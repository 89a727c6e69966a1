/**
 * `cpuset.cpus` / `cpuset.cpus.effective` (v2) and `cpuset.cpus` / `cpuset.effective_cpus` (v1):
 * a cpu list as in cpuset(7) "List format", e.g. `0-3,8-11` or `5`. An empty file means "inherit"
 * (v2, not set) or no cpus (v1, never attached).
 */
import { ParseError, parseSafeInt } from '../read.js';

export interface CpuList {
  readonly text: string;
  readonly count: number;
}

export function parseCpuList(text: string): CpuList {
  const t = text.trim();
  let count = 0;
  if (t !== '') {
    for (const part of t.split(',')) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!m) throw new ParseError('cpu list: expected "N" or "N-M" items', part);
      const lo = parseSafeInt(m[1] as string, 'cpu');
      const hi = m[2] === undefined ? lo : parseSafeInt(m[2], 'cpu');
      if (hi < lo) throw new ParseError('cpu list: range ends before it starts', part);
      count += hi - lo + 1;
    }
  }
  return { text: t, count };
}
