/**
 * containerd task bundles: `<state>/io.containerd.runtime.v2.task/<namespace>/<id>/config.json`
 * (containerd core/runtime/v2). `<state>` is `/run/containerd`, or
 * `/run/docker/containerd/daemon` when dockerd supervises its own containerd. The CRI plugin's
 * annotations give the Kubernetes identity and the image (io.kubernetes.cri.image-name); a plain
 * `ctr run` bundle names neither, so those containers are known by id (their name) alone.
 */
import type { EngineMetadata } from '../../src/model/container.js';
import type { HostRoot } from '../host-root.js';
import { readParsed } from '../host-root.js';
import type { Read } from '../read.js';
import { kubernetesFromAnnotations, parseOciSpec } from './oci-spec.js';

export const CONTAINERD_STATE_DIRS = ['/run/containerd', '/run/docker/containerd/daemon'] as const;

export function readContainerdMetadata(root: HostRoot, namespace: string | null, id: string): Read<EngineMetadata> {
  const namespaces = namespace !== null ? [namespace] : ['k8s.io', 'default', 'moby'];
  let last: Read<EngineMetadata> | null = null;
  for (const state of CONTAINERD_STATE_DIRS) {
    for (const ns of namespaces) {
      const file = `${state}/io.containerd.runtime.v2.task/${ns}/${id}/config.json`;
      const r = readParsed(root, file, parseOciSpec);
      if (!r.ok) {
        last = r;
        continue;
      }
      const a = r.value.annotations;
      const k8s = kubernetesFromAnnotations(a);
      const image = a['io.kubernetes.cri.image-name'] ?? null;
      return {
        ok: true,
        value: {
          name: k8s?.containerName ?? (k8s?.containerType === 'sandbox' ? k8s.podName : null) ?? id,
          image,
          ...(k8s ? { kubernetes: k8s, podName: k8s.podName } : {}),
          ...(k8s?.containerType === 'sandbox' ? { infra: true } : {}),
          labels: { 'containerd.namespace': ns },
          sources: [file],
        },
      };
    }
  }
  return last ?? { ok: false, gap: { path: '/run/containerd', reason: 'absent' } };
}
