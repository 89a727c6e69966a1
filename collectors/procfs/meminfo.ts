/**
 * /proc/meminfo — proc(5): `Key:   value kB` lines; a few keys (HugePages_*) have no unit.
 * Example: `MemAvailable:   24137916 kB`
 */
import { ParseError, parseSafeInt } from '../read.js';

/** Every line, in bytes where the kernel gives kB (which is KiB: fs/proc/meminfo.c shifts by 10). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?: (kB))?$/.exec(line);
    if (!m) throw new ParseError('expected "Key: value [kB]"', line);
    const n = parseSafeInt(m[2] as string, m[1]);
    out.set(m[1] as string, m[3] ? n * 1024 : n);
  }
  return out;
}
