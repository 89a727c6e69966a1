/**
 * Podman (and CRI-O, which shares containers/storage) container records:
 *  - `<graphroot>/overlay-containers/containers.json`: [{"id","names":["web"],"image","layer",
 *    "metadata":"{\"image-name\":\"docker.io/library/nginx:latest\",\"name\":\"web\",...}"}]
 *    where `metadata` is itself a JSON string (containers/storage containers.go; podman
 *    libpod/storage.go; CRI-O internal/storage/runtime.go adds pod-name, pod-id, namespace).
 *  - the bundle `<graphroot>/overlay-containers/<id>/userdata/config.json` (conmon -b), whose
 *    OCI annotations carry CRI-O's Kubernetes identity;
 *  - podman's own database `<graphroot>/libpod/bolt_state.db`, the only place a pod's name is kept.
 * The graph root is found from conmon's `-b` argument, which covers rootless users' stores under
 * their home directories without guessing.
 */
import type { EngineMetadata } from '../../src/model/container.js';
import type { HostRoot } from '../host-root.js';
import { readParsed } from '../host-root.js';
import { ParseError, type Read } from '../read.js';
import { boltBucket, boltEntries, boltText, parseBoltDb, writeBoltDb, type BoltContent } from './boltdb.js';
import { parseJsonArray } from './json.js';
import { kubernetesFromAnnotations, parseOciSpec } from './oci-spec.js';

