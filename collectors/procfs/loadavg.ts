/**
 * /proc/loadavg — proc(5): three load averages, runnable/total tasks, last pid.
 * Example: `1.26 0.86 0.40 1/211 19368`
 */
import { ParseError } from '../read.js';

export function parseLoadavg(text: string): [number, number, number] {
  const f = text.trim().split(/\s+/);
  const nums = f.slice(0, 3).map(Number);
  if (nums.length !== 3 || nums.some((n) => !Number.isFinite(n) || n < 0)) throw new ParseError('expected three load averages', text);
  return nums as [number, number, number];
}
