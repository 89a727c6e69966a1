/**
 * OCI runtime bundle `config.json` (opencontainers/runtime-spec config.md), as written by
 * containerd (task bundle), podman and CRI-O (conmon -b userdata dir). We read annotations,
 * hostname and the process args; `process.env` is never kept.
 *   {"ociVersion":"1.0.2","process":{...},"hostname":"web","annotations":{"io.kubernetes.cri.container-type":"container",...}}
 */
import type { KubernetesIdentity } from '../../src/model/container.js';
import { parseJsonObject } from './json.js';

export interface OciSpecSummary {
  readonly hostname: string | null;
  readonly annotations: Readonly<Record<string, string>>;
}

export function parseOciSpec(text: string): OciSpecSummary {
  const o = parseJsonObject(text);
  const ann: Record<string, string> = {};
  if (typeof o['annotations'] === 'object' && o['annotations'] !== null) {
    for (const [k, v] of Object.entries(o['annotations'] as Record<string, unknown>)) if (typeof v === 'string') ann[k] = v;
  }
  return { hostname: typeof o['hostname'] === 'string' ? o['hostname'] : null, annotations: ann };
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
  const type = get('io.kubernetes.cri.container-type', 'io.kubernetes.cri-o.ContainerType');
  const podName = get('io.kubernetes.cri.sandbox-name', 'io.kubernetes.pod.name', 'io.kubernetes.cri-o.KubeName');
  if (type === null && podName === null) return null;
  return {
    podUid: get('io.kubernetes.cri.sandbox-uid', 'io.kubernetes.pod.uid'),
    podName,
    namespace: get('io.kubernetes.cri.sandbox-namespace', 'io.kubernetes.pod.namespace', 'io.kubernetes.cri-o.Namespace'),
    containerName: get('io.kubernetes.cri.container-name', 'io.kubernetes.container.name'),
    containerType: type === 'sandbox' ? 'sandbox' : type === 'container' ? 'container' : null,
  };
}
