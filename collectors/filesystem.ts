/**
 * A container's filesystem from its /proc/<pid>/mountinfo (read once per mount namespace) and
 * the host's: the root filesystem with overlay layers resolved to real layer directories and
 * engine layer ids, and every other mount with the host path of its source.
 *
 * Host path of a mount: the kernel names a bind's source only by device (major:minor) and the
 * path inside that filesystem (field 4, "root"). The host mount namespace mounts the same device
 * somewhere with its own root; the host path is that mount point plus the rest of the path
 * (proc(5) mountinfo; the approach of findmnt/libmount mnt_table_get_fs_root).
 *
 * Layer ids (read-only engine bookkeeping):
 *  - docker overlay2: `<data-root>/overlay2/l/<short>` → `../<cache-id>/diff`;
 *    `<data-root>/image/overlay2/layerdb/sha256/<chain-id>/cache-id` names the cache-id of each
 *    image layer; `<cache-id>-init` is the container's init layer (moby
 *    daemon/graphdriver/overlay2/overlay.go, layer/layer_store.go).
 *  - containers/storage overlay: `<graphroot>/overlay/l/<short>` → `../<layer-id>/diff`; the layer
 *    id is listed in `<graphroot>/overlay-layers/layers.json` (storage drivers/overlay/overlay.go).
 */
import { absoluteLayers, parseOverlayOptions } from './overlay.js';
import { parseJsonArray } from './engines/json.js';
import { readParsed, type HostRoot } from './host-root.js';
import { isReadOnly, parseMountFields, parseMountInfo, type MountFields, type MountInfoEntry } from './procfs/mountinfo.js';
import type { Gap } from './read.js';
import { isWithin } from '../src/model/path.js';
import { classifyMount, mountFlagsIn, procSysMasked, type ContainerFs, type ContainerMount, type Layer, type OverlayRoot, type RootFs, type UpperSize } from '../src/model/mount.js';

/** Engine layer bookkeeping, read at most once per data root per collection. */
export class LayerIndex {
  private readonly root: HostRoot;
  private readonly docker = new Map<string, Map<string, string>>();
  private readonly storage = new Map<string, Set<string> | null>();
  constructor(root: HostRoot) {
    this.root = root;
  }

  /** cache-id → `sha256:<chain-id>` for a docker data root. */
  dockerCacheIds(dataRoot: string): Map<string, string> {
    let m = this.docker.get(dataRoot);
    if (m) return m;
    m = new Map();
    const dir = `${dataRoot}/image/overlay2/layerdb/sha256`;
    const chains = this.root.readDir(dir);
    if (chains.ok) {
      for (const chain of chains.value) {
        const c = this.root.readText(`${dir}/${chain}/cache-id`);
        if (c.ok) m.set(c.value.trim(), `sha256:${chain}`);
      }
    }
    this.docker.set(dataRoot, m);
    return m;
  }

