/**
 * OCI runtime bundle `config.json` (opencontainers/runtime-spec config.md), as written by
 * containerd (task bundle), podman and CRI-O (conmon -b userdata dir). We read annotations,
 * hostname and the annotations named in OCI_ANNOTATIONS_READ; nothing else (`process.env`, the
 * command line, CRI-O's copy of every pod annotation) is kept.
 *   {"ociVersion":"1.0.2","process":{...},"hostname":"web","annotations":{"io.kubernetes.cri.container-type":"container",...}}
 */
import type { KubernetesIdentity } from '../../src/model/container.js';
import { parseJsonObject } from './json.js';

export interface OciSpecSummary {
  readonly hostname: string | null;
  readonly annotations: Readonly<Record<string, string>>;
}

/** The annotations any ctrscope reader looks at: Kubernetes identity, image, who made the bundle. */
const KUBERNETES_KEYS = {
  type: ['io.kubernetes.cri.container-type', 'io.kubernetes.cri-o.ContainerType'],
  podName: ['io.kubernetes.cri.sandbox-name', 'io.kubernetes.pod.name', 'io.kubernetes.cri-o.KubeName'],
  podUid: ['io.kubernetes.cri.sandbox-uid', 'io.kubernetes.pod.uid'],
  namespace: ['io.kubernetes.cri.sandbox-namespace', 'io.kubernetes.pod.namespace', 'io.kubernetes.cri-o.Namespace'],
  containerName: ['io.kubernetes.cri.container-name', 'io.kubernetes.container.name'],
} as const;
export const OCI_ANNOTATIONS_READ: ReadonlySet<string> = new Set([
  ...Object.values(KUBERNETES_KEYS).flat(),
  'io.kubernetes.cri.image-name',
  'io.container.manager',
  'io.kubernetes.cri-o.SandboxID',
]);

export function parseOciSpec(text: string): OciSpecSummary {
  const o = parseJsonObject(text);
  const ann: Record<string, string> = {};
  if (typeof o['annotations'] === 'object' && o['annotations'] !== null) {
    for (const [k, v] of Object.entries(o['annotations'] as Record<string, unknown>)) if (typeof v === 'string' && OCI_ANNOTATIONS_READ.has(k)) ann[k] = v;
  }
  return { hostname: typeof o['hostname'] === 'string' ? o['hostname'] : null, annotations: ann };
}

/**
 * An OCI config.json as `ctrscope snapshot` records it: what parseOciSpec reads, in the same
 * format, so that a replay parses to the same summary. Throws ParseError on a file that is not
 * a JSON object.
 */
export function reduceOciSpec(text: string): string {
  const { hostname, annotations } = parseOciSpec(text);
  return JSON.stringify({ ...(hostname !== null ? { hostname } : {}), annotations });
}

/**
 * Kubernetes identity from OCI annotations: containerd's CRI plugin writes io.kubernetes.cri.*,
 * CRI-O writes io.kubernetes.cri-o.* and copies the kubelet's io.kubernetes.pod.* labels
 * (containerd internal/cri/annotations/annotations.go, cri-o pkg/annotations).
 */
export function kubernetesFromAnnotations(a: Readonly<Record<string, string>>): KubernetesIdentity | null {
  const get = (...keys: string[]): string | null => {
    for (const k of keys) if (a[k] !== undefined) return a[k] as string;
    return null;
  };
  const type = get(...KUBERNETES_KEYS.type);
  const podName = get(...KUBERNETES_KEYS.podName);
  if (type === null && podName === null) return null;
  return {
    podUid: get(...KUBERNETES_KEYS.podUid),
    podName,
    namespace: get(...KUBERNETES_KEYS.namespace),
    containerName: get(...KUBERNETES_KEYS.containerName),
    containerType: type === 'sandbox' ? 'sandbox' : type === 'container' ? 'container' : null,
  };
}
