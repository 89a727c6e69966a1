/**
 * /proc/uptime — proc(5): seconds since boot and seconds idle summed over CPUs.
 * Example: `927.02 1603.14`
 */
import { ParseError } from '../read.js';

export function parseUptime(text: string): number {
  const first = text.trim().split(/\s+/)[0] ?? '';
  if (!/^\d+(\.\d+)?$/.test(first)) throw new ParseError('expected seconds since boot', text);
  return Number(first);
}
