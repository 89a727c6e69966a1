/** /proc/<pid>/net parsers on captures from this machine (samples/net) and upstream (samples/procfs, samples/cgroup-coroot). */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetDev } from '../../../collectors/procfs/net-dev.js';
import { parseFibTrieLocalAddresses } from '../../../collectors/procfs/net-fib-trie.js';
import { formatIpv6, formatIpv6Bytes, parseIfInet6 } from '../../../collectors/procfs/net-if-inet6.js';
import { parseDevMcast, parseIgmp } from '../../../collectors/procfs/net-ifindex.js';
import { parseIpv6Route, parseNetRoute } from '../../../collectors/procfs/net-route.js';
import { parseNetSockets, TCP_LISTEN } from '../../../collectors/procfs/net-sockets.js';
import { ParseError } from '../../../collectors/read.js';

const sample = (p: string): string => readFileSync(new URL(`../../../samples/${p}`, import.meta.url), 'utf8');

describe('docker bridge container (samples/net/docker-6.18, docker inspect: 172.17.0.2/16 via 172.17.0.1)', () => {
  it('fib_trie + route give 172.17.0.2 on eth0 /16 and the default route', () => {
    expect(parseFibTrieLocalAddresses(sample('net/docker-6.18/fib_trie')).sort()).toEqual(['127.0.0.1', '172.17.0.2']);
    const routes = parseNetRoute(sample('net/docker-6.18/route'));
    expect(routes).toContainEqual({ iface: 'eth0', destination: '0.0.0.0', gateway: '172.17.0.1', prefixLen: 0, flags: 3, metric: 0 });
    expect(routes).toContainEqual({ iface: 'eth0', destination: '172.17.0.0', gateway: '0.0.0.0', prefixLen: 16, flags: 1, metric: 0 });
  });
  it('ifindex from dev_mcast and igmp', () => {
    expect(parseDevMcast(sample('net/docker-6.18/dev_mcast')).map((x) => [x.name, x.ifindex])).toContainEqual(['eth0', 13]);
    expect(parseIgmp(sample('net/docker-6.18/igmp'))).toEqual([
      { ifindex: 1, name: 'lo' },
      { ifindex: 13, name: 'eth0' },
    ]);
  });
});

describe('hand-made netns (samples/net/handmade-6.18)', () => {
  it('if_inet6 gives fd00:99::2/64 on ifindex 2 and ::1 on lo', () => {
    const a = parseIfInet6(sample('net/handmade-6.18/if_inet6'));
    expect(a).toContainEqual({ address: 'fd00:99::2', ifindex: 2, prefixLen: 64, scope: 0, flags: 0x82, name: 'eth0' });
    expect(a.find((x) => x.name === 'lo')?.address).toBe('::1');
  });
  it('ipv6_route has the default via fd00:99::1 on eth0', () => {
    const r = parseIpv6Route(sample('net/handmade-6.18/ipv6_route'));
    expect(r.find((x) => x.destination === '::' && x.prefixLen === 0 && x.iface === 'eth0')?.nextHop).toBe('fd00:99::1');
  });
  it('tcp6 shows nc listening on [::]:8080', () => {
    const s = parseNetSockets(sample('net/handmade-6.18/tcp6'));
    expect(s).toEqual([expect.objectContaining({ localAddress: '::', localPort: 8080, state: TCP_LISTEN })]);
    expect(parseNetSockets(sample('net/handmade-6.18/tcp'))).toEqual([]);
  });
});

