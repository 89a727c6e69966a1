/**
 * Target resolution: what a user typed ("web", "3f4e5a", "48211", a pod name) to the container,
 * pod or bare process it names. Pure; every command that takes a target (enter, inspect) uses it.
 *
 * The first tier that matches anything decides; two different matches within that tier are
 * ambiguous and every candidate is returned. The order follows docker's own lookup (daemon
 * GetContainer: full id, then exact name, then unique id prefix), with host PIDs in front:
 *  1. pid: all digits, and a process with that host PID is in the snapshot. It stands for itself
 *     (enter joins ITS namespaces, nsenter -t style), inside its container when it has one.
 *  2. id: a container's full id (engine or derived `ns-<type>-<inode>`), or a pod's id.
 *  3. name: a container's name, or a pod's name.
 *  4. id-prefix: at least MIN_PREFIX characters that start exactly one container or pod id.
 * Id comparisons ignore case (engine ids are lower-case hex); names compare exactly.
 */
import type { Container, Pod } from './container.js';
import { shortId, type HostModel } from './host-model.js';
import { containerKey } from './reconstruct.js';

/** Shortest id prefix accepted: docker accepts 1, but 4+ keeps a typo from hitting a random container. */
export const MIN_PREFIX = 4;

export type MatchedBy = 'pid' | 'id' | 'name' | 'id-prefix';

export interface Target {
  /**
   * 'container': a container, or a process inside one; 'pod': a pod, represented by its infra
   * container (else its first member); 'process': a host pid that is in no container.
   */
  readonly kind: 'container' | 'pod' | 'process';
  /** Host pid whose namespaces stand for the target: the pid asked for, the container's first process, or the pod's representative's. */
  readonly pid: number;
  /** Start time of that pid (clock ticks after boot): with the pid, it identifies the process against pid reuse. */
  readonly starttimeTicks: number;
  /** The container the pid is in (for a pod: its representative), or null. */
  readonly container: Container | null;
  /** The pod asked for, or the pod of the container; null when none. */
  readonly pod: Pod | null;
  readonly matchedBy: MatchedBy;
}

export type Resolution =
  | { readonly kind: 'found'; readonly target: Target }
  | { readonly kind: 'not-found'; readonly query: string; readonly reason: string }
  | { readonly kind: 'ambiguous'; readonly query: string; readonly matchedBy: MatchedBy; readonly candidates: readonly Target[] };

export function resolveTarget(model: HostModel, query: string): Resolution {
  const q = query.trim();
  if (q === '') return { kind: 'not-found', query, reason: 'empty target: give a host PID, a container id or name, or a pod' };
  const lower = q.toLowerCase();
  const podByKey = new Map(model.pods.map((p) => [p.key, p]));
  const podOf = (c: Container): Pod | null => (c.pod === null ? null : (podByKey.get(c.pod) ?? null));
  const ofContainer = (c: Container, by: MatchedBy): Target => ({ kind: 'container', pid: c.pid, starttimeTicks: c.starttimeTicks, container: c, pod: podOf(c), matchedBy: by });
  const ofPod = (p: Pod, by: MatchedBy): Target[] => {
    const rep = podRepresentative(model, p);
    return rep ? [{ kind: 'pod', pid: rep.pid, starttimeTicks: rep.starttimeTicks, container: rep, pod: p, matchedBy: by }] : [];
  };

  const tiers: Array<[MatchedBy, () => Target[]]> = [
    ['pid', () => (/^\d+$/.test(q) ? byPid(model, Number(q), podOf) : [])],
    ['id', () => [...model.containers.filter((c) => c.id.toLowerCase() === lower).map((c) => ofContainer(c, 'id')), ...model.pods.filter((p) => p.id.toLowerCase() === lower).flatMap((p) => ofPod(p, 'id'))]],
    ['name', () => [...model.containers.filter((c) => c.name === q).map((c) => ofContainer(c, 'name')), ...model.pods.filter((p) => p.name === q).flatMap((p) => ofPod(p, 'name'))]],
    [
      'id-prefix',
      () =>
        q.length < MIN_PREFIX
          ? []
          : [...model.containers.filter((c) => c.id.toLowerCase().startsWith(lower)).map((c) => ofContainer(c, 'id-prefix')), ...model.pods.filter((p) => p.id.toLowerCase().startsWith(lower)).flatMap((p) => ofPod(p, 'id-prefix'))],
    ],
  ];
  for (const [by, find] of tiers) {
    const found = find();
    if (found.length === 1) return { kind: 'found', target: found[0] as Target };
    if (found.length > 1) return { kind: 'ambiguous', query, matchedBy: by, candidates: found };
  }
  let reason = `nothing matches '${q}': no host process with that PID, no container or pod with that id, name or id prefix`;
  if (!/^\d+$/.test(q)) reason = `nothing matches '${q}': no container or pod with that id, name or id prefix`;
  if (q.length < MIN_PREFIX && !/^\d+$/.test(q)) reason += ` (id prefixes need at least ${MIN_PREFIX} characters)`;
  return { kind: 'not-found', query, reason };
}

function byPid(model: HostModel, pid: number, podOf: (c: Container) => Pod | null): Target[] {
  const p = model.snapshot.processes.find((x) => x.pid === pid);
  if (!p) return [];
  const c = model.containers.find((x) => x.processes.some((m) => m.pid === pid)) ?? null;
  return [{ kind: c ? 'container' : 'process', pid, starttimeTicks: p.starttimeTicks, container: c, pod: c ? podOf(c) : null, matchedBy: 'pid' }];
}

/** The container whose namespaces stand for a pod: its infra/pause container, else its oldest member. */
export function podRepresentative(model: HostModel, pod: Pod): Container | null {
  const members = model.containers.filter((c) => pod.members.includes(containerKey(c)));
  const infra = pod.infra === null ? undefined : members.find((c) => containerKey(c) === pod.infra);
  // model.containers is sorted by start time, so members[0] is the pod's oldest container.
  return infra ?? members[0] ?? null;
}

/** One line naming a target for messages: "container web (docker 3f4e5a6b7c8d), pid 4242". */
export function describeTarget(t: Target): string {
  if (t.kind === 'pod' && t.pod) {
    const c = t.container;
    const label = t.pod.name !== null ? `${t.pod.name} (${t.pod.kind} ${shortId({ id: t.pod.id })})` : `${t.pod.id} (${t.pod.kind})`;
    return `pod ${label} via ${c ? containerLabel(c) : 'its first member'}, pid ${t.pid}`;
  }
  if (t.container) {
    const c = t.container;
    const lead = t.matchedBy === 'pid' && t.pid !== c.pid ? `pid ${t.pid} in container ` : 'container ';
    return `${lead}${containerLabel(c)}${t.matchedBy === 'pid' && t.pid !== c.pid ? '' : `, pid ${t.pid}`}`;
  }
  return `pid ${t.pid} (in no container)`;
}

function containerLabel(c: Container): string {
  const id = shortId(c);
  return c.name !== null && c.name !== c.id ? `${c.name} (${c.engine ?? 'no engine'} ${id})` : `${id} (${c.engine ?? 'no engine'})`;
}
