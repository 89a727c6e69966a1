/**
 * /proc/<pid>/net/{tcp,tcp6,udp,udp6} — Documentation/networking/proc_net_tcp.rst,
 * net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv4/udp.c udp4_format_sock.
 *    sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *     0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234567 1 ...
 * Addresses are raw __be32 words printed "%08X" (bytes reversed on little-endian hosts); ports are
 * plain hex. TCP state 0A is LISTEN; a bound, unconnected UDP socket is 07 (TCP_CLOSE).
 */
import { ParseError } from '../read.js';
import { formatIpv6Bytes } from './net-if-inet6.js';
import { parseIpv4Hex } from './net-route.js';

export interface NetSocket {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly state: number;
  readonly uid: number;
  readonly inode: number;
}

/** The bytes of a tcp6/udp6 address as they lie in memory (formatting is synchronous: one buffer). */
const IN6 = new Uint8Array(16);

function addr(hex: string, littleEndian: boolean): string {
  if (hex.length === 8) return parseIpv4Hex(hex, littleEndian);
  // tcp6/udp6: four __be32 words, each printed like an IPv4 one: "%08X" of the word read as a
  // host integer, so on a little-endian host each word's four bytes read reversed.
  for (let b = 0; b < 16; b++) {
    const word = b >> 2;
    const inWord = littleEndian ? 3 - (b & 3) : b & 3;
    const at = word * 8 + inWord * 2;
    IN6[b] = parseInt(hex.slice(at, at + 2), 16);
  }
  return formatIpv6Bytes(IN6, 0);
}

export function parseNetSockets(text: string, littleEndian = true): NetSocket[] {
  const out: NetSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    const local = /^([0-9A-F]{8}|[0-9A-F]{32}):([0-9A-F]{4})$/i.exec(f[1] ?? '');
    const remote = /^([0-9A-F]{8}|[0-9A-F]{32}):([0-9A-F]{4})$/i.exec(f[2] ?? '');
    if (f.length < 10 || !local || !remote) throw new ParseError('expected "sl local rem st ... uid timeout inode"', line);
    out.push({
      localAddress: addr(local[1] as string, littleEndian),
      localPort: parseInt(local[2] as string, 16),
      remoteAddress: addr(remote[1] as string, littleEndian),
      remotePort: parseInt(remote[2] as string, 16),
      state: parseInt(f[3] as string, 16),
      uid: Number(f[7]),
      inode: Number(f[9]),
    });
  }
  return out;
}

export const TCP_LISTEN = 0x0a;
export const TCP_CLOSE = 0x07;
