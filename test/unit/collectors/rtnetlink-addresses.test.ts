/**
 * RTM_GETADDR and RTM_GETROUTE replies captured on this machine (test/fixtures/netlink: the raw
 * bytes each dump returned, `ip -j addr` and `ip -j route show table all` of the same namespace
 * right after, and its /proc/net files read in the same moment), parsed into what network.ts
 * reports: the values ip shows, and the same addresses and default routes as the files give
 * where the two agree (rtnetlink.ts header: where and why they do not).
 */
import { describe, expect, it } from 'vitest';
import { collectNetworks } from '../../../collectors/network.js';
import { parseAddrMessages, parseLinkMessages, parseRouteMessages, resolveAddresses, resolveLinks, type NetlinkLink, type RawAddress, type RawDefaultRoute, type RawLink } from '../../../collectors/rtnetlink.js';
import type { HostRoot } from '../../../collectors/host-root.js';
import type { NetworkNs } from '../../../src/model/network.js';
import { filesRoot, fixture, fixtureBytes } from '../../helpers/fixtures.js';

const bytes = (f: string): Buffer => fixtureBytes(`netlink/${f}`);
const json = <T>(f: string): T => JSON.parse(fixture(`netlink/${f}`)) as T;

interface IpAddr {
  ifindex: number;
  ifname: string;
  addr_info: Array<{ family: string; local: string; prefixlen: number }>;
}
interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  metric?: number;
  table?: string;
  nhid?: number;
  nexthops?: Array<{ gateway?: string; dev?: string }>;
}

function links(name: string): NetlinkLink[] {
  const raw: RawLink[] = [];
  expect(parseLinkMessages(bytes(`${name}.getlink.bin`), raw)).toBe('done');
  return resolveLinks(raw);
}
function addrs(name: string): RawAddress[] {
  const out: RawAddress[] = [];
  expect(parseAddrMessages(bytes(`${name}.getaddr.bin`), out)).toBe('done');
  return out;
}
function routes(name: string): RawDefaultRoute[] {
  const out: RawDefaultRoute[] = [];
  expect(parseRouteMessages(bytes(`${name}.getroute.bin`), out)).toBe('done');
  return out;
}

/**
 * The default routes ip lists, told as the files tell them (rtnetlink.ts header), one per
 * nexthop: IPv4 of the main table but broadcast and multicast, IPv6 of every table but reject
 * types and lo; no gateway 0.0.0.0 or ::, no device `*`, no metric 0.
 */
function ipDefaults(name: string): Array<{ family: string; gateway: string; iface: string; metric: number }> {
  const r = json<{ ipv4: IpRoute[]; ipv6: IpRoute[] }>(`${name}.ip-route.json`);
  const out: Array<{ family: string; gateway: string; iface: string; metric: number }> = [];
  for (const [family, list, none] of [['ipv4', r.ipv4, '0.0.0.0'], ['ipv6', r.ipv6, '::']] as const) {
    for (const route of list) {
      if (route.dst !== 'default') continue;
      const type = route.type ?? 'unicast';
      if (family === 'ipv4' && (route.table !== undefined || type === 'broadcast' || type === 'multicast')) continue;
      if (family === 'ipv6' && ['unreachable', 'blackhole', 'prohibit', 'throw'].includes(type)) continue;
      for (const hop of route.nexthops ?? [route]) {
        if (family === 'ipv6' && hop.dev === 'lo') continue;
        out.push({ family, gateway: hop.gateway ?? none, iface: hop.dev ?? '*', metric: route.metric ?? 0 });
      }
    }
  }
  return out;
}

