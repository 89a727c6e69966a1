/**
 * Podman (and CRI-O, which shares containers/storage) container records:
 *  - `<graphroot>/overlay-containers/containers.json`: [{"id","names":["web"],"image","layer",
 *    "metadata":"{\"image-name\":\"docker.io/library/nginx:latest\",\"name\":\"web\",...}"}]
 *    where `metadata` is itself a JSON string (containers/storage containers.go; podman
 *    libpod/storage.go; CRI-O internal/storage/runtime.go adds pod-name, pod-id, namespace).
 *  - the bundle `<graphroot>/overlay-containers/<id>/userdata/config.json` (conmon -b), whose
 *    OCI annotations carry CRI-O's Kubernetes identity.
 * The graph root is found from conmon's `-b` argument, which covers rootless users' stores under
 * their home directories without guessing.
 */
import type { EngineMetadata } from '../../src/model/container.js';
import type { HostRoot } from '../host-root.js';
import { readParsed } from '../host-root.js';
import { ParseError, type Read } from '../read.js';
import { kubernetesFromAnnotations, parseOciSpec } from './oci-spec.js';

export interface StorageContainer {
  readonly id: string;
  readonly names: readonly string[];
  readonly imageId: string | null;
  readonly layer: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export function parseContainersJson(text: string): StorageContainer[] {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (err) {
    throw new ParseError(`not JSON (${(err as Error).message})`, text);
  }
  if (!Array.isArray(j)) throw new ParseError('expected a JSON array', text);
  return j.flatMap((e: unknown) => {
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

/** `<graphroot>` from a bundle path `<graphroot>/overlay-containers/<id>/userdata`. */
export function graphRootOfBundle(bundle: string): string | null {
  const i = bundle.indexOf('/overlay-containers/');
  return i < 0 ? null : bundle.slice(0, i);
}

const s = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function readStorageMetadata(root: HostRoot, id: string, bundle: string | null, graphRoots: readonly string[]): Read<EngineMetadata> {
  const candidates = [...new Set([...(bundle ? [graphRootOfBundle(bundle)] : []), ...graphRoots].filter((g): g is string => g !== null))];
  let lastGap: Read<EngineMetadata> | null = null;
  for (const g of candidates) {
    const file = `${g}/overlay-containers/containers.json`;
    const r = readParsed(root, file, parseContainersJson);
    if (!r.ok) {
      lastGap = r;
      continue;
    }
    const c = r.value.find((x) => x.id === id);
    if (!c) continue;
    const md = c.metadata;
    const sources = [file];
    const specPath = bundle ? `${bundle}/config.json` : `${g}/overlay-containers/${id}/userdata/config.json`;
    const spec = readParsed(root, specPath, parseOciSpec);
    const ann = spec.ok ? spec.value.annotations : {};
    if (spec.ok) sources.push(specPath);
    const k8s = kubernetesFromAnnotations(ann);
    const podId = s(md['pod-id']) ?? s(ann['io.kubernetes.cri-o.SandboxID']) ?? null;
    const infra = ann['io.kubernetes.cri-o.ContainerType'] === 'sandbox' || md['pod'] === true;
    return {
      ok: true,
      value: {
        name: s(md['name']) ?? c.names[0] ?? null,
        image: s(md['image-name']) ?? null,
        imageId: s(md['image-id']) ?? c.imageId,
        createdAt: typeof md['created-at'] === 'number' ? new Date((md['created-at'] as number) * 1000).toISOString() : null,
        podId,
        podName: s(md['pod-name']) ?? k8s?.podName ?? null,
        ...(infra ? { infra } : {}),
        ...(k8s ? { kubernetes: k8s } : {}),
        sources,
      },
    };
  }
  return lastGap ?? { ok: false, gap: { path: candidates[0] ?? '/var/lib/containers/storage', reason: 'absent', detail: `no record of ${id}` } };
}