describe('upstream captures', () => {
  it('procfs net/dev: veth counters mirror the container eth0 (rx/tx swapped)', () => {
    const host = parseNetDev(sample('procfs/proc/net/dev'));
    const inside = parseNetDev(sample('procfs/proc/26231/net/dev'));
    const veth = host.find((d) => d.name === 'vethf345468');
    const eth0 = inside.find((d) => d.name === 'eth0');
    expect([veth?.rxBytes, veth?.rxPackets, veth?.txBytes, veth?.txPackets]).toEqual([648, 8, 438, 5]);
    expect([eth0?.rxBytes, eth0?.txBytes]).toEqual([veth?.txBytes, veth?.rxBytes]);
  });
  it('coroot tcp: a LISTEN on 0.0.0.0:5432 and an established 172.17.0.3 socket', () => {
    const s = parseNetSockets(sample('cgroup-coroot/proc/123/net/tcp'));
    expect(s[0]).toMatchObject({ localAddress: '0.0.0.0', localPort: 5432, state: TCP_LISTEN, uid: 999, inode: 8039432 });
    expect(s[1]).toMatchObject({ localAddress: '172.17.0.3', remoteAddress: '172.17.0.4', state: 1 });
  });
});

describe('hostile input', () => {
  it('net/dev with a truncated line is malformed', () => {
    expect(() => parseNetDev('Inter-|\n face |\n  eth0: 1 2 3\n')).toThrow(ParseError);
  });
  it('formatIpv6 compresses the longest zero run only', () => {
    expect(formatIpv6('20010db8000000010000000000000001')).toBe('2001:db8:0:1::1');
    expect(formatIpv6('00000000000000000000000000000000')).toBe('::');
    // RFC 5952 4.2: the first of two equally long runs; a lone zero group stays; leading and
    // trailing runs; upper-case digits (net/tcp6 prints them) read the same.
    expect(formatIpv6('20010db8000000000001000000000001')).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6('20010db8000000010001000100010001')).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6('fe800000000000000000000000000000')).toBe('fe80::');
    expect(formatIpv6('00000000000000000000FFFF0A000001')).toBe('::ffff:a00:1');
    expect(formatIpv6Bytes(Buffer.from('00ff20010db8000000000001000000000001', 'hex'), 2)).toBe('2001:db8::1:0:0:1');
  });
  it('tcp6 words are host-order __be32s: ::1 and fd00::2 read back', () => {
    const line = (local: string): string => `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: ${local}:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1\n`;
    expect(parseNetSockets(line('00000000000000000000000001000000'))[0]?.localAddress).toBe('::1');
    expect(parseNetSockets(line('000000FD000000000000000002000000'))[0]?.localAddress).toBe('fd00::2');
  });
});

describe('parseFibTrieLocalAddresses line by line', () => {
  /** The grammar as regular expressions: a leaf `|-- a.b.c.d`, a node `+--` or a table name ending the leaf, `/32 host LOCAL` under a leaf. */
  const byRegex = (text: string): string[] => {
    const out = new Set<string>();
    let leaf: string | null = null;
    for (const line of text.split('\n')) {
      const m = /^\s*\|-- (\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
      if (m) {
        leaf = m[1] as string;
        continue;
      }
      if (/^\s*\+--/.test(line) || /^\S/.test(line)) {
        leaf = null;
        continue;
      }
      if (leaf !== null && /^\s*\/32 host LOCAL\s*$/.test(line)) out.add(leaf);
    }
    return [...out];
  };
  const recorded = readdirSync('samples', { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('/fib_trie')).map((p) => readFileSync(`samples/${p}`, 'utf8'));

  it('reads every recorded table, and odd spacing, as the grammar does', () => {
    expect(recorded.length).toBeGreaterThan(1);
    const odd = [
      'Main:\n  +-- 10.0.0.0/8 2 0 2\n     |-- 10.1.2.3  \n        /32 host LOCAL\t\n|-- 10.9.9.9\n   /32 host LOCAL\n',
      'Local:\n     |--  10.1.1.1\n        /32 host LOCAL\n     |-- 10.2.2.2\nLocal:\n        /32 host LOCAL\n     |-- 10.3.3.3\n        /32 host LOCAL \n  +-- x\n        /32 host LOCAL\n',
      '     |-- 10.4.4.4\n\n        /32 link BROADCAST\n        /32 host LOCAL\n',
    ];
    for (const text of [...recorded, ...odd]) expect(parseFibTrieLocalAddresses(text)).toEqual(byRegex(text));
  });
});