describe.each(['addrs', 'multipath'])('%s', (name) => {
  const ip = json<IpAddr[]>(`${name}.ip-addr.json`);

  it('every address ip lists, with its prefix, interface and family, in the dump order (IPv4, then IPv6)', () => {
    const got = addrs(name);
    const want = ['inet', 'inet6'].flatMap((family) => ip.flatMap((i) => i.addr_info.filter((a) => a.family === family).map((a) => ({ family: family === 'inet' ? 'ipv4' : 'ipv6', ifindex: i.ifindex, address: a.local, prefixLen: a.prefixlen }))));
    expect(got).toEqual(want);
    expect(got.some((a) => a.family === 'ipv4')).toBe(true);
    expect(got.some((a) => a.family === 'ipv6' && !a.address.startsWith('fe80:') && a.address !== '::1')).toBe(true);
  });

  it('the default routes ip lists, one per nexthop, named by the interfaces of the same visit', () => {
    const r = resolveAddresses(addrs(name), routes(name), links(name));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.defaults).toEqual(ipDefaults(name));
    expect(r.defaults.some((d) => d.family === 'ipv4' && d.gateway !== '0.0.0.0' && d.metric !== 0)).toBe(true);
    expect(r.defaults.some((d) => d.family === 'ipv6' && d.gateway !== '::')).toBe(true);
    for (const i of ip) {
      expect(r.v4.get(i.ifname) ?? []).toEqual(i.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`));
      expect(r.v6.get(i.ifname) ?? []).toEqual(i.addr_info.filter((a) => a.family === 'inet6').map((a) => `${a.local}/${a.prefixlen}`));
    }
  });
});

/** The namespace as collectNetworks reports it from the captured files, and from the captured dumps. */
function bothPaths(name: string): { files: NetworkNs; netlink: NetworkNs } {
  const files: Record<string, string> = {};
  for (const f of ['dev', 'route', 'fib_trie', 'if_inet6', 'ipv6_route']) files[`/proc/7/net/${f}`] = fixture(`netlink/${name}.proc/${f}`);
  const viaFiles = filesRoot(files);
  const viaNetlink: HostRoot = { ...filesRoot(files), netnsNetlink: (_pid, _listening, asked) => ({ links: { ok: true, links: links(name) }, listeningTcp: null, addresses: asked ? resolveAddresses(addrs(name), routes(name), links(name)) : null }) };
  const read = (root: HostRoot): NetworkNs => collectNetworks(root, [{ netns: 1, pid: 7 }], null).get(1) as NetworkNs;
  return { files: read(viaFiles), netlink: read(viaNetlink) };
}

describe('the files and the dumps of one namespace, captured together', () => {
  it('addrs: the same IPv6 addresses and default routes; every IPv4 address the files show, in the same order, and the others are those without a connected route', () => {
    const { files, netlink } = bothPaths('addrs');
    const ipRoutes = json<{ ipv4: IpRoute[] }>('addrs.ip-route.json').ipv4;
    expect(netlink.defaultRoutes).toEqual(files.defaultRoutes);
    expect(netlink.defaultRoutes.length).toBeGreaterThanOrEqual(3);
    expect(netlink.interfaces.map((i) => i.name)).toEqual(files.interfaces.map((i) => i.name));
    let extra = 0;
    for (const i of netlink.interfaces) {
      const f = files.interfaces.find((x) => x.name === i.name);
      expect(i.ipv6).toEqual(f?.ipv6);
      // The files' IPv4 addresses are the dump's, less those no connected main-table route
      // contains (127.x aside: the files put those on lo, /8, from the local table).
      const connected = (cidr: string): boolean => cidr.startsWith('127.') || ipRoutes.some((r) => r.table === undefined && r.gateway === undefined && r.dev === i.name && r.dst !== 'default' && sameNet(r.dst, cidr));
      expect(i.ipv4.filter(connected)).toEqual(f?.ipv4);
      extra += i.ipv4.filter((c) => !connected(c)).length;
    }
    // The capture holds such addresses (an interface down, noprefixroute, a /32 on lo): the check above is not empty.
    expect(extra).toBeGreaterThanOrEqual(3);
    expect(netlink.interfaces.find((i) => i.name === 'eth0')?.ipv4.length).toBeGreaterThanOrEqual(3);
    expect(netlink.interfaces.find((i) => i.name === 'eth0')?.ipv6.length).toBeGreaterThanOrEqual(3);
  });

  it('multipath: the same addresses; IPv6 defaults the same, IPv4 the files show a multipath route by its first nexthop only', () => {
    const { files, netlink } = bothPaths('multipath');
    for (const i of netlink.interfaces) {
      const f = files.interfaces.find((x) => x.name === i.name);
      expect([i.ipv4, i.ipv6]).toEqual([f?.ipv4, f?.ipv6]);
    }
    const v6 = (n: NetworkNs) => n.defaultRoutes.filter((d) => d.family === 'ipv6');
    expect(v6(netlink)).toEqual(v6(files));
    expect(v6(netlink).length).toBeGreaterThanOrEqual(2);
    const ip = json<{ ipv4: IpRoute[] }>('multipath.ip-route.json').ipv4;
    const multi = ip.find((r) => r.dst === 'default' && r.table === undefined && (r.nexthops?.length ?? 0) > 1);
    const later = new Set((multi?.nexthops ?? []).slice(1).map((h) => h.gateway));
    expect(later.size).toBeGreaterThan(0);
    const v4 = (n: NetworkNs) => n.defaultRoutes.filter((d) => d.family === 'ipv4');
    expect(v4(netlink).filter((d) => !(d.metric === (multi?.metric ?? 0) && later.has(d.gateway)))).toEqual(v4(files));
    expect(v4(netlink).length).toBe(v4(files).length + later.size);
  });
});

/** Whether a CIDR's address lies in a route's destination (`a.b.c.d/n`, or a bare host address). */
function sameNet(dst: string, cidr: string): boolean {
  const int = (a: string): number => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const [net, len] = dst.includes('/') ? (dst.split('/') as [string, string]) : [dst, '32'];
  const size = 2 ** (32 - Number(len));
  return Math.floor(int(cidr.split('/')[0] as string) / size) === Math.floor(int(net) / size);
}

describe('what the dumps cannot tell as the files do', () => {
  it('a default route through a nexthop object: parsed, then declined so that the files are read', () => {
    const r = routes('nhid');
    const ip = json<{ ipv4: IpRoute[] }>('nhid.ip-route.json').ipv4.filter((x) => x.dst === 'default');
    expect(ip.every((x) => x.nhid !== undefined)).toBe(true);
    expect(r).toHaveLength(ip.length);
    expect(r.every((x) => x.nexthopObject)).toBe(true);
    expect(resolveAddresses([], r, [])).toMatchObject({ ok: false, reason: 'unavailable' });
  });

  it('an address or route on an interface the link dump did not list (added between the dumps): not ok, never a guessed name', () => {
    const l = links('addrs');
    const a = addrs('addrs');
    const known = a[0] as RawAddress;
    const missing = l.filter((x) => x.entry.ifindex !== known.ifindex);
    expect(resolveAddresses(a, [], missing)).toMatchObject({ ok: false, reason: 'failed' });
    const r = routes('addrs');
    const gw = r.find((x) => x.ifindex !== 0) as RawDefaultRoute;
    expect(resolveAddresses([], r, l.filter((x) => x.entry.ifindex !== gw.ifindex))).toMatchObject({ ok: false, reason: 'failed' });
    expect(resolveAddresses(a, r, l).ok).toBe(true);
  });

  it('a truncated reply is EINVAL, an error message its errno, and neither yields an address or route', () => {
    const out: RawAddress[] = [];
    const buf = bytes('addrs.getaddr.bin');
    expect(parseAddrMessages(buf.subarray(0, 30), out)).toBe(-22);
    const err = Buffer.alloc(36);
    err.writeUInt32LE(36, 0);
    err.writeUInt16LE(2, 4); // NLMSG_ERROR
    err.writeInt32LE(-95, 16); // EOPNOTSUPP
    expect(parseAddrMessages(err, out)).toBe(-95);
    const r: RawDefaultRoute[] = [];
    expect(parseRouteMessages(err, r)).toBe(-95);
    expect([out, r]).toEqual([[], []]);
  });

  it('replies split across recv() batches parse as one: each batch says more until the last', () => {
    // The capture is the concatenation of the batches; cut it at message boundaries.
    const buf = bytes('addrs.getroute.bin');
    const whole: RawDefaultRoute[] = [];
    parseRouteMessages(buf, whole);
    const first = buf.readUInt32LE(0);
    const parts: RawDefaultRoute[] = [];
    expect(parseRouteMessages(buf.subarray(0, first), parts)).toBe('more');
    expect(parseRouteMessages(buf.subarray(first), parts)).toBe('done');
    expect(parts).toEqual(whole);
  });
});
