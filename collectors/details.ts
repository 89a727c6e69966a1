/**
 * Filesystem and network detail for decided containers: one mountinfo read per mount namespace,
 * one set of /proc/<pid>/net reads per network namespace, whatever the number of containers
 * sharing them (pods, --net container:X).
 */
import type { Container } from '../src/model/container.js';
import type { ContainerDetails } from '../src/model/details.js';
import { containerKey } from '../src/model/reconstruct.js';
import type { HostModel } from '../src/model/host-model.js';
import type { ContainerFs } from '../src/model/mount.js';
import type { ContainerNetwork } from '../src/model/network.js';
import { dataRoots } from './engines/readers.js';
import { collectContainerFs, LayerIndex, measureUpper, SharedMounts, type FsContext } from './filesystem.js';
import { readParsed, type HostRoot } from './host-root.js';
import { collectNetworks, type NetworkTarget } from './network.js';
import { parseMountInfo, type MountInfoEntry } from './procfs/mountinfo.js';
import type { Gap } from './read.js';

export interface DetailsOptions {
  /** Measure upper layers (--sizes), each within perContainerMs and all within totalMs. */
  readonly sizes?: { readonly perContainerMs: number; readonly totalMs: number; readonly now: () => number };
  /**
   * Only these containers (inspect of one), or a function of the model that picks them: their
   * mount and network namespaces are read, no other's, except where a veth's peer is found
   * nowhere else. All of the model's by default.
   */
  readonly containers?: readonly Container[] | ((model: HostModel) => readonly Container[]);
}

export interface DetailsResult {
  readonly details: ReadonlyMap<string, ContainerDetails>;
  readonly gaps: readonly Gap[];
}

/** The host mount namespace's table: pid 1's (the reader may sit in its own mount namespace). */
export function readHostMountInfo(root: HostRoot): { entries: MountInfoEntry[]; gap: Gap | null } {
  let last: Gap | null = null;
  for (const who of ['1', 'self']) {
    const r = readParsed(root, `/proc/${who}/mountinfo`, parseMountInfo);
    if (r.ok) return { entries: r.value, gap: null };
    last = r.gap;
  }
  return { entries: [], gap: last };
}

export function fsContext(root: HostRoot, model: HostModel, host: readonly MountInfoEntry[]): FsContext {
  const roots = dataRoots(root, model.snapshot.processes);
  return { host, index: new LayerIndex(root), driverHomes: [...roots.docker.map((d) => `${d}/overlay2`), ...roots.storage.map((s) => `${s}/overlay`)], shared: new SharedMounts() };
}

export function collectDetails(root: HostRoot, model: HostModel, opts: DetailsOptions = {}): DetailsResult {
  const gaps: Gap[] = [];
  const hostMi = readHostMountInfo(root);
  if (hostMi.gap) gaps.push(hostMi.gap);
  const ctx = fsContext(root, model, hostMi.entries);
  const hostNs = model.snapshot.hostNs;

  const fsByNs = new Map<number, ContainerFs>();
  const fsOf = (c: Container): ContainerFs | null => {
    if (c.hostNamespaces.includes('mnt')) return null;
    const mnt = c.namespaces.mnt ?? null;
    if (mnt !== null && fsByNs.has(mnt)) return fsByNs.get(mnt) ?? null;
    // Try members in order: the first may exit between the scan and this read.
    let fs: ContainerFs | null = null;
    for (const p of c.processes) {
      fs = collectContainerFs(root, p.pid, mnt, ctx);
      if (!fs.gaps.some((g) => g.reason === 'gone')) break;
    }
    if (fs && mnt !== null) fsByNs.set(mnt, fs);
    return fs;
  };

  const wanted = typeof opts.containers === 'function' ? opts.containers(model) : (opts.containers ?? model.containers);
  const targets = new Map<number, NetworkTarget>();
  for (const c of wanted) {
    const net = c.namespaces.net;
    if (net === undefined || c.hostNamespaces.includes('net') || targets.has(net)) continue;
    targets.set(net, { netns: net, pid: c.pid });
  }
  const others = new Map<number, NetworkTarget>();
  for (const p of model.snapshot.processes) {
    const net = p.namespaces.net;
    if (net === undefined || p.kernelThread || targets.has(net) || others.has(net) || net === hostNs.net) continue;
    others.set(net, { netns: net, pid: p.pid });
  }
  const nets = collectNetworks(root, [...targets.values()], hostNs.net ?? null, [...others.values()]);

  const byNet = new Map<number, string[]>();
  for (const c of model.containers) {
    const net = c.namespaces.net;
    if (net === undefined || c.hostNamespaces.includes('net')) continue;
    byNet.set(net, [...(byNet.get(net) ?? []), containerKey(c)]);
  }

  const details = new Map<string, ContainerDetails>();
  const sizeEnd = opts.sizes ? opts.sizes.now() + opts.sizes.totalMs : 0;
  for (const c of wanted) {
    let fs = fsOf(c);
    const upper = fs?.rootfs?.overlay?.upperdir?.dir;
    if (opts.sizes && fs?.rootfs && upper) {
      const now = opts.sizes.now();
      const upperSize =
        now >= sizeEnd
          ? { bytes: 0, files: 0, whiteouts: 0, complete: false, reason: 'not measured: total time limit reached' }
          : measureUpper(root, upper, Math.min(sizeEnd, now + opts.sizes.perContainerMs), opts.sizes.now);
      fs = { ...fs, rootfs: { ...fs.rootfs, upperSize } };
    }
    const key = containerKey(c);
    const net = c.namespaces.net ?? null;
    const hostNet = c.hostNamespaces.includes('net');
    const network: ContainerNetwork = {
      mode: hostNet ? 'host' : net === null ? 'unknown' : 'private',
      netns: net,
      sharedWith: net === null || hostNet ? [] : (byNet.get(net) ?? []).filter((k) => k !== key),
      ns: hostNet || net === null ? null : (nets.get(net) ?? null),
    };
    details.set(key, { fs, network });
  }
  return { details, gaps };
}
