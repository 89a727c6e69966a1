/** Filesystem and network sections of the inspect report, as text lines. Pure. */
import type { ContainerDetails } from '../../src/model/details.js';
import type { Layer } from '../../src/model/mount.js';
import { formatBytesLong } from '../format.js';

const layer = (l: Layer): string => `${l.dir ?? l.path}${l.layerId ? `  [${l.layerId.slice(0, 19)}]` : ''}${l.role && l.role !== 'image' ? ` (${l.role})` : ''}${l.gap ? `  (${l.gap.reason})` : ''}`;

export function filesystemLines(d: ContainerDetails | undefined): string[] {
  if (!d) return ['not collected'];
  const fs = d.fs;
  if (!fs) return ["the host's own mount namespace: its filesystem is the host's"];
  const out: string[] = [];
  const r = fs.rootfs;
  if (!r) out.push('root filesystem: unreadable');
  else {
    out.push(`root       ${r.fsType} ${r.readOnly ? 'ro' : 'rw'}${r.hostPath ? `, merged at ${r.hostPath} on the host` : ''}`);
    const o = r.overlay;
    if (o) {
      if (o.upperdir) out.push(`upperdir   ${layer(o.upperdir)}`);
      if (o.workdir) out.push(`workdir    ${o.workdir}`);
      o.lowerdirs.forEach((l, i) => out.push(`${i === 0 ? 'lowerdirs ' : '          '} ${layer(l)}`));
    }
    if (r.upperSize) out.push(`upper size ${formatBytesLong(r.upperSize.bytes)}, ${r.upperSize.files} files, ${r.upperSize.whiteouts} whiteouts${r.upperSize.complete ? '' : ' (partial: time bound)'}`);
  }
  const shown = fs.mounts.filter((m) => m.kind === 'bind' || m.kind === 'volume' || m.kind === 'tmpfs' || m.flags.length > 0);
  if (shown.length > 0) out.push('mounts:');
  for (const m of shown) {
    out.push(`  ${m.mountPoint}  ${m.kind} ${m.readOnly ? 'ro' : 'rw'}${m.hostSource ? ` <- ${m.hostSource}` : ''}${m.flags.length ? `  !! ${m.flags.join(', ')}` : ''}`);
  }
  for (const g of fs.gaps) out.push(`(${g.path}: ${g.reason})`);
  return out;
}

export function networkLines(d: ContainerDetails | undefined): string[] {
  if (!d) return ['not collected'];
  const n = d.network;
  if (n.mode === 'host') return ["host network: the container uses the host's interfaces"];
  const out: string[] = [];
  if (n.sharedWith.length > 0) out.push(`namespace shared with ${n.sharedWith.join(', ')}`);
  const ns = n.ns;
  if (!ns) return [...out, 'unreadable'];
  for (const i of ns.interfaces) {
    const peer = i.peer ? `  peer ${i.peer.name}${i.peer.hostNs ? '' : ` (netns ${i.peer.netns ?? '?'})`}${i.peer.bridge ? ` on bridge ${i.peer.bridge}` : ''}` : '';
    out.push(`${i.name.padEnd(10)} ${i.state ?? '?'} mtu ${i.mtu ?? '?'} ${i.mac ?? ''} ${[...i.ipv4, ...i.ipv6].join(' ')}${peer}`);
    out.push(`${''.padEnd(10)} rx ${formatBytesLong(i.rx.bytes)} ${i.rx.packets} pkts ${i.rx.errors} err; tx ${formatBytesLong(i.tx.bytes)} ${i.tx.packets} pkts ${i.tx.errors} err`);
  }
  for (const r of ns.defaultRoutes) out.push(`default via ${r.gateway} dev ${r.iface}`);
  if (ns.listening.length > 0) out.push(`listening  ${ns.listening.map((s) => `${s.proto} ${s.address}:${s.port}`).join(', ')}`);
  for (const g of ns.gaps) out.push(`(${g.path}: ${g.reason})`);
  return out;
}
