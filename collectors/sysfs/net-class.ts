/**
 * /sys/class/net/<if>/ — one directory per interface of the network namespace the sysfs
 * superblock was mounted in (fs/sysfs/mount.c tags it with the mounter's netns; the reader's own
 * netns does not matter). Files (Documentation/ABI/testing/sysfs-class-net):
 *   ifindex 7   iflink 6 (veth: the peer's ifindex, drivers/net/veth.c veth_get_iflink)
 *   address 02:42:ac:11:00:02   mtu 1500   operstate up   master -> ../docker0 (bridge ports)
 */
import type { HostRoot } from '../host-root.js';
import type { Gap } from '../read.js';

export interface NetClassEntry {
  readonly name: string;
  readonly ifindex: number | null;
  readonly iflink: number | null;
  readonly address: string | null;
  readonly mtu: number | null;
  readonly operstate: string | null;
  /** Bridge (or bond...) this interface is enslaved to; null when it has none. */
  readonly master: string | null;
  /** "veth", "bridge", "dummy"... from uevent DEVTYPE or the bridge/ directory; null if unknown. */
  readonly kind: string | null;
  readonly gaps: readonly Gap[];
}

/** Read one interface directory; `dir` is a sysfs class/net path as a host path. */
export function readNetClassEntry(root: HostRoot, dir: string, name: string): NetClassEntry {
  const gaps: Gap[] = [];
  const base = `${dir}/${name}`;
  const text = (f: string): string | null => {
    const r = root.readText(`${base}/${f}`);
    if (r.ok) return r.value.trim();
    gaps.push(r.gap);
    return null;
  };
  const int = (f: string): number | null => {
    const t = text(f);
    return t !== null && /^\d+$/.test(t) ? Number(t) : null;
  };
  const ifindex = int('ifindex');
  const iflink = int('iflink');
  const address = text('address');
  const mtu = int('mtu');
  const operstate = text('operstate');
  let master: string | null = null;
  const m = root.readLink(`${base}/master`);
  if (m.ok) master = m.value.split('/').pop() ?? null;
  // No master link is the normal case for an unenslaved interface; anything else is a gap
  // (ENOENT here also happens when the interface itself vanished: the other reads say so).
  else if (m.gap.reason !== 'absent') gaps.push(m.gap);
  let kind: string | null = null;
  const ue = root.readText(`${base}/uevent`);
  if (ue.ok) kind = /^DEVTYPE=(.*)$/m.exec(ue.value)?.[1] ?? null;
  if (kind === null && root.readDir(`${base}/bridge`).ok) kind = 'bridge';
  return { name, ifindex, iflink, address, mtu, operstate, master, kind, gaps };
}
