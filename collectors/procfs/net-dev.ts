/**
 * /proc/<pid>/net/dev — per-interface counters of the task's network namespace
 * (net/core/net-procfs.c dev_seq_printf_stats). Two header lines, then:
 *   eth0:    2842      35    0    0    0     0          0         0      866      11    0    0    0     0       0          0
 * Receive: bytes packets errs drop fifo frame compressed multicast; Transmit: bytes packets errs
 * drop fifo colls carrier compressed. Counters are u64; parseSafeInt refuses the (unreachable in
 * practice) values above 2^53.
 */
import { ParseError, parseSafeInt } from '../read.js';

export interface NetDevCounters {
  readonly name: string;
  readonly rxBytes: number;
  readonly rxPackets: number;
  readonly rxErrors: number;
  readonly rxDropped: number;
  readonly txBytes: number;
  readonly txPackets: number;
  readonly txErrors: number;
  readonly txDropped: number;
}

export function parseNetDev(text: string): NetDevCounters[] {
  const out: NetDevCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.lastIndexOf(':');
    // Header lines have "|" and no "name:" prefix; interface names cannot contain ':' (net/core/dev.c dev_valid_name).
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/);
    if (name === '' || f.length < 16) throw new ParseError('expected "<iface>: " and 16 counters', line);
    const n = (i: number): number => parseSafeInt(f[i] as string, 'counter');
    out.push({ name, rxBytes: n(0), rxPackets: n(1), rxErrors: n(2), rxDropped: n(3), txBytes: n(8), txPackets: n(9), txErrors: n(10), txDropped: n(11) });
  }
  return out;
}
