/**
 * The collector half of each engine's record: how to read the engine's own files about one of
 * its containers, and, for runtimes that keep per-container state files (runc, crun), where they
 * are. The model half (cgroup and monitor rules, name fallback, default capabilities) is
 * ENGINE_RULES in src/model/engines.ts. ENGINE_READERS is a Record over the same Engine type, so
 * an engine added there without a reader here does not type-check.
 */
import type { EngineMetadata } from '../../src/model/container.js';
import { ENGINES, type Engine } from '../../src/model/engines.js';
import type { Process } from '../../src/model/process.js';
import type { MetadataRequest, RuntimeState } from '../../src/model/reconstruct.js';
import { readParsed, type HostRoot } from '../host-root.js';
import type { Gap, Read } from '../read.js';
import { readContainerdMetadata, type ContainerdDbCache } from './containerd.js';
import { dockerDataRoots, readDockerMetadata } from './docker.js';
import { readLxcMetadata } from './lxc.js';
import { readNspawnMetadata } from './nspawn.js';
import { readStorageMetadata, type LibpodState } from './podman.js';
import { parseCrunStatus, parseRuncState, runtimeStateMetadata } from './runtime-state.js';

/** Engine data roots named on daemon command lines and configs (`dockerd --data-root`). */
export interface DataRoots {
  readonly docker: readonly string[];
  /** containers/storage graph roots (podman, CRI-O). */
  readonly storage: readonly string[];
}

export function dataRoots(root: HostRoot, processes: readonly Process[]): DataRoots {
  return { docker: dockerDataRoots(root, processes), storage: ['/var/lib/containers/storage'] };
}

/** What the readers share within one pass: data roots, runtime states and databases, read once. */
export interface MetadataContext {
  readonly root: HostRoot;
  readonly dataRoots: DataRoots;
  readonly runtimeStates: readonly RuntimeState[];
  /** podman's bolt_state.db per graph root. */
  readonly libpodStates: Map<string, Read<LibpodState>>;
  /** containerd's meta.db per state directory. */
  readonly containerdDbs: ContainerdDbCache;
}

/** A runtime's per-container state files: `/run/<dir>/<id>/<file>`, and the same under `/run/user/<uid>`. */
export interface StateFiles {
  readonly dir: string;
  readonly file: string;
  readonly parse: (text: string, id: string, source: string) => RuntimeState;
}

export interface EngineReader {
  /**
   * The engine's metadata about one container: a value, a gap saying why it could not be read,
   * or null when the engine keeps no record to look for.
   */
  readonly metadata: (ctx: MetadataContext, req: MetadataRequest) => Read<EngineMetadata> | null;
  readonly stateFiles?: StateFiles;
}

/** A containerd shim runs in its task bundle; its cwd names the bundle wherever `state` is. */
function shimBundle(root: HostRoot, monitor: MetadataRequest['monitor']): string | null {
  if (monitor?.kind !== 'containerd-shim') return null;
  const cwd = root.readLink(`/proc/${monitor.pid}/cwd`);
  return cwd.ok ? cwd.value : null;
}

/** podman and CRI-O both keep their containers in containers/storage. */
const storageMetadata = (ctx: MetadataContext, req: MetadataRequest): Read<EngineMetadata> =>
  readStorageMetadata(ctx.root, req.id, req.monitor?.bundle ?? null, ctx.dataRoots.storage, ctx.libpodStates);

/** A runtime's metadata is its state file naming this container's init. */
function stateMetadata(ctx: MetadataContext, req: MetadataRequest): Read<EngineMetadata> | null {
  const s = ctx.runtimeStates.find((x) => x.runtime === req.engine && x.id === req.id && x.pid === req.pid);
  return s ? { ok: true, value: runtimeStateMetadata(s) } : null;
}

export const ENGINE_READERS: Readonly<Record<Engine, EngineReader>> = {
  docker: {
    metadata(ctx, req) {
      let r: Read<EngineMetadata> | null = null;
      for (const dataRoot of ctx.dataRoots.docker) {
        r = readDockerMetadata(ctx.root, dataRoot, req.id);
        if (r.ok) break;
      }
      return r;
    },
  },
  podman: { metadata: storageMetadata },
  containerd: {
    metadata: (ctx, req) => readContainerdMetadata(ctx.root, req.monitor?.namespace ?? req.cgroupNamespace, req.id, shimBundle(ctx.root, req.monitor), ctx.containerdDbs),
  },
  'cri-o': { metadata: storageMetadata },
  lxc: { metadata: (ctx, req) => readLxcMetadata(ctx.root, req.monitor?.namespace ?? null, req.id) },
  'systemd-nspawn': { metadata: (ctx, req) => readNspawnMetadata(ctx.root, req.id, req.monitor?.bundle ?? null) },
  runc: {
    metadata: stateMetadata,
    stateFiles: { dir: 'runc', file: 'state.json', parse: (text, _id, source) => parseRuncState(text, source) },
  },
  crun: {
    metadata: stateMetadata,
    stateFiles: { dir: 'crun', file: 'status', parse: parseCrunStatus },
  },
};

/** Each container's engine metadata, keyed by MetadataRequest.key; what could not be read goes to `gaps`. */
export function readEngineMetadata(
  root: HostRoot,
  requests: readonly MetadataRequest[],
  processes: readonly Process[],
  runtimeStates: readonly RuntimeState[],
  gaps: Gap[],
): Map<string, EngineMetadata> {
  const ctx: MetadataContext = { root, dataRoots: dataRoots(root, processes), runtimeStates, libpodStates: new Map(), containerdDbs: new Map() };
  const out = new Map<string, EngineMetadata>();
  for (const req of requests) {
    if (req.engine === null) continue;
    const r = ENGINE_READERS[req.engine].metadata(ctx, req);
    if (!r) continue;
    if (r.ok) out.set(req.key, r.value);
    else gaps.push(r.gap);
  }
  return out;
}

/** The runtimes' state directories: the system ones, then each logged-in user's under /run/user/<uid>. */
function stateDirs(root: HostRoot): Array<{ files: StateFiles; dir: string }> {
  const runtimes = ENGINES.flatMap((e) => {
    const files = ENGINE_READERS[e].stateFiles;
    return files ? [files] : [];
  });
  const dirs = runtimes.map((files) => ({ files, dir: `/run/${files.dir}` }));
  const users = root.readDir('/run/user');
  if (users.ok) {
    for (const uid of users.value) {
      if (!/^\d+$/.test(uid)) continue;
      for (const files of runtimes) dirs.push({ files, dir: `/run/user/${uid}/${files.dir}` });
    }
  }
  return dirs;
}

/** Every runtime state file on the host: runc's state.json and crun's status, per container. */
export function collectRuntimeStates(root: HostRoot): { states: RuntimeState[]; gaps: Gap[] } {
  const states: RuntimeState[] = [];
  const gaps: Gap[] = [];
  for (const { files, dir } of stateDirs(root)) {
    const ids = root.readDir(dir);
    if (!ids.ok) {
      if (ids.gap.reason !== 'absent') gaps.push(ids.gap);
      continue;
    }
    for (const id of ids.value) {
      const file = `${dir}/${id}/${files.file}`;
      const r = readParsed(root, file, (t) => files.parse(t, id, file));
      if (r.ok) states.push(r.value);
      else if (r.gap.reason !== 'absent') gaps.push(r.gap);
    }
  }
  return { states, gaps };
}
