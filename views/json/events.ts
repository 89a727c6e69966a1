/**
 * `ctrscope events --json`: one JSON object per line (NDJSON), `kind: "event"`, described by
 * the `event` definition of ctrscope.schema.json.
 */
import type { ContainerEvent, PastOomKill } from '../../src/model/events.js';
import { rfc3339Nano } from '../events-time.js';
import { SCHEMA_VERSION } from './container.js';

export function eventToJson(e: ContainerEvent): Record<string, unknown> {
  const c = e.container;
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'event',
    time: rfc3339Nano(e.timeNano),
    timeNano: e.timeNano.toString(),
    action: e.action,
    container: { id: c.id, name: c.name, engine: c.engine, image: c.image, pod: c.pod },
    pid: e.pid,
    exitCode: e.exitCode,
    exitSignal: e.exitSignal,
    exitSignalName: e.exitSignalName,
    command: e.command,
    partial: e.partial,
    namespaces: e.namespaces,
    changes: e.changes,
    source: e.source,
  };
}

/** inspect --json: `oomKills`, the container's kills still in the kernel log, or null with `oomKillsUnknown`. */
export function oomKillsToJson(k: readonly PastOomKill[] | { unknown: string }): { oomKills: unknown; oomKillsUnknown: string | null } {
  if ('unknown' in k) return { oomKills: null, oomKillsUnknown: k.unknown };
  return { oomKills: k.map((x) => ({ time: x.atMs === null ? null : new Date(x.atMs).toISOString(), pid: x.pid, command: x.command, memoryCgroup: x.memoryCgroup })), oomKillsUnknown: null };
}
