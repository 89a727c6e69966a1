/**
 * sock_diag listening-TCP replies captured on this machine (test/fixtures/netlink/diag-*: the
 * raw bytes of each dump, batch by batch as recv() returned them, with the namespace's
 * /proc/net/tcp{,6} and `ss -ltne` read right after), parsed into the sockets network.ts
 * reports: the listeners the proc files and ss show, with the same addresses, ports and inodes,
 * and nothing else (not the established pair, not the socket bound without listening).
 */
import { describe, expect, it } from 'vitest';
import { parseDiagMessages, type DiagSocket } from '../../../collectors/sock-diag.js';
import { parseNetSockets, TCP_LISTEN } from '../../../collectors/procfs/net-sockets.js';
import { fixture, fixtureBytes } from '../../helpers/fixtures.js';

/** The request types the replies carry: the dump of both families, and one family's. */
const TCPDIAG_GETSOCK = 18;
const SOCK_DIAG_BY_FAMILY = 20;

/** A dump's replies as the kernel handed them over, one Buffer per recv(). */
function batches(name: string): Buffer[] {
  const all = fixtureBytes(`netlink/${name}.bin`);
  const lengths = JSON.parse(fixture(`netlink/${name}.batches.json`)) as number[];
  expect(lengths.reduce((a, b) => a + b, 0)).toBe(all.length);
  let at = 0;
  return lengths.map((n) => all.subarray(at, (at += n)));
}

/** Parse a dump batch by batch, as netlinkDump does: 'more' until the last, which is 'done'. */
function parseDump(name: string, type: number): DiagSocket[] {
  const out: DiagSocket[] = [];
  const parts = batches(name);
  parts.forEach((b, i) => expect(parseDiagMessages(b, type, out)).toBe(i === parts.length - 1 ? 'done' : 'more'));
  return out;
}

const key = (s: DiagSocket): string => `${s.proto} ${s.address} ${s.port} ${s.inode}`;
const keys = (list: readonly DiagSocket[]): string[] => list.map(key).sort();

/** The listeners of the proc files read in the same moment: what a host tree or a recording reports. */
function procListeners(): DiagSocket[] {
  return (['tcp', 'tcp6'] as const).flatMap((proto) =>
    parseNetSockets(fixture(`netlink/diag.proc/${proto}`))
      .filter((s) => s.state === TCP_LISTEN)
      .map((s) => ({ proto, address: s.localAddress, port: s.localPort, inode: s.inode })),
  );
}

/** `ss -H -ltne`: "LISTEN 0 16 127.0.0.1:8080 0.0.0.0:* ino:123 ...", `[::1]:6060` and `*:7070` for IPv6. */
function ssListeners(): Array<{ address: string; port: number; inode: number }> {
  return fixture('netlink/diag.ss.txt')
    .split('\n')
    .filter((l) => l.startsWith('LISTEN'))
    .map((l) => {
      const local = l.split(/\s+/)[3] as string;
      const cut = local.lastIndexOf(':');
      const host = local.slice(0, cut).replace(/^\[|\]$/g, '');
      return { address: host === '*' ? '::' : host, port: Number(local.slice(cut + 1)), inode: Number(/ ino:(\d+)/.exec(l)?.[1]) };
    });
}

