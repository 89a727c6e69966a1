/** `ctrscope inspect --json`: the same report as the text view, as one documented object. */
import type { Observation } from '../../src/observe/observation.js';
import type { InspectReport, ProcessNode } from '../../src/model/inspect.js';
import { containerToJson, hostToJson, podToJson, SCHEMA_VERSION } from './container.js';

function nodeToJson(n: ProcessNode): Record<string, unknown> {
  return {
    pid: n.pid,
    innerPid: n.innerPid,
    hostUid: n.hostUid,
    innerUid: n.innerUid,
    state: n.state,
    cpuSeconds: n.cpuSeconds,
    rssBytes: n.rssBytes,
    command: n.command,
    via: n.via === '' ? null : n.via,
    children: n.children.map(nodeToJson),
  };
}

export function inspectToJson(
  obs: Observation,
  target: string,
  r: InspectReport,
  sections: Readonly<Record<string, unknown>> = {},
  unreadable: readonly string[] = [],
): Record<string, unknown> {
  const model = obs.model;
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'inspect',
    target,
    host: hostToJson(model),
    inContainer: r.container !== null,
    container: r.container ? containerToJson(r.container, obs) : null,
    pod: r.pod ? { ...podToJson(r.pod), memberNames: r.podMembers.map((m) => m.name) } : null,
    startedAt: r.startedAtMs === null ? null : new Date(r.startedAtMs).toISOString(),
    uptimeSeconds: r.uptimeSec,
    asked: r.asked,
    processTree: r.processTree.map(nodeToJson),
    namespaces: r.namespaces,
    security: r.security,
    hostProcess: r.hostProcess,
    ...sections,
    unreadable,
  };
}
