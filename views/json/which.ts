/** JSON form of `ctrscope which` (kind "which" in ctrscope.schema.json). Pure. */
import type { HostModel } from '../../src/model/host-model.js';
import { containerKey } from '../../src/model/reconstruct.js';
import type { WhichMatch } from '../../src/model/which.js';
import { hostToJson, SCHEMA_VERSION } from './container.js';

export function whichToJson(model: HostModel, query: { target: string; type: 'path' | 'interface'; name: string }, matches: readonly WhichMatch[]): Record<string, unknown> {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'which',
    host: hostToJson(model),
    query,
    matches: matches.map((m) => ({
      container: containerKey(m.container),
      id: m.container.id,
      name: m.container.name,
      engine: m.container.engine,
      pid: m.container.pid,
      role: m.role,
      what: m.what,
      shortLink: m.shortLink,
      detail: m.detail,
      containerPath: m.containerPath,
    })),
  };
}
