/**
 * Reverse lookups for `ctrscope which`: which container owns a host directory (its overlay
 * layers, merged dir, volumes and bind sources) or a host interface (the host end of its veth).
 * Pure: runs over collected details.
 */
import type { Container } from './container.js';
import type { ContainerDetails } from './details.js';
import { containerKey } from './reconstruct.js';

export type WhichRole = 'upperdir' | 'workdir' | 'merged' | 'rootfs' | 'lowerdir' | 'init-layer' | 'data-layer' | 'volume' | 'bind' | 'tmpfs' | 'overlay' | 'other' | 'veth';

export interface WhichMatch {
  readonly container: Container;
  readonly role: WhichRole;
  /** The directory (or interface) that matched. */
  readonly what: string;
  /** Matched through a layer's short link (`…/l/<ID>`, what overlay's lowerdir= names) rather than the layer itself. */
  readonly shortLink: boolean;
  readonly detail: string | null;
  /**
   * Where the asked-for path is in the container's filesystem: `/etc` for `…/merged/etc`, or
   * the mount point below which a volume or bind source is seen. Null for an interface, a
   * layer's own directory (`…/overlay2/<id>`) and the overlay workdir, which the container never sees.
   */
  readonly containerPath: string | null;
}

const inside = (p: string, dir: string): boolean => p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** p's place below dir, as an absolute path from `at` (p must be inside dir). */
const below = (p: string, dir: string, at: string): string => {
  const rest = p.slice(dir.length).replace(/^\/+/, '');
  return rest === '' ? at : `${at.replace(/\/+$/, '')}/${rest}`;
};

/** The driver's per-layer directory of a layer dir (`…/overlay2/<id>` for `…/<id>/diff`). */
const LAYER_PARTS = /\/(diff|work|merged)$/;
const home = (dir: string): string | null => (LAYER_PARTS.test(dir) ? dir.replace(LAYER_PARTS, '') : null);

interface Candidate {
  readonly dir: string;
  readonly role: WhichRole;
  readonly shortLink: boolean;
  readonly detail: string | null;
  /** A layer owns its per-layer directory too (`<id>/link`, `<id>/lower`, the directory itself). */
  readonly homeToo: boolean;
  /** Where dir is seen in the container, or null when it is not (workdir). */
  readonly seenAt: string | null;
}

function candidates(d: ContainerDetails): Candidate[] {
  const out: Candidate[] = [];
  const r = d.fs?.rootfs;
  const o = r?.overlay;
  if (o) {
    if (o.upperdir?.dir) out.push({ dir: o.upperdir.dir, role: 'upperdir', shortLink: false, detail: null, homeToo: true, seenAt: '/' });
    if (o.workdir) out.push({ dir: o.workdir, role: 'workdir', shortLink: false, detail: null, homeToo: false, seenAt: null });
    for (const l of o.lowerdirs) {
      const role = l.role === 'init' ? 'init-layer' : 'lowerdir';
      if (l.dir) out.push({ dir: l.dir, role, shortLink: false, detail: l.layerId, homeToo: l.role === 'init', seenAt: '/' });
      if (l.path !== l.dir) out.push({ dir: l.path, role, shortLink: true, detail: l.dir, homeToo: false, seenAt: '/' });
    }
    for (const l of o.dataDirs) if (l.dir) out.push({ dir: l.dir, role: 'data-layer', shortLink: false, detail: l.layerId, homeToo: false, seenAt: '/' });
  }
  if (r?.hostPath && r.hostPath !== '/') out.push({ dir: r.hostPath, role: o ? 'merged' : 'rootfs', shortLink: false, detail: null, homeToo: false, seenAt: '/' });
  for (const m of d.fs?.mounts ?? []) {
    if (m.hostSource === null || !['volume', 'bind', 'tmpfs', 'overlay', 'other'].includes(m.kind)) continue;
    // A container rooted at the host's `/` (unshare without a new root) inherits copies of the
    // host's mounts at the same places: they are the host's, not the container's.
    if (r?.hostPath === '/' && m.hostSource === m.mountPoint) continue;
    out.push({ dir: m.hostSource, role: m.kind as WhichRole, shortLink: false, detail: `mounted at ${m.mountPoint}${m.readOnly ? ' (ro)' : ''}`, homeToo: false, seenAt: m.mountPoint });
  }
  return out;
}

export function whichPath(path: string, containers: readonly Container[], details: ReadonlyMap<string, ContainerDetails>): WhichMatch[] {
  const out: WhichMatch[] = [];
  for (const c of containers) {
    const d = details.get(containerKey(c));
    if (!d) continue;
    for (const k of candidates(d)) {
      // A host source of `/` contains everything; only an exact match says anything then.
      if (k.dir === '/' ? path === '/' : inside(path, k.dir)) {
        out.push({ container: c, role: k.role, what: k.dir, shortLink: k.shortLink, detail: k.detail, containerPath: k.seenAt === null ? null : below(path, k.dir, k.seenAt) });
        continue;
      }
      // The layer's own directory and its bookkeeping files, but not its diff, work or merged
      // directories: `<id>/merged/etc` is the merged view, not the upper layer.
      const h = k.homeToo ? home(k.dir) : null;
      if (h !== null && inside(path, h) && !['diff', 'work', 'merged'].some((part) => inside(path, `${h}/${part}`))) {
        out.push({ container: c, role: k.role, what: k.dir, shortLink: false, detail: k.detail, containerPath: null });
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
      if (i.peer?.name === name) out.push({ container: c, role: 'veth', what: name, shortLink: false, containerPath: null, detail: `peer of ${i.name} (ifindex ${i.ifindex ?? '?'})${i.peer.bridge ? ` on bridge ${i.peer.bridge}` : ''}${i.peer.hostNs ? '' : ` in netns ${i.peer.netns ?? '?'}`}` });
    }
  }
  return out;
}

/**
 * An interface name as typed or as pasted from `ip link`, which prints a veth as
 * `veth1a2b@if6:` (its peer's ifindex after `@`, a colon after the name). A name never holds
 * `:` (the kernel's dev_valid_name refuses it), so the colon goes; `@` is valid in a name,
 * so the part after it goes only when the whole is not an interface that exists.
 */
export function interfaceNames(typed: string): string[] {
  const name = typed.replace(/:$/, '');
  const at = name.indexOf('@');
  return at > 0 ? [name, name.slice(0, at)] : [name];
}
