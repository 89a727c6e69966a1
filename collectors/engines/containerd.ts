/**
 * containerd task bundles: `<state>/io.containerd.runtime.v2.task/<namespace>/<id>/`
 * (containerd core/runtime/v2/bundle.go). `<state>` is `/run/containerd`, or
 * `/run/docker/containerd/daemon` when dockerd supervises its own containerd, or whatever
 * `state =` a containerd config names; the shim runs with the bundle as its working directory
 * (containerd runtime/v2/shim/util.go `Command`: `cmd.Dir = bundle`), so its `/proc/<pid>/cwd`
 * finds the bundle wherever it is. Files read:
 *  - `config.json`, the OCI spec. The CRI plugin's annotations give the Kubernetes identity and
 *    the image (io.kubernetes.cri.image-name); a plain `ctr run` bundle names neither, so those
 *    containers are known by id (their name) alone.
 *  - `work`, a link to `<root>/io.containerd.runtime.v2.task/<namespace>/<id>`, which names
 *    containerd's root and so its metadata database `<root>/io.containerd.metadata.v1.bolt/meta.db`
 *    (bbolt): `v1/<namespace>/containers/<id>/image` is the image a container was created from
 *    (containerd core/metadata/buckets.go), the only record of it for `ctr run`.
 *  - `options.json`, the runc shim's options as JSON (containerd
 *    cmd/containerd-shim-runc-v2/runc/container.go): dockerd writes
 *    `{"binary_name":"runc","root":"/var/run/docker/runtime-runc"}`, `ctr run --runc-binary
 *    /usr/sbin/crun` `{"binary_name":"/usr/sbin/crun"}`, plain `ctr run` `{}` (the shim's default
 *    binary, runc).
 */
import type { EngineMetadata } from '../../src/model/container.js';
import type { HostRoot } from '../host-root.js';
import { readParsed } from '../host-root.js';
import { ParseError, type Read } from '../read.js';
import { boltBucket, boltEntries, boltText, parseBoltDb, writeBoltDb, type BoltContent } from './boltdb.js';
import { parseJsonObject, type JsonShape } from './json.js';
import { kubernetesFromAnnotations, parseOciSpec } from './oci-spec.js';

export const CONTAINERD_STATE_DIRS = ['/run/containerd', '/run/docker/containerd/daemon'] as const;
const TASK_DIR = 'io.containerd.runtime.v2.task';

/** The keys of options.json parseShimOptions reads (what a snapshot keeps). */
export const SHIM_OPTIONS_READ: JsonShape = { binary_name: true };

/** The OCI runtime binary a runc-type shim runs, from its options.json; null when the default. */
export function parseShimOptions(text: string): { binaryName: string | null } {
  const b = parseJsonObject(text)['binary_name'];
  return { binaryName: typeof b === 'string' && b !== '' ? b : null };
}

/** Metadata database bytes by host path, shared by the lookups of one collection pass. */
export type ContainerdDbCache = Map<string, Read<Buffer>>;

/** The image `ctr run` (or any client) created the container from, from containerd's meta.db. */
function imageFromMetaDb(root: HostRoot, bundle: string, ns: string, id: string, dbs: ContainerdDbCache): { image: string; source: string } | null {
  const work = root.readLink(`${bundle}/work`);
  if (!work.ok) return null;
  const m = new RegExp(`^(.+)/${TASK_DIR}/[^/]+/[^/]+/?$`).exec(work.value);
  if (!m) return null;
  const file = `${m[1] as string}/io.containerd.metadata.v1.bolt/meta.db`;
  // Read once per pass, however many containers ask; a file torn by a concurrent commit (a
  // ParseError from the walker) leaves the image unknown, as if containerd had not said.
  if (!dbs.has(file)) dbs.set(file, root.readBytes(file));
  const bytes = dbs.get(file);
  if (!bytes?.ok) return null;
  try {
    const db = parseBoltDb(bytes.value);
    const ref = boltBucket(db, 'v1', ns, 'containers', id);
    const e = ref ? boltEntries(db, ref).find((x) => x.value !== null && boltText(x.key) === 'image') : undefined;
    return e?.value ? { image: boltText(e.value), source: file } : null;
  } catch (err) {
    if (err instanceof ParseError) return null;
    throw err;
  }
}

