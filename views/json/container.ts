/**
 * JSON form of the model, versioned by SCHEMA_VERSION and described by ctrscope.schema.json.
 * Pure: model in, plain object out. Keys are emitted in a fixed order; unknown values are null,
 * never 0 or "".
 */
import type { Container, Pod } from '../../src/model/container.js';
import type { HostModel } from '../../src/model/host-model.js';
import { NS_TYPES } from '../../src/model/namespace.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { detailsToJson } from './details.js';
import { isUnknown } from '../../src/model/resources.js';
import type { Observation } from '../../src/observe/observation.js';
import { writeJsonInPieces } from './pieces.js';
import { resourcesToJson } from './resources.js';

/** Bump the major on any breaking change; add fields with a minor bump. */
export const SCHEMA_VERSION = '1.3';

/**
 * The one container object of `ps --json`, `top --batch --json` and `inspect --json`: identity,
 * processes, namespaces, cgroup; with an observation, its limits and usage (rates against the
 * previous observation, network rates of its namespace included), and its rootfs, mounts and
 * network where the observation read details.
 */
export function containerToJson(c: Container, obs?: Observation): Record<string, unknown> {
  const res = obs?.resources.get(containerKey(c));
  const details = obs?.details;
  const namespaces: Record<string, number | null> = {};
  for (const t of NS_TYPES) namespaces[t] = c.namespaces[t] ?? null;
  return {
    id: c.id,
    idKind: c.idKind,
    name: c.name,
    engine: c.engine,
    runtime: c.runtime,
    image: c.image,
    pod: c.pod,
    kubernetes: c.kubernetes,
    pid: c.pid,
    pids: c.processes.map((p) => p.pid),
    processes: c.processes.map((p) => ({ pid: p.pid, nspid: p.nspid, via: p.via })),
    command: c.command,
    namespaces,
    hostNamespaces: c.hostNamespaces,
    cgroup: { version: c.cgroup.mode, path: c.cgroup.path },
    monitor: c.monitor === null ? null : { pid: c.monitor.pid, kind: c.monitor.kind, id: c.monitor.id },
    partialMembers: c.partialMembers,
    evidence: c.evidence,
    metadataSources: c.metadata?.sources ?? [],
    ...(details ? detailsToJson(details.get(containerKey(c))) : {}),
    ...(res && obs ? withNetRates(resourcesToJson(res), obs, c) : {}),
  };
}

/** The network rate of the container's namespace joins usage; host-network containers have none of their own. */
function withNetRates(r: ReturnType<typeof resourcesToJson>, obs: Observation, c: Container): ReturnType<typeof resourcesToJson> {
  const host = c.hostNamespaces.includes('net');
  const rate = host || c.namespaces.net === undefined ? undefined : obs.network.get(c.namespaces.net)?.rate;
  const why = host ? 'host network namespace: its counters are the host\'s' : rate === undefined ? 'network namespace counters unreadable' : isUnknown(rate) ? rate.unknown : null;
  const unknownReasons = r.resources['unknown'] as Record<string, string>;
  if (why !== null && r.resources['unavailable'] === null) {
    unknownReasons['usage.netRxBytesPerSec'] = why;
    unknownReasons['usage.netTxBytesPerSec'] = why;
  }
  const known = rate !== undefined && !isUnknown(rate) ? rate : null;
  // resourcesToJson made `usage` for this container alone: the rates go at its end in place.
  const usage = r.usage as Record<string, unknown>;
  usage['netRxBytesPerSec'] = known?.rxBytesPerSec ?? null;
  usage['netTxBytesPerSec'] = known?.txBytesPerSec ?? null;
  return r;
}

export function podToJson(p: Pod): Record<string, unknown> {
  return { key: p.key, kind: p.kind, id: p.id, name: p.name, members: p.members, infra: p.infra, sharedNamespaces: p.sharedNamespaces };
}

export function hostToJson(model: HostModel): Record<string, unknown> {
  const s = model.snapshot;
  return {
    hostname: s.hostname,
    kernel: s.kernel,
    root: s.root.dir,
    rootKind: s.root.kind,
    cgroupMode: s.cgroupMode,
    takenAt: new Date(s.takenAtMs).toISOString(),
  };
}

export function psToJson(obs: Observation): Record<string, unknown> {
  return { ...psHead(obs), containers: obs.model.containers.map((c) => containerToJson(c, obs)) };
}

/**
 * `ps --json`'s text, `JSON.stringify(psToJson(obs), null, 2) + '\n'` to the byte, handed to
 * `write` tens of kilobytes at a time, each container's object made and dropped in turn
 * (pieces.ts says why).
 */
export function writePsJson(obs: Observation, write: (text: string) => void): void {
  writeJsonInPieces(psHead(obs), 'containers', obs.model.containers, (c) => containerToJson(c, obs), write);
}

/** The document without its containers (the key holds their place in the order). */
function psHead(obs: Observation): Record<string, unknown> {
  const model = obs.model;
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'ps',
    host: hostToJson(model),
    containers: null,
    pods: model.pods.map(podToJson),
    scan: {
      processes: model.snapshot.processes.length,
      vanished: model.snapshot.stats.vanished,
      partial: model.snapshot.stats.partial,
      hidden: model.snapshot.stats.hidden,
      malformed: model.snapshot.malformed,
    },
  };
}
