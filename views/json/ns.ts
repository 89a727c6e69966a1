/** JSON form of `ctrscope ns` (kind "ns" in ctrscope.schema.json). Pure. */
import type { HostModel } from '../../src/model/host-model.js';
import type { NamespaceEntry } from '../../src/model/namespaces.js';
import type { Gap } from '../../src/model/gap.js';
import { hostToJson, SCHEMA_VERSION } from './container.js';

export function nsToJson(model: HostModel, entries: readonly NamespaceEntry[], gaps: readonly Gap[]): Record<string, unknown> {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'ns',
    host: hostToJson(model),
    namespaces: entries.map((e) => ({
      type: e.type,
      inode: e.inode,
      nprocs: e.pids.length,
      pid: e.pid,
      command: e.command,
      pids: e.pids,
      owner: e.owner,
      containers: e.containers,
      pins: e.pins,
    })),
    scan: {
      processes: model.snapshot.processes.length,
      vanished: model.snapshot.stats.vanished,
      unreadable: gaps,
    },
  };
}
