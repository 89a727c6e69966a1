/**
 * /proc/<pid>/net/route (IPv4, net/ipv4/fib_trie.c fib_route_seq_show) and net/ipv6_route
 * (net/ipv6/route.c ipv6_route_native_seq_show).
 *   Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
 *   eth0	00000000	0100580A	0003	0	0	100	00000000	0	0	0
 * IPv4 addresses are the raw __be32 printed "%08X", so on a little-endian host the bytes read
 * reversed: 0100580A = 10.88.0.1. Every architecture ctrscope targets (x86-64, arm64) is
 * little-endian; the parameter exists for a big-endian capture (s390x).
 * ipv6_route: dest(32 hex) plen src srcplen nexthop metric refcnt use flags iface.
 */
import { ParseError } from '../read.js';
import { formatIpv6 } from './net-if-inet6.js';

export interface Ipv4Route {
  readonly iface: string;
  readonly destination: string;
  readonly gateway: string;
  readonly prefixLen: number;
  readonly flags: number;
  readonly metric: number;
}

export interface Ipv6Route {
  readonly iface: string;
  readonly destination: string;
  readonly prefixLen: number;
  readonly nextHop: string;
  readonly metric: number;
  readonly flags: number;
}

/** Bytes of a "%08X" __be32 as they lie in memory; little-endian is every Linux this reads. */
function be32Bytes(hex: string, littleEndian: boolean): number[] {
  const v = parseInt(hex, 16) >>> 0;
  const b = [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return littleEndian ? b.reverse() : b;
}

export function parseIpv4Hex(hex: string, littleEndian = true): string {
  return be32Bytes(hex, littleEndian).join('.');
}

function maskBits(hex: string, littleEndian: boolean): number {
  let bits = 0;
  for (const byte of be32Bytes(hex, littleEndian)) for (let i = 7; i >= 0; i--) if ((byte >> i) & 1) bits++;
  return bits;
}

export function parseNetRoute(text: string, littleEndian = true): Ipv4Route[] {
  const out: Ipv4Route[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^[0-9A-Fa-f]{8}$/.test(f[1] as string)) throw new ParseError('expected "Iface Destination Gateway Flags RefCnt Use Metric Mask ..."', line);
    out.push({
      iface: f[0] as string,
      destination: parseIpv4Hex(f[1] as string, littleEndian),
      gateway: parseIpv4Hex(f[2] as string, littleEndian),
      prefixLen: maskBits(f[7] as string, littleEndian),
      flags: parseInt(f[3] as string, 16),
      metric: Number(f[6]),
    });
  }
  return out;
}

export function parseIpv6Route(text: string): Ipv6Route[] {
  const out: Ipv6Route[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^[0-9a-f]{32}$/i.test(f[0] as string)) throw new ParseError('expected "dest plen src srcplen nexthop metric refcnt use flags iface"', line);
    out.push({
      iface: f[9] as string,
      destination: formatIpv6(f[0] as string),
      prefixLen: parseInt(f[1] as string, 16),
      nextHop: formatIpv6(f[4] as string),
      metric: parseInt(f[5] as string, 16),
      flags: parseInt(f[8] as string, 16),
    });
  }
  return out;
}

/** RTF_UP | RTF_GATEWAY (include/uapi/linux/route.h): a usable route through a gateway. */
export const RTF_UP = 0x1;
export const RTF_GATEWAY = 0x2;
/** RTF_REJECT: ipv6_route prints an unreachable default (flags 00200200) on lo. */
export const RTF_REJECT = 0x200;