describe('sock_diag listening-TCP replies (captured)', () => {
  it('the dump of both families lists every listener the proc files list, and no other socket', () => {
    const both = parseDump('diag-both', TCPDIAG_GETSOCK);
    // 153 IPv4 listeners (150 on 127.0.0.1 to span several batches), 3 IPv6 ones.
    expect(both.filter((s) => s.proto === 'tcp')).toHaveLength(153);
    expect(both.filter((s) => s.proto === 'tcp6')).toHaveLength(3);
    expect(keys(both)).toEqual(keys(procListeners()));
    // The proc files also hold the established pair on 8080, which is no listener.
    const established = parseNetSockets(fixture('netlink/diag.proc/tcp')).filter((s) => s.state !== TCP_LISTEN);
    expect(established).toHaveLength(2);
    for (const s of established) expect(both.some((d) => d.inode === s.inode)).toBe(false);
  });

  it('gives the addresses, ports and inodes ss shows', () => {
    const both = parseDump('diag-both', TCPDIAG_GETSOCK);
    const ss = ssListeners();
    expect(ss).toHaveLength(both.length);
    expect(both.map((s) => `${s.address} ${s.port} ${s.inode}`).sort()).toEqual(ss.map((s) => `${s.address} ${s.port} ${s.inode}`).sort());
    const find = (address: string, port: number): DiagSocket | undefined => both.find((s) => s.address === address && s.port === port);
    expect(find('127.0.0.1', 8080)?.proto).toBe('tcp');
    expect(find('0.0.0.0', 9090)?.proto).toBe('tcp');
    expect(find('10.99.0.2', 4040)?.proto).toBe('tcp');
    expect(find('::', 7070)?.proto).toBe('tcp6'); // dual-stack: one IPv6 socket
    expect(find('::1', 6060)?.proto).toBe('tcp6');
    expect(find('fd00:99::2', 5050)?.proto).toBe('tcp6');
    expect(find('127.0.0.1', 3030)).toBeUndefined(); // bound, never listening
  });

  it('the dumps per family give the same sockets, each its own family', () => {
    const inet = parseDump('diag-inet', SOCK_DIAG_BY_FAMILY);
    const inet6 = parseDump('diag-inet6', SOCK_DIAG_BY_FAMILY);
    expect(inet.every((s) => s.proto === 'tcp')).toBe(true);
    expect(inet6.every((s) => s.proto === 'tcp6')).toBe(true);
    expect(keys([...inet, ...inet6])).toEqual(keys(parseDump('diag-both', TCPDIAG_GETSOCK)));
  });

  it('takes only replies of the type asked for', () => {
    // Each reply carries its request's type: a both-families reply read as a per-family one is not ours.
    const out: DiagSocket[] = [];
    for (const b of batches('diag-both')) parseDiagMessages(b, SOCK_DIAG_BY_FAMILY, out);
    expect(out).toEqual([]);
  });
});

describe('sock_diag replies: bad input', () => {
  const first = (): Buffer => Buffer.from(batches('diag-both')[0] as Buffer);

  it('a message cut short is an error (EINVAL), not a socket made of what follows', () => {
    const b = first();
    const out: DiagSocket[] = [];
    expect(parseDiagMessages(b.subarray(0, b.length - 10), TCPDIAG_GETSOCK, out)).toBe(-22);
    // The messages before the cut one are whole, and kept.
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((s) => s.port > 0 && s.inode > 0)).toBe(true);
  });

  it('a length field below the header size is an error', () => {
    const b = first();
    b.writeUInt32LE(8, 0);
    expect(parseDiagMessages(b, TCPDIAG_GETSOCK, [])).toBe(-22);
  });

  it("the kernel's error answer is returned as its errno", () => {
    const err = Buffer.alloc(36);
    err.writeUInt32LE(36, 0);
    err.writeUInt16LE(2, 4); // NLMSG_ERROR
    err.writeInt32LE(-95, 16); // EOPNOTSUPP
    expect(parseDiagMessages(err, TCPDIAG_GETSOCK, [])).toBe(-95);
    const done = Buffer.alloc(20);
    done.writeUInt32LE(20, 0);
    done.writeUInt16LE(3, 4); // NLMSG_DONE carrying an error
    done.writeInt32LE(-4, 16);
    expect(parseDiagMessages(done, TCPDIAG_GETSOCK, [])).toBe(-4);
  });

  it('a socket in another state is skipped', () => {
    const whole: DiagSocket[] = [];
    parseDiagMessages(first(), TCPDIAG_GETSOCK, whole);
    const b = first();
    b[16 + 1] = 1; // the first message's idiag_state: TCP_ESTABLISHED
    const out: DiagSocket[] = [];
    expect(parseDiagMessages(b, TCPDIAG_GETSOCK, out)).toBe('more');
    expect(out).toEqual(whole.slice(1));
  });

  it('a message too short for struct inet_diag_msg is skipped', () => {
    // One reply of 40 payload bytes (struct inet_diag_msg has 72), then NLMSG_DONE.
    const b = Buffer.alloc(16 + 40 + 20);
    b.writeUInt32LE(16 + 40, 0);
    b.writeUInt16LE(TCPDIAG_GETSOCK, 4);
    b[16] = 2; // AF_INET
    b[17] = 10; // TCP_LISTEN
    b.writeUInt32LE(20, 56);
    b.writeUInt16LE(3, 60);
    const out: DiagSocket[] = [];
    expect(parseDiagMessages(b, TCPDIAG_GETSOCK, out)).toBe('done');
    expect(out).toEqual([]);
  });
});
