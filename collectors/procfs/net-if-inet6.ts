/**
 * /proc/<pid>/net/if_inet6 — IPv6 addresses (net/ipv6/addrconf.c if6_seq_show,
 * "%pi6 %02x %02x %02x %02x %8s"): address, ifindex, prefix length, scope, flags (hex), name.
 *   fe800000000000003013dcfffed46c86 02 40 20 80     eth0
 * Absent when IPv6 is disabled (ipv6.disable=1): the caller treats ENOENT as "no IPv6".
 */
import { ParseError } from '../read.js';

export interface IfInet6 {
  readonly address: string;
  readonly ifindex: number;
  readonly prefixLen: number;
  readonly scope: number;
  readonly flags: number;
  readonly name: string;
}

/** The eight 16-bit groups of the address being formatted (formatting is synchronous: one buffer). */
const GROUPS = new Uint16Array(8);

/** The value of the hex digit at i (0-9, a-f, A-F; callers have checked the text). */
function hexDigit(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

/** 32 hex digits to the RFC 5952 text form (lower case, longest zero run as "::"). */
export function formatIpv6(hex: string): string {
  for (let g = 0; g < 8; g++) {
    const i = g * 4;
    GROUPS[g] = (hexDigit(hex, i) << 12) | (hexDigit(hex, i + 1) << 8) | (hexDigit(hex, i + 2) << 4) | hexDigit(hex, i + 3);
  }
  return formatGroups();
}

/** The 16 bytes at `at` (network order, as in a struct in6_addr) to the RFC 5952 text form. */
export function formatIpv6Bytes(bytes: Uint8Array, at: number): string {
  for (let g = 0; g < 8; g++) GROUPS[g] = ((bytes[at + 2 * g] as number) << 8) | (bytes[at + 2 * g + 1] as number);
  return formatGroups();
}

/**
 * GROUPS as text: each group in lower-case hex without leading zeros, the first longest run of
 * two or more zero groups written "::" (RFC 5952 4.2), built without intermediate arrays (a
 * `ps --json` formats a few per network namespace, hundreds of namespaces a run).
 */
function formatGroups(): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (GROUPS[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && GROUPS[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += (GROUPS[i] as number).toString(16);
  }
  return out;
}

export function parseIfInet6(text: string): IfInet6[] {
  const out: IfInet6[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^[0-9a-f]{32}$/i.test(f[0] as string)) throw new ParseError('expected "<32 hex> ifindex plen scope flags name"', line);
    const h = (i: number): number => parseInt(f[i] as string, 16);
    out.push({ address: formatIpv6(f[0] as string), ifindex: h(1), prefixLen: h(2), scope: h(3), flags: h(4), name: f[5] as string });
  }
  return out;
}
