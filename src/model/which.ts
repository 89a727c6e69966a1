/**
 * Reverse lookups for `ctrscope which`: which container owns a host directory (its overlay
 * layers, merged dir, volumes and bind sources) or a host interface (the host end of its veth).
 * Pure: runs over collected details.
 */
import type { Container } from './container.js';
import type { ContainerDetails } from './details.js';
import { containerKey } from './reconstruct.js';

export interface WhichMatch {
  readonly container: Container;
  /** upperdir, workdir, merged, lowerdir, init-layer, data-layer, volume, bind, tmpfs, veth. */
  readonly role: string;
  /** The directory (or interface) that matched, and what it is in the container. */
  readonly what: string;
  readonly detail: string | null;
}

const inside = (p: string, dir: string): boolean => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** A layer's home is the driver's per-layer directory (`…/overlay2/<id>` for `…/<id>/diff`). */
const home = (dir: string): string | null => (/\/(diff|work|merged)$/.test(dir) ? dir.replace(/\/(diff|work|merged)$/, '') : null);

function candidates(d: ContainerDetails): { dir: string; role: string; detail: string | null; homeToo: boolean }[] {
  const out: { dir: string; role: string; detail: string | null; homeToo: boolean }[] = [];
  const r = d.fs?.rootfs;
  const o = r?.overlay;
  if (o) {
    if (o.upperdir?.dir) out.push({ dir: o.upperdir.dir, role: 'upperdir', detail: null, homeToo: true });
    if (o.workdir) out.push({ dir: o.workdir, role: 'workdir', detail: null, homeToo: false });
    for (const l of o.lowerdirs) {
      const role = l.role === 'init' ? 'init-layer' : 'lowerdir';
      if (l.dir) out.push({ dir: l.dir, role, detail: l.layerId, homeToo: l.role === 'init' });
      if (l.path !== l.dir) out.push({ dir: l.path, role: `${role} (short link)`, detail: l.dir, homeToo: false });
    }
    for (const l of o.dataDirs) if (l.dir) out.push({ dir: l.dir, role: 'data-layer', detail: l.layerId, homeToo: false });
  }
  if (r?.hostPath && r.hostPath !== '/') out.push({ dir: r.hostPath, role: o ? 'merged' : 'rootfs', detail: null, homeToo: false });
  for (const m of d.fs?.mounts ?? []) {
    if (m.hostSource === null || !['volume', 'bind', 'tmpfs', 'overlay', 'other'].includes(m.kind)) continue;
    // A container rooted at the host's `/` (unshare without a new root) inherits copies of the
    // host's mounts at the same places: they are the host's, not the container's.
    if (r?.hostPath === '/' && m.hostSource === m.mountPoint) continue;
    out.push({ dir: m.hostSource, role: m.kind, detail: `mounted at ${m.mountPoint}${m.readOnly ? ' (ro)' : ''}`, homeToo: false });
  }
  return out;
}

export function whichPath(path: string, containers: readonly Container[], details: ReadonlyMap<string, ContainerDetails>): WhichMatch[] {
  const out: WhichMatch[] = [];
  for (const c of containers) {
    const d = details.get(containerKey(c));
    if (!d) continue;
    for (const k of candidates(d)) {
      const h = k.homeToo ? home(k.dir) : null;
      // A host source of `/` contains everything; only an exact match says anything then.
      if ((k.dir === '/' ? path === '/' : inside(path, k.dir)) || (h !== null && inside(path, h))) {
        out.push({ container: c, role: k.role, what: k.dir, detail: k.detail });
      }
    }
  }
  return out;
}

export function whichInterface(name: string, containers: readonly Container[], details: ReadonlyMap<string, ContainerDetails>): WhichMatch[] {
  const out: WhichMatch[] = [];
  for (const c of containers) {
    const ns = details.get(containerKey(c))?.network.ns;
    for (const i of ns?.interfaces ?? []) {
      if (i.peer?.name === name) out.push({ container: c, role: 'veth', what: name, detail: `peer of ${i.name} (ifindex ${i.ifindex ?? '?'})${i.peer.bridge ? ` on bridge ${i.peer.bridge}` : ''}${i.peer.hostNs ? '' : ` in netns ${i.peer.netns ?? '?'}`}` });
    }
  }
  return out;
}