export interface StorageContainer {
  readonly id: string;
  readonly names: readonly string[];
  readonly imageId: string | null;
  readonly layer: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export function parseContainersJson(text: string): StorageContainer[] {
  return parseJsonArray(text).flatMap((e: unknown) => {
    if (typeof e !== 'object' || e === null) return [];
    const o = e as Record<string, unknown>;
    if (typeof o['id'] !== 'string') return [];
    let metadata: Record<string, unknown> = {};
    if (typeof o['metadata'] === 'string' && o['metadata'] !== '') {
      try {
        metadata = JSON.parse(o['metadata']) as Record<string, unknown>;
      } catch {
        metadata = {};
      }
    }
    return [
      {
        id: o['id'],
        names: Array.isArray(o['names']) ? o['names'].filter((n): n is string => typeof n === 'string') : [],
        imageId: typeof o['image'] === 'string' ? o['image'] : null,
        layer: typeof o['layer'] === 'string' ? o['layer'] : null,
        metadata,
      },
    ];
  });
}

/**
 * `<graphroot>` and storage driver from a bundle path `<graphroot>/<driver>-containers/<id>/userdata`.
 * The driver is `overlay` for rootful podman and CRI-O, often `vfs` for rootless users without
 * fuse-overlayfs (containers/storage: `<driver>-containers` is the container store's directory).
 */
export function graphRootOfBundle(bundle: string): { graphRoot: string; driver: string } | null {
  const m = /^(.*)\/([a-z0-9]+)-containers\/[^/]+\/userdata\/?$/.exec(bundle);
  return m ? { graphRoot: m[1] as string, driver: m[2] as string } : null;
}

const s = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** What libpod's own database says about one container. */
export interface LibpodContainer {
  readonly name: string | null;
  readonly podId: string | null;
  /** ContainerConfig.IsInfra, JSON key "pause": the pod's infra container. */
  readonly infra: boolean;
}

export interface LibpodState {
  /** Pod id -> pod name (bucket `allPods`). */
  readonly pods: ReadonlyMap<string, string>;
  readonly containers: ReadonlyMap<string, LibpodContainer>;
}

/**
 * libpod's bolt state (podman libpod/boltdb_state.go, boltdb_state_internal.go @ v4.3.1):
 * bucket `allPods` maps pod id -> pod name; bucket `ctr` holds one bucket per container id with
 * `config` (ContainerConfig JSON: "name", "pod", "pause" = IsInfra) and, for pod members,
 * `pod-id`. Pod names exist nowhere else on disk (cgroup paths carry only the pod id), which is
 * why this file is read at all.
 */
export function parseLibpodBoltState(bytes: Uint8Array): LibpodState {
  const db = parseBoltDb(bytes);
  const pods = new Map<string, string>();
  const allPods = boltBucket(db, 'allPods');
  if (allPods) for (const e of boltEntries(db, allPods)) if (e.value) pods.set(boltText(e.key), boltText(e.value));
  const containers = new Map<string, LibpodContainer>();
  const ctr = boltBucket(db, 'ctr');
  for (const e of ctr ? boltEntries(db, ctr) : []) {
    if (!e.bucket) continue;
    const fields = boltEntries(db, e.bucket);
    const value = (k: string): string | null => {
      const f = fields.find((x) => x.value !== null && boltText(x.key) === k);
      return f?.value ? boltText(f.value) : null;
    };
    let cfg: Record<string, unknown> = {};
    try {
      cfg = JSON.parse(value('config') ?? '{}') as Record<string, unknown>;
    } catch {
      throw new ParseError(`container ${boltText(e.key)}: config is not JSON`);
    }
    containers.set(boltText(e.key), { name: s(cfg['name']), podId: s(cfg['pod']) ?? value('pod-id'), infra: cfg['pause'] === true });
  }
  return { pods, containers };
}

/**
 * libpod's database as `ctrscope snapshot` records it: the LibpodState parseLibpodBoltState
 * reads, written back as a new bbolt file in the same layout (`allPods`, and per container a
 * `config` holding only "name", "pod" and "pause"). The real file also holds each container's
 * whole configuration, its OCI spec included (`process.env`, the command line), which does not
 * belong in a scrubbed snapshot. Throws ParseError when the file is not a readable database.
 */
export function reduceLibpodBoltState(bytes: Uint8Array): Buffer {
  const state = parseLibpodBoltState(bytes);
  const enc = new TextEncoder();
  const pods = new Map([...state.pods].map(([id, name]) => [id, enc.encode(name)]));
  const containers = new Map<string, BoltContent>();
  for (const [id, c] of state.containers) {
    const config = { ...(c.name !== null ? { name: c.name } : {}), ...(c.podId !== null ? { pod: c.podId } : {}), pause: c.infra };
    containers.set(id, new Map([['config', enc.encode(JSON.stringify(config))]]));
  }
  return writeBoltDb(
    new Map<string, BoltContent>([
      ['allPods', pods],
      ['ctr', containers],
    ]),
  );
}

/**
 * Read (once per graph root and collection pass) `<graphroot>/libpod/bolt_state.db`. Podman 5
 * defaults to SQLite (`db.sql`), which needs a SQLite reader this tool does not carry: then the
 * pod id still comes from the cgroup path, the infra container from its `catatonit -P` command,
 * and the pod name stays unknown.
 */
export function readLibpodState(root: HostRoot, graphRoot: string, cache: Map<string, Read<LibpodState>>): Read<LibpodState> {
  const hit = cache.get(graphRoot);
  if (hit) return hit;
  const path = `${graphRoot}/libpod/bolt_state.db`;
  const bytes = root.readBytes(path);
  let r: Read<LibpodState>;
  if (!bytes.ok) r = bytes;
  else {
    try {
      r = { ok: true, value: parseLibpodBoltState(bytes.value) };
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      r = { ok: false, gap: { path, reason: 'malformed', detail: err.message } };
    }
  }
  cache.set(graphRoot, r);
  return r;
}

export function readStorageMetadata(
  root: HostRoot,
  id: string,
  bundle: string | null,
  graphRoots: readonly string[],
  libpodCache: Map<string, Read<LibpodState>> = new Map(),
): Read<EngineMetadata> {
  const fromBundle = bundle ? graphRootOfBundle(bundle) : null;
  const candidates = fromBundle ? [fromBundle] : [];
  for (const g of graphRoots) if (!candidates.some((c) => c.graphRoot === g)) candidates.push({ graphRoot: g, driver: 'overlay' });
  let lastGap: Read<EngineMetadata> | null = null;
  for (const { graphRoot: g, driver } of candidates) {
    const file = `${g}/${driver}-containers/containers.json`;
    const r = readParsed(root, file, parseContainersJson);
    if (!r.ok) {
      lastGap = r;
      continue;
    }
    const c = r.value.find((x) => x.id === id);
    if (!c) continue;
    const md = c.metadata;
    const sources = [file];
    const specPath = bundle ? `${bundle}/config.json` : `${g}/${driver}-containers/${id}/userdata/config.json`;
    const spec = readParsed(root, specPath, parseOciSpec);
    const ann = spec.ok ? spec.value.annotations : {};
    if (spec.ok) sources.push(specPath);
    // Podman writes CRI-O's annotation keys too (ContainerType, and SandboxID = the pod's INFRA
    // container id, not the pod id), so they mean Kubernetes only when libpod did not write them.
    const libpod = ann['io.container.manager'] === 'libpod';
    const k8s = libpod ? null : kubernetesFromAnnotations(ann);
    const state = libpod ? readLibpodState(root, g, libpodCache) : null;
    const lp = state?.ok ? state.value.containers.get(id) : undefined;
    if (lp) sources.push(`${g}/libpod/bolt_state.db`);
    const podId = lp?.podId ?? s(md['pod-id']) ?? (libpod ? null : s(ann['io.kubernetes.cri-o.SandboxID']));
    const podName = (podId !== null && state?.ok ? state.value.pods.get(podId) : undefined) ?? s(md['pod-name']) ?? k8s?.podName ?? null;
    const infra = lp?.infra === true || ann['io.kubernetes.cri-o.ContainerType'] === 'sandbox' || md['pod'] === true;
    return {
      ok: true,
      value: {
        name: lp?.name ?? s(md['name']) ?? c.names[0] ?? null,
        image: s(md['image-name']) ?? null,
        imageId: s(md['image-id']) ?? c.imageId,
        createdAt: typeof md['created-at'] === 'number' ? new Date((md['created-at'] as number) * 1000).toISOString() : null,
        podId,
        podName,
        ...(infra ? { infra } : {}),
        ...(k8s ? { kubernetes: k8s } : {}),
        sources,
      },
    };
  }
  return lastGap ?? { ok: false, gap: { path: candidates[0]?.graphRoot ?? '/var/lib/containers/storage', reason: 'absent', detail: `no record of ${id}` } };
}