  /** Layer ids known to a containers/storage graph root, or null when layers.json is unreadable. */
  storageLayers(graphRoot: string): Set<string> | null {
    if (this.storage.has(graphRoot)) return this.storage.get(graphRoot) ?? null;
    const r = readParsed(this.root, `${graphRoot}/overlay-layers/layers.json`, (t) => {
      return new Set(parseJsonArray(t).flatMap((e: unknown) => (typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string' ? [(e as { id: string }).id] : [])));
    });
    const v = r.ok ? r.value : null;
    this.storage.set(graphRoot, v);
    return v;
  }
}

const parentDir = (p: string): string => p.slice(0, p.lastIndexOf('/')) || '/';

function normalize(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** A layer directory → engine layer id and role, from the directory's place in a driver home. */
function identifyLayer(dir: string, index: LayerIndex): Pick<Layer, 'layerId' | 'role'> {
  const docker = /^(.*)\/overlay2\/([^/]+)\/diff$/.exec(dir);
  if (docker) {
    const [, dataRoot, cacheId] = docker as unknown as [string, string, string];
    if (cacheId.endsWith('-init')) return { layerId: null, role: 'init' };
    const chain = index.dockerCacheIds(dataRoot).get(cacheId);
    return chain ? { layerId: chain, role: 'image' } : { layerId: null, role: null };
  }
  const storage = /^(.*)\/overlay\/([0-9a-f]{64})\/diff$/.exec(dir);
  if (storage) {
    const [, graphRoot, id] = storage as unknown as [string, string, string];
    const known = index.storageLayers(graphRoot);
    return known?.has(id) ? { layerId: id, role: 'image' } : { layerId: null, role: null };
  }
  return { layerId: null, role: null };
}

/** Resolve a lower layer path: short links `…/l/<ID>` point at `../<id>/diff`. */
function resolveLayer(root: HostRoot, path: string, index: LayerIndex): Layer {
  let dir = path;
  if (/\/l\/[A-Za-z0-9]+$/.test(path)) {
    const link = root.readLink(path);
    if (!link.ok) return { path, dir: null, layerId: null, role: null, gap: { ...link.gap, detail: `short link does not resolve (${link.gap.detail ?? link.gap.reason})` } };
    dir = link.value.startsWith('/') ? link.value : normalize(`${parentDir(path)}/${link.value}`);
    // A short link that still reads but whose target was removed (a layer deleted under a
    // running container, or a copied tree) names nothing: say so instead of a dead path.
    const target = root.readDir(dir);
    if (!target.ok) return { path, dir: null, layerId: null, role: null, gap: { path: dir, reason: target.gap.reason, detail: `short link target missing (${target.gap.detail ?? target.gap.reason})` } };
  }
  return { path, dir, ...identifyLayer(dir, index) };
}

/** The last mount at `/` is the visible root (mounts stack). */
export function rootEntry<E extends Pick<MountFields, 'mountPoint'>>(entries: readonly E[]): E | undefined {
  let found: E | undefined;
  for (let i = 0; i < entries.length; i++) if ((entries[i] as E).mountPoint === '/') found = entries[i];
  return found;
}

/**
 * The host path of a mount seen in another namespace: same device, the host mount whose root is
 * the longest prefix of this one's root. The first such mount in host order wins ties (the
 * original mount precedes later binds of it).
 */
export function hostPathOf(e: Pick<MountFields, 'major' | 'minor' | 'root'>, host: readonly MountFields[]): string | null {
  let best: MountFields | null = null;
  for (let i = 0; i < host.length; i++) {
    const h = host[i] as MountFields;
    if (h.major !== e.major || h.minor !== e.minor || !isWithin(e.root, h.root)) continue;
    if (best === null || h.root.length > best.root.length) best = h;
  }
  if (best === null) return null;
  const rest = best.root === '/' ? e.root : e.root.slice(best.root.length);
  return rest === '/' || rest === '' ? best.mountPoint : normalize(`${best.mountPoint}/${rest}`);
}

export interface FsContext {
  readonly host: readonly MountInfoEntry[];
  readonly index: LayerIndex;
  /** Driver homes to resolve relative overlay paths against (docker `…/overlay2`, storage `…/overlay`). */
  readonly driverHomes: readonly string[];
  /** Mounts already worked out for another namespace of the same collection; without it each table is worked out whole. */
  readonly shared?: SharedMounts;
}

function overlayRoot(root: HostRoot, e: MountFields, ctx: FsContext): OverlayRoot {
  let o = parseOverlayOptions(e.superOptions);
  if (o.hasRelativePaths) {
    // Relative paths are relative to the driver home the mounter chdir'ed to; the right home
    // is the one whose l/ directory holds the first short link.
    const first = o.lowerdirs[0] ?? '';
    const home = ctx.driverHomes.find((h) => root.readLink(`${h}/${first}`).ok) ?? null;
    o = absoluteLayers(o, home);
  }
  let upper: Layer | null = null;
  if (o.upperdir !== null) {
    const m = /^(.*)\/([^/]+)\/diff$/.exec(o.upperdir);
    upper = { path: o.upperdir, dir: o.upperdir, layerId: m ? (m[2] as string) : null, role: 'container' };
  }
  return {
    lowerdirs: o.lowerdirs.map((p) => resolveLayer(root, p, ctx.index)),
    dataDirs: o.dataDirs.map((p) => resolveLayer(root, p, ctx.index)),
    upperdir: upper,
    workdir: o.workdir,
    index: o.index,
    metacopy: o.metacopy,
    redirectDir: o.redirectDir,
    volatile: o.volatile,
    userxattr: o.userxattr,
  };
}

/** A mount as the container sees it, before its flags (which depend on its other mounts). */
type MountView = Omit<ContainerMount, 'flags'>;

/**
 * The mounts of many mount namespaces, worked out once per distinct line: a host with a
 * thousand containers copied from its own table shows the same few dozen lines in each (under
 * new mount ids). parseMountFields hands the same MountFields object for the same text, each
 * keyed here to its view and to the mount with its flags (a ContainerMount is shared between the
 * containers that show it: nothing modifies one). One per collection (FsContext.shared).
 */
export class SharedMounts {
  /** Line text after its ids → its fields (parseMountFields). */
  readonly lines = new Map<string, MountFields>();
  readonly views = new Map<MountFields, { readonly view: MountView; readonly mounts: [ContainerMount | null, ContainerMount | null] }>();
}

function viewOf(e: MountFields, host: readonly MountFields[]): MountView {
  const hostSource = hostPathOf(e, host);
  return { mountPoint: e.mountPoint, fsType: e.fsType, source: e.source, root: e.root, hostSource, readOnly: isReadOnly(e), kind: classifyMount(e.fsType, e.root, hostSource) };
}

/** A literal in the model's key order rather than a spread: one object shape for every mount. */
const withFlags = (m: MountView, procSysMasked: boolean): ContainerMount => ({ mountPoint: m.mountPoint, fsType: m.fsType, source: m.source, root: m.root, hostSource: m.hostSource, readOnly: m.readOnly, kind: m.kind, flags: mountFlagsIn(m, procSysMasked) });

/** Build a container's filesystem view from its mountinfo entries (pure apart from layer reads). */
export function containerFsFrom(root: HostRoot, entries: readonly MountFields[], mntNs: number | null, ctx: FsContext): ContainerFs {
  const gaps: Gap[] = [];
  const re = rootEntry(entries);
  let rootfs: RootFs | null = null;
  if (re) {
    const overlay = re.fsType === 'overlay' ? overlayRoot(root, re, ctx) : null;
    for (const l of [...(overlay?.lowerdirs ?? []), ...(overlay?.dataDirs ?? [])]) if (l.gap) gaps.push(l.gap);
    rootfs = { fsType: re.fsType, source: re.source, readOnly: isReadOnly(re), hostPath: hostPathOf(re, ctx.host), overlay };
  }
  const shared = ctx.shared?.views;
  const known: ({ readonly view: MountView; readonly mounts: [ContainerMount | null, ContainerMount | null] } | undefined)[] = [];
  const base: MountView[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as MountFields;
    if (e === re || e.mountPoint === '/') continue;
    let k = shared?.get(e);
    if (shared && k === undefined) shared.set(e, (k = { view: viewOf(e, ctx.host), mounts: [null, null] }));
    known.push(k);
    base.push(k?.view ?? viewOf(e, ctx.host));
  }
  const masked = procSysMasked(base);
  const mounts = base.map((m, i) => {
    const k = known[i];
    if (k === undefined) return withFlags(m, masked);
    const slot = masked ? 1 : 0;
    return (k.mounts[slot] ??= withFlags(m, masked));
  });
  return { mntNs, rootfs, mounts, gaps };
}

/** Read /proc/<pid>/mountinfo and build the view; a vanished namespace is a gap, not an error. */
export function collectContainerFs(root: HostRoot, pid: number, mntNs: number | null, ctx: FsContext): ContainerFs {
  const lines = ctx.shared?.lines;
  const r = readParsed<readonly MountFields[]>(root, `/proc/${pid}/mountinfo`, lines ? (t) => parseMountFields(t, lines) : parseMountInfo);
  if (!r.ok) {
    // ENOENT under /proc/<pid> means the process (and with it, maybe, the namespace) is gone.
    const gone = r.gap.reason === 'absent' && !root.readText(`/proc/${pid}/stat`).ok;
    return { mntNs, rootfs: null, mounts: [], gaps: [gone ? { ...r.gap, reason: 'gone' } : r.gap] };
  }
  return containerFsFrom(root, r.value, mntNs, ctx);
}

/**
 * Size of an upper layer, walked with a deadline: the upper layer can be huge, and merged would
 * count the lower layers again, so only upperdir is walked. Hard links count once.
 */
export function measureUpper(root: HostRoot, dir: string, deadlineMs: number, now: () => number): UpperSize {
  let bytes = 0;
  let files = 0;
  let whiteouts = 0;
  const lstat = root.lstat?.bind(root);
  if (!lstat) return { bytes, files, whiteouts, complete: false, reason: 'this host root cannot stat files' };
  const seen = new Set<string>();
  const stack = [dir];
  while (stack.length > 0) {
    if (now() > deadlineMs) return { bytes, files, whiteouts, complete: false, reason: 'time limit reached' };
    const d = stack.pop() as string;
    const names = root.readDir(d);
    if (!names.ok) {
      if (d === dir) return { bytes, files, whiteouts, complete: false, reason: `${d}: ${names.gap.detail ?? names.gap.reason}` };
      continue;
    }
    for (const n of names.value) {
      const p = `${d}/${n}`;
      const st = lstat(p);
      if (!st.ok) continue;
      const s = st.value;
      if (s.type === 'dir') {
        stack.push(p);
        continue;
      }
      if (s.type === 'char' && s.rdev === 0) {
        whiteouts++;
        continue;
      }
      const key = `${s.dev}:${s.ino}`;
      if (s.nlink > 1) {
        if (seen.has(key)) continue;
        seen.add(key);
      }
      files++;
      bytes += s.size;
    }
  }
  return { bytes, files, whiteouts, complete: true, reason: null };
}
