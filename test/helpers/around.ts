/**
 * `inspect PID` reads only the processes around the pid (collectors/around.ts) where that tells
 * its container as reading every process does. These observe a host both ways, with the options
 * inspect passes, and project what inspect prints of the pid's container from each.
 */
import type { HostRoot } from '../../collectors/host-root.js';
import { buildInspectReport } from '../../src/model/inspect.js';
import type { HostModel } from '../../src/model/host-model.js';
import { resolveTarget } from '../../src/model/target.js';
import { createObserver } from '../../src/observe/observer.js';
import type { Observation } from '../../src/observe/observation.js';
import { containerToJson } from '../../views/json/container.js';

/** One instant for every observation: recorded trees without a boot time are taken "now". */
const NOW = Date.now();

const containerOf = (model: HostModel, pid: number) => model.containers.filter((c) => c.processes.some((m) => m.pid === pid));

/**
 * One observation as `inspect PID --no-rates` makes it, reading the pid's container's
 * resources, network and filesystem only: read around the pid (where that tells its container),
 * or every process in full.
 */
export function observeFor(root: HostRoot, pid: number, around: boolean): Observation {
  const only = (model: HostModel) => containerOf(model, pid);
  const observer = createObserver(root, { ...(around ? { around: pid } : {}), now: () => NOW, resources: only, network: only });
  try {
    return observer.observe({ details: { containers: only } });
  } finally {
    observer.close();
  }
}

/**
 * What inspect prints of the pid from an observation: how it resolves, and its container as
 * `--json` shows it (with its resources, network and filesystem) and as the report tells it
 * (process tree, namespaces and who shares them, partial members). `steady` leaves out what a
 * live host changes between two readings (counters, usage, uptimes, start-time-derived ages).
 */
export function inspectFacts(obs: Observation, pid: number, steady = false): unknown {
  const res = resolveTarget(obs.model, String(pid));
  if (res.kind !== 'found') return res;
  const c = res.target.container;
  const report = buildInspectReport(obs.model, c, pid, { uidMap: null, security: null });
  const json = c ? containerToJson(c, obs) : null;
  const facts = { kind: res.target.kind, pod: res.target.pod, container: json, report };
  return steady ? JSON.parse(JSON.stringify(facts, (k, v) => (VOLATILE.has(k) ? undefined : v))) : facts;
}

/** Fields a live host changes from one reading to the next. */
const VOLATILE = new Set(['resources', 'usage', 'cpuSeconds', 'rssBytes', 'uptimeSec', 'startedAtMs', 'interfaces', 'sockets']);