/**
 * containerd's metadata database as `ctrscope snapshot` records it: only what imageFromMetaDb
 * reads, `v1/<namespace>/containers/<id>/image`, in a new bbolt file at the same path. The real
 * file also holds every container's OCI spec (`spec`, with `process.env` and the command line),
 * labels, leases and content records, none of which belongs in a scrubbed snapshot. Throws
 * ParseError when the file is not a readable bbolt database.
 */
export function reduceContainerdMetaDb(bytes: Uint8Array): Buffer {
  const db = parseBoltDb(bytes);
  const namespaces = new Map<string, BoltContent>();
  const v1 = boltBucket(db, 'v1');
  for (const ns of v1 ? boltEntries(db, v1) : []) {
    if (!ns.bucket) continue;
    const containers = boltEntries(db, ns.bucket).find((e) => e.bucket !== null && boltText(e.key) === 'containers');
    const kept = new Map<string, BoltContent>();
    for (const c of containers?.bucket ? boltEntries(db, containers.bucket) : []) {
      if (!c.bucket) continue;
      const image = boltEntries(db, c.bucket).find((e) => e.value !== null && boltText(e.key) === 'image');
      kept.set(boltText(c.key), new Map(image?.value ? [['image', image.value]] : []));
    }
    if (kept.size > 0) namespaces.set(boltText(ns.key), new Map([['containers', kept]]));
  }
  return writeBoltDb(new Map([['v1', namespaces]]));
}

/** Bundle directories to try, the shim's own first. */
function bundleCandidates(namespace: string | null, id: string, shimBundle: string | null): Array<{ dir: string; ns: string | null }> {
  const out: Array<{ dir: string; ns: string | null }> = [];
  if (shimBundle !== null) out.push({ dir: shimBundle.replace(/\/+$/, ''), ns: namespace });
  const namespaces = namespace !== null ? [namespace] : ['k8s.io', 'default', 'moby'];
  for (const state of CONTAINERD_STATE_DIRS) for (const ns of namespaces) out.push({ dir: `${state}/${TASK_DIR}/${ns}/${id}`, ns });
  return out;
}

/**
 * Metadata of a containerd task. `shimBundle` is the supervising shim's working directory, when
 * known; a cwd that is not a task bundle of this id (an older shim, a recorded tree without the
 * link) is ignored and the default state directories are tried.
 */
export function readContainerdMetadata(root: HostRoot, namespace: string | null, id: string, shimBundle: string | null = null, dbs: ContainerdDbCache = new Map()): Read<EngineMetadata> {
  let last: Read<EngineMetadata> | null = null;
  for (const { dir, ns: nsHint } of bundleCandidates(namespace, id, shimBundle)) {
    const parts = dir.split('/');
    if (parts[parts.length - 1] !== id || parts[parts.length - 3] !== TASK_DIR) continue;
    const ns = nsHint ?? (parts[parts.length - 2] as string);
    const file = `${dir}/config.json`;
    const r = readParsed(root, file, parseOciSpec);
    if (!r.ok) {
      last = r;
      continue;
    }
    const a = r.value.annotations;
    const k8s = kubernetesFromAnnotations(a);
    const fromDb = a['io.kubernetes.cri.image-name'] === undefined ? imageFromMetaDb(root, dir, ns, id, dbs) : null;
    const image = a['io.kubernetes.cri.image-name'] ?? fromDb?.image ?? null;
    const options = readParsed(root, `${dir}/options.json`, parseShimOptions);
    const binary = options.ok ? options.value.binaryName : null;
    return {
      ok: true,
      value: {
        name: k8s?.containerName ?? (k8s?.containerType === 'sandbox' ? k8s.podName : null) ?? id,
        image,
        ...(binary !== null ? { runtime: binary.split('/').pop() as string } : {}),
        ...(k8s ? { kubernetes: k8s, podName: k8s.podName } : {}),
        ...(k8s?.containerType === 'sandbox' ? { infra: true } : {}),
        labels: { 'containerd.namespace': ns },
        sources: [file, ...(options.ok ? [`${dir}/options.json`] : []), ...(fromDb ? [fromDb.source] : [])],
      },
    };
  }
  return last ?? { ok: false, gap: { path: '/run/containerd', reason: 'absent' } };
}
