/**
 * /proc/<pid>/status — proc(5) "/proc/pid/status". `Key:\tvalue` lines; some producers (and old
 * kernels) separate with spaces. Example lines:
 *   NSpid:	48213	1
 *   Uid:	0	0	0	0
 *   CapEff:	00000000a80425fb
 *   Seccomp:	2
 */
import { ParseError, parseSafeInt } from '../read.js';

export interface PidStatus {
  readonly name: string;
  readonly ppid: number;
  /** Real, effective, saved, filesystem uid as seen from the reader's user namespace. */
  readonly uids: readonly number[];
  readonly gids: readonly number[];
  /** NSpid: the pid in each pid namespace, outermost (reader's) first. Absent before Linux 4.1. */
  readonly nspid: readonly number[] | null;
  readonly capInh: string | null;
  readonly capPrm: string | null;
  readonly capEff: string | null;
  readonly capBnd: string | null;
  readonly capAmb: string | null;
  /** 0 disabled, 1 strict, 2 filter. */
  readonly seccomp: number | null;
  readonly seccompFilters: number | null;
  readonly noNewPrivs: boolean | null;
  readonly vmRssKiB: number | null;
}

const STATUS_KEYS = ['Name', 'PPid', 'Uid', 'Gid', 'NSpid', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'Seccomp', 'Seccomp_filters', 'NoNewPrivs', 'VmRSS'];

/** The keys read, by first character and length: a line is matched without cutting its key out. */
const KEYS_BY_START = new Map<number, string[]>();
for (const k of STATUS_KEYS) {
  const at = startKey(k.charCodeAt(0), k.length);
  KEYS_BY_START.set(at, [...(KEYS_BY_START.get(at) ?? []), k]);
}
function startKey(firstChar: number, length: number): number {
  return firstChar * 64 + length;
}

export function parsePidStatus(text: string): PidStatus {
  // Only the keys we use are kept: status has ~55 lines, and a scan parses one per process.
  const map = new Map<string, string>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < end && colon - start < 64) {
      const keys = KEYS_BY_START.get(startKey(text.charCodeAt(start), colon - start));
      if (keys !== undefined) {
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i] as string;
          if (text.startsWith(key, start)) {
            map.set(key, text.slice(colon + 1, end).trim());
            break;
          }
        }
      }
    }
    start = end + 1;
  }
  const name = map.get('Name');
  const ppid = map.get('PPid');
  const uid = map.get('Uid');
  if (name === undefined || ppid === undefined || uid === undefined) throw new ParseError('missing Name, PPid or Uid', text);
  const ints = (v: string | undefined): number[] | null => (v === undefined || v === '' ? null : (tabbedInts(v) ?? v.split(/\s+/).map((x) => parseSafeInt(x))));
  const int = (v: string | undefined): number | null => (v === undefined ? null : (leadingInt(v) ?? parseSafeInt(v.split(/\s+/)[0] ?? '')));
  const hex = (v: string | undefined): string | null => {
    if (v === undefined) return null;
    if (!/^[0-9a-f]+$/i.test(v)) throw new ParseError('capability mask is not hex', v);
    return internMask(v.toLowerCase());
  };
  const nnp = map.get('NoNewPrivs');
  return {
    name: name.length < SLICED_MIN ? name : detach(name),
    ppid: parseSafeInt(ppid, 'PPid'),
    uids: ints(uid) ?? [],
    gids: ints(map.get('Gid')) ?? [],
    nspid: ints(map.get('NSpid')),
    capInh: hex(map.get('CapInh')),
    capPrm: hex(map.get('CapPrm')),
    capEff: hex(map.get('CapEff')),
    capBnd: hex(map.get('CapBnd')),
    capAmb: hex(map.get('CapAmb')),
    seccomp: int(map.get('Seccomp')),
    seccompFilters: int(map.get('Seccomp_filters')),
    noNewPrivs: nnp === undefined ? null : nnp === '1',
    vmRssKiB: int(map.get('VmRSS')),
  };
}

/**
 * What is kept of a status text must not keep the text: V8 makes a substring of 13 characters or
 * more (a capability mask has 16) a slice that holds its whole parent alive, here the ~1.4 KB
 * of status, for as long as the process's model lives (measured: 4.3 MB of 32 MB live after
 * `ps --json` on 1,000 three-process containers, copied by every scavenge that keeps it). A
 * mask is copied once and shared: a host has few distinct masks (at most MASKS_KEPT are kept).
 */
const SLICED_MIN = 13;
const MASKS_KEPT = 256;
const masks = new Map<string, string>();
function internMask(v: string): string {
  const known = masks.get(v);
  if (known !== undefined) return known;
  const copy = detach(v);
  if (masks.size < MASKS_KEPT) masks.set(copy, copy);
  return copy;
}

/** A new string with s's characters that holds nothing else alive (not a slice, not a concatenation). */
const detach = (s: string): string => JSON.parse(JSON.stringify(s)) as string;

/**
 * The kernel's form of a list of numbers (`Uid:\t0\t0\t0\t0`, `NSpid:\t48213\t1`): decimal
 * integers separated by single tabs, read without a regular-expression split; null for any other
 * text, which the caller splits on any whitespace (the two agree wherever this one answers).
 */
function tabbedInts(v: string): number[] | null {
  const out: number[] = [];
  for (let from = 0; ; ) {
    const tab = v.indexOf('\t', from);
    const n = decimal(v, from, tab < 0 ? v.length : tab);
    if (n === null) return null;
    out.push(n);
    if (tab < 0) return out;
    from = tab + 1;
  }
}

/** The integer a value starts with, up to a space or tab (`VmRSS:\t  1234 kB` trimmed, `Seccomp:\t2`); null where it is not plain decimal digits. */
function leadingInt(v: string): number | null {
  let end = 0;
  while (end < v.length && v.charCodeAt(end) !== 32 && v.charCodeAt(end) !== 9) end++;
  return decimal(v, 0, end);
}

/** Decimal digits from `from` to `to`, at most 15 (a safe integer), as a number; null otherwise. */
function decimal(v: string, from: number, to: number): number | null {
  if (to <= from || to - from > 15) return null;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return n;
}
