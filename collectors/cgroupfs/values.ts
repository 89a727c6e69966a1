/**
 * Shapes shared by the cgroupfs parsers: single-value files (`memory.current`, `pids.max`), the
 * "max" spelling of unlimited, v1's huge-number spelling of unlimited, and flat keyed files
 * (`memory.stat`, `cpu.stat`, `memory.events`). See the kernel's cgroup-v2.rst "Interface Files"
 * ("Flat keyed", "Nested keyed" and "max").
 *   memory.max:            max
 *   memory.limit_in_bytes: 9223372036854771712
 *   cpu.stat:              usage_usec 3795681254
 */
import { ParseError, parseSafeInt } from '../read.js';

/** A limit as a kernel file states it: a number, or 'max' for no limit. */
export type MaxOr = number | 'max';

function oneLine(text: string, what: string): string {
  const t = text.trim();
  if (t === '' || t.includes('\n')) throw new ParseError(`expected one ${what} value`, text);
  return t;
}

/** A file holding one integer (`memory.current`, `pids.current`, `cpuacct.usage`). */
export function parseCgroupInt(text: string, what = 'integer'): number {
  return nonNegative(parseSafeInt(oneLine(text, what), what), what);
}

/**
 * Counters and sizes are unsigned in the kernel. A negative one (per-cpu counter sums can
 * briefly underflow) is reported as malformed rather than clamped to a zero that was never read.
 */
function nonNegative(n: number, what: string): number {
  if (n < 0) throw new ParseError(`negative ${what}`, String(n));
  return n;
}

/** v2 "max or number" files: `memory.max`, `memory.high`, `memory.swap.max`, `pids.max`. */
export function parseMaxOrInt(text: string, what = 'limit'): MaxOr {
  const t = oneLine(text, what);
  return t === 'max' ? 'max' : nonNegative(parseSafeInt(t, what), what);
}

/**
 * v1 limits in bytes (`memory.limit_in_bytes`, `memsw`, `soft_limit_in_bytes`). "Unlimited" is
 * PAGE_COUNTER_MAX pages in bytes: LONG_MAX rounded down to the page size, so
 * 9223372036854771712 with 4 KiB pages and another number with 64 KiB pages (mm/page_counter.c,
 * include/linux/page_counter.h). No real limit comes near 2^62 bytes, so anything at or above it
 * is read as unlimited rather than guessing the page size.
 */
export function parseV1LimitBytes(text: string, what = 'limit'): MaxOr {
  const t = oneLine(text, what);
  if (/^\d{16,}$/.test(t) && BigInt(t) >= 2n ** 62n) return 'max';
  return nonNegative(parseSafeInt(t, what), what);
}

/**
 * Flat keyed lines `key value`. Values stay text: some keys of v1 memory.stat
 * (`hierarchical_memory_limit`) hold the huge "unlimited" number, which is no safe integer, and
 * only the keys a caller asks for are checked (keyedInt). With `wanted`, only those keys are kept;
 * every line is still checked.
 */
export function parseFlatKeyed(text: string, what: string, wanted?: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  let lines = 0;
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    // The kernel's own form, `key value` with one space, is checked by a sticky regex that
    // allocates nothing, and key and value are cut out only for a wanted key (v1 memory.stat has
    // ~40 lines; top reads one per container every second).
    KERNEL_LINE.lastIndex = start;
    if (KERNEL_LINE.test(text)) {
      const sp = text.indexOf(' ', start);
      const key = wanted ? wantedAt(text, start, sp, wanted) : text.slice(start, sp);
      if (key !== null) out.set(key, text.slice(sp + 1, end));
      lines++;
    } else {
      const line = text.slice(start, end).trim();
      if (line !== '') {
        const m = /^(\S+)\s+(\S+)$/.exec(line);
        if (!m) throw new ParseError(`${what}: expected "key value"`, line);
        if (!wanted || wanted.includes(m[1] as string)) out.set(m[1] as string, m[2] as string);
        lines++;
      }
    }
    start = end + 1;
  }
  if (lines === 0) throw new ParseError(`${what}: empty`, text);
  return out;
}

/** The wanted key that text holds from start to sp, found without cutting it out; null if none. */
function wantedAt(text: string, start: number, sp: number, keys: readonly string[]): string | null {
  // Indexed: asked for every line of every memory.stat, in commands that run without V8's
  // optimizing compiler, where each step of a for-of allocates.
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (k.length === sp - start && text.startsWith(k, start)) return k;
  }
  return null;
}

/** `key value` exactly, from lastIndex to the end of the line. */
const KERNEL_LINE = /\S+ \S+(?=\n|$)/y;

/** An integer value of a keyed file; null when the key is absent (older kernel). */
export function keyedInt(map: ReadonlyMap<string, string>, key: string): number | null {
  const v = map.get(key);
  return v === undefined ? null : nonNegative(parseSafeInt(v, key), key);
}
