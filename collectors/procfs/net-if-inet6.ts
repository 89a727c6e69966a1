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

/** 32 hex digits to the RFC 5952 text form (lower case, longest zero run as "::"). */
export function formatIpv6(hex: string): string {
  const groups: number[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexs = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexs.join(':');
  return `${hexs.slice(0, bestStart).join(':')}::${hexs.slice(bestStart + bestLen).join(':')}`;
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
