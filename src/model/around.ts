/**
 * Whether a model built from the processes around one pid (HostSnapshot.around: the pid, the
 * processes in its private namespaces and their ancestors) is right about that pid's container.
 * Pure. The processes left unread share none of the pid's private namespaces; grouping can still
 * tie one to the container through another namespace, a pod, or a runtime state that names it,
 * and each of those shows in the model built from the processes read:
 *  - a process read in a namespace that is neither the host's nor the pid's (a nested container,
 *    a pod sibling's own pid namespace): an unread process may share that one;
 *  - a second container among them (a pod, a container that shares a namespace with another):
 *    its other members were not read, nor what they share;
 *  - a pod: its other containers were not read;
 *  - a runtime state naming the container and a process not read.
 * What only reading can tell (every process in the container's engine cgroup, every child of its
 * monitor) is checked by collectors/around.ts.
 */
import type { Container } from './container.js';
import type { HostModel } from './host-model.js';
import { NS_TYPES } from './namespace.js';

/** The seed's container, and why the model may be wrong about it (null: it is not). */
export function aroundContainer(model: HostModel): { container: Container | null; differs: string | null } {
  const around = model.snapshot.around;
  if (!around) return { container: null, differs: 'every process was read' };
  const { hostNs, processes, runtimeStates } = model.snapshot;
  const seed = processes.find((p) => p.pid === around.seed);
  if (!seed) return { container: null, differs: `pid ${around.seed} was not read` };
  for (const p of processes) {
    for (const t of NS_TYPES) {
      const inode = p.namespaces[t];
      if (inode !== undefined && inode !== hostNs[t] && inode !== seed.namespaces[t]) return { container: null, differs: `pid ${p.pid} is in a ${t} namespace neither the host's nor pid ${seed.pid}'s` };
    }
  }
  const container = model.containers.find((c) => c.processes.some((m) => m.pid === seed.pid)) ?? null;
  if (!container) return { container, differs: `pid ${seed.pid} is in no container` };
  if (model.containers.length > 1) return { container, differs: `${model.containers.length} containers among the processes read` };
  if (container.pod !== null) return { container, differs: 'the container is in a pod' };
  const read = new Set(processes.map((p) => p.pid));
  const state = runtimeStates.find((s) => s.id === container.id && !read.has(s.pid));
  if (state) return { container, differs: `${state.source} names pid ${state.pid}, not read` };
  return { container, differs: null };
}
