/**
 * RTM_GETLINK replies captured on this machine (test/fixtures/netlink: the raw bytes a dump
 * returned, and `ip -d -j -s link` of the same namespace right after), parsed into what sysfs and
 * /proc/net/dev would show.
 */
import { describe, expect, it } from 'vitest';
import { parseLinkMessages, resolveLinks, type RawLink } from '../../../collectors/rtnetlink.js';
import { i32le, u16le, u32le } from '../../../collectors/sock-diag.js';
import { fixtureBytes } from '../../helpers/fixtures.js';

const fixture = (f: string): Buffer => fixtureBytes(`netlink/${f}`);
interface IpLink {
  ifindex: number;
  ifname: string;
  mtu: number;
  operstate: string;
  address?: string;
  link_index?: number;
  link?: string;
  master?: string;
  linkinfo?: { info_kind?: string };
  stats64: { rx: { bytes: number; packets: number; errors: number; dropped: number; missed?: number }; tx: { bytes: number; packets: number; errors: number; dropped: number } };
}

function parse(name: string): ReturnType<typeof resolveLinks> {
  const raw: RawLink[] = [];
  expect(parseLinkMessages(fixture(`${name}.bin`), raw)).toBe('done');
  return resolveLinks(raw);
}

describe.each(['getlink-veth', 'getlink-bridge'])('%s', (name) => {
  const links = parse(name);
  const ip = JSON.parse(fixture(`${name}.ip.json`).toString('utf8')) as IpLink[];

  it('has every interface ip lists, in ifindex order', () => {
    expect(links.map((l) => l.entry.name)).toEqual([...ip].sort((a, b) => a.ifindex - b.ifindex).map((l) => l.ifname));
  });

  it('ifindex, MAC, MTU, state, iflink, master and kind as ip shows them', () => {
    for (const l of links) {
      const i = ip.find((x) => x.ifname === l.entry.name) as IpLink;
      expect(l.entry).toMatchObject({ ifindex: i.ifindex, mtu: i.mtu, address: i.address ?? null, operstate: i.operstate.toLowerCase(), master: i.master ?? null, kind: i.linkinfo?.info_kind ?? null });
      // ip names the peer (link) when it is in the same namespace, else gives its index (link_index);
      // neither where iflink is the interface's own ifindex.
      const peer = i.link === undefined ? undefined : ip.find((x) => x.ifname === i.link)?.ifindex;
      expect(l.entry.iflink).toBe(i.link_index ?? peer ?? i.ifindex);
    }
  });

  it('counters as /proc/net/dev prints them (drop = rx_dropped + rx_missed_errors), never ahead of ip read after', () => {
    for (const l of links) {
      const s = (ip.find((x) => x.ifname === l.entry.name) as IpLink).stats64;
      const c = l.counters;
      expect(c.name).toBe(l.entry.name);
      expect(c.rxBytes).toBeLessThanOrEqual(s.rx.bytes);
      expect(c.rxPackets).toBeLessThanOrEqual(s.rx.packets);
      expect(c.txBytes).toBeLessThanOrEqual(s.tx.bytes);
      expect(c.txPackets).toBeLessThanOrEqual(s.tx.packets);
      expect(c.rxDropped).toBeLessThanOrEqual(s.rx.dropped + (s.rx.missed ?? 0));
      expect([c.rxErrors, c.txErrors, c.txDropped]).toEqual([s.rx.errors, s.tx.errors, s.tx.dropped]);
    }
  });
});

describe('bad replies', () => {
  it('a truncated message is EINVAL, an error message its errno, never a link', () => {
    const buf = fixture('getlink-veth.bin');
    const out: RawLink[] = [];
    expect(parseLinkMessages(buf.subarray(0, 40), out)).toBe(-22);
    const err = Buffer.alloc(36);
    err.writeUInt32LE(36, 0);
    err.writeUInt16LE(2, 4); // NLMSG_ERROR
    err.writeInt32LE(-1, 16); // EPERM
    expect(parseLinkMessages(err, out)).toBe(-1);
    expect(out).toEqual([]);
  });
});

describe('the little-endian readers of the netlink parsers', () => {
  it('read what Buffer reads at every offset of the captured replies, and at the extremes', () => {
    const edges = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff, 0x7f, 0x01, 0x00, 0x00, 0x00]);
    for (const buf of [fixture('getlink-veth.bin'), fixture('getlink-bridge.bin'), edges]) {
      for (let at = 0; at + 4 <= buf.length; at++) {
        expect(u16le(buf, at)).toBe(buf.readUInt16LE(at));
        expect(u32le(buf, at)).toBe(buf.readUInt32LE(at));
        expect(i32le(buf, at)).toBe(buf.readInt32LE(at));
      }
    }
  });
});
