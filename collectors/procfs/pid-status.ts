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

const STATUS_KEYS = new Set(['Name', 'PPid', 'Uid', 'Gid', 'NSpid', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'Seccomp', 'Seccomp_filters', 'NoNewPrivs', 'VmRSS']);

export function parsePidStatus(text: string): PidStatus {
  // Only the keys we use are kept: status has ~55 lines, and a scan parses one per process.
  const map = new Map<string, string>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < end) {
      const key = text.slice(start, colon);
      if (STATUS_KEYS.has(key)) map.set(key, text.slice(colon + 1, end).trim());
    }
    start = end + 1;
  }
  const name = map.get('Name');
  const ppid = map.get('PPid');
  const uid = map.get('Uid');
  if (name === undefined || ppid === undefined || uid === undefined) throw new ParseError('missing Name, PPid or Uid', text);
  const ints = (v: string | undefined): number[] | null =>
    v === undefined || v === '' ? null : v.split(/\s+/).map((x) => parseSafeInt(x));
  const int = (v: string | undefined): number | null => (v === undefined ? null : parseSafeInt(v.split(/\s+/)[0] ?? ''));
  const hex = (v: string | undefined): string | null => {
    if (v === undefined) return null;
    if (!/^[0-9a-f]+$/i.test(v)) throw new ParseError('capability mask is not hex', v);
    return v.toLowerCase();
  };
  const nnp = map.get('NoNewPrivs');
  return {
    name,
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
