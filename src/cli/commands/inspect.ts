/** `ctrscope inspect <target>`: the incident report for a pid, container, name or pod. */
import type { Command } from 'commander';
import { seedForId } from '../../../collectors/around.js';
import { readCgroupLayout } from '../../../collectors/collect.js';
import { collectDetails } from '../../../collectors/details.js';
import { diagnoseResources } from '../../model/diagnosis.js';
import { collectSecurityInputs } from '../../../collectors/security.js';
import { buildInspectReport } from '../../model/inspect.js';
import { flaggedMounts } from '../../model/mount-findings.js';
import { containerKey } from '../../model/reconstruct.js';
import { whichInterface } from '../../model/which.js';
import { deriveSecurity } from '../../model/security.js';
import { resolveTarget, type Resolution } from '../../model/target.js';
import { targetOrExit } from '../target.js';
import { detailsToJson } from '../../../views/json/details.js';
import { inspectToJson } from '../../../views/json/inspect.js';
import { filesystemLines, networkLines } from '../../../views/text/details.js';
import { resourcesToJson } from '../../../views/json/resources.js';
import { resourceLines } from '../../../views/text/resources-section.js';
import { renderInspectReport } from '../../../views/text/inspect-report.js';
import { makeStyle } from '../../../views/text/style.js';
import { EXIT } from '../exit-codes.js';
import { buildHostModel, type HostModel } from '../../model/host-model.js';
import { derivePageSize } from '../../model/host.js';
import { createObserver, type Observer, type ObserveRound } from '../../observe/observer.js';
import type { Container } from '../../model/container.js';
import type { ContainerDetails } from '../../model/details.js';
import { pastOomKills, type PastOomKill } from '../../model/events.js';
import { parseOomKills, readKernelLog } from '../../../collectors/events/kmsg.js';
import type { HostRoot } from '../../../collectors/host-root.js';
import { completeProcesses } from '../../../collectors/processes.js';
import type { Observation } from '../../observe/observation.js';
import { oomKillsToJson } from '../../../views/json/events.js';
import { oomKillLines } from '../../../views/text/events.js';
import { checkSnapshot, ExitWith, openRoot, type Deps, type GlobalOptions } from '../context.js';

export function registerInspect(program: Command, deps: Deps): void {
  program
    .command('inspect')
    .description('the incident report for a host PID, container id/prefix/name, or pod')
    .argument('<target>', 'host PID, container id or unique prefix (4+), container name, pod name/id, or host veth name')
    .option('--sizes', 'measure the upper layer (bytes, files, whiteouts), at most 5 s')
    .option('--interval <seconds>', 'sample CPU and throttling rates over this long', '1')
    .option('--no-rates', 'one sample: limits and usage, no rates')
    .option('--json', 'print JSON (schema: views/json/ctrscope.schema.json, kind "inspect")')
    .action(async (target: string, opts: { json?: boolean; sizes?: boolean; interval: string; rates: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const seconds = Number(opts.interval);
      if (!Number.isFinite(seconds) || seconds < 0 || seconds > 60) throw new ExitWith(EXIT.usage, `--interval ${opts.interval}: expected seconds from 0 to 60`);
      if (!opts.rates && cmd.getOptionValueSource('interval') === 'cli') throw new ExitWith(EXIT.usage, '--no-rates and --interval contradict each other: --no-rates takes one sample, --interval sets the time between two');
      const root = openRoot(g);
      const rates = opts.rates && seconds > 0 && root.kind === 'live';
      const { observation: read, asked: first } = await observeTarget(root, target, { rates, seconds, sizes: opts.sizes === true }, deps);
      const observation = completeAsked(root, read, target, first?.kind === 'found' ? first.target.container : null);
      const model = observation.model;
      const res = first ? sameIn(model, first) : resolveInspectTarget(root, model, target);
      const t = targetOrExit(res);
      const details = observation.details ?? new Map<string, ContainerDetails>();
      const c = t.container;
      const unreadable: string[] = [];
      let report;
      if (c) {
        const init = model.snapshot.processes.find((p) => p.pid === c.pid);
        const { layout } = readCgroupLayout(root);
        const d = details.get(containerKey(c));
        const inputs = collectSecurityInputs(root, layout, c.pid, init?.cgroups ?? null, flaggedMounts(d?.fs ?? null));
        if (inputs.uidMap === null) unreadable.push(`/proc/${c.pid}/uid_map`);
        if (inputs.lsmUnavailable !== null && inputs.lsmUnavailable !== 'none') unreadable.push(`/proc/${c.pid}/attr/current: ${inputs.lsmUnavailable}`);
        const security = init ? deriveSecurity(init, c.engine, c.hostNamespaces, inputs) : null;
        for (const p of init?.gaps ?? []) unreadable.push(`${p.path}: ${p.reason}`);
        report = buildInspectReport(model, c, t.matchedBy === 'pid' ? t.pid : null, { uidMap: inputs.uidMap, security });
      } else {
        report = buildInspectReport(model, null, t.pid, { uidMap: null, security: null });
      }
      const d = c ? details.get(containerKey(c)) : undefined;
      const resources = c ? observation.resources.get(containerKey(c)) : undefined;
      const diagnosis = resources ? diagnoseResources(resources) : [];
      const ooms = c ? oomKillsOf(root, resources?.cgroups['memory'], model.snapshot.bootTimeSec) : null;
      if (opts.json) {
        const sections = c ? { ...detailsToJson(d), ...(resources ? { ...resourcesToJson(resources), diagnosis } : {}), ...(ooms ? oomKillsToJson(ooms) : {}) } : {};
        deps.out(JSON.stringify(inspectToJson(observation, target, report, sections, unreadable), null, 2) + '\n');
      } else {
        const sections = c ? [{ title: 'Resources', lines: resourceLines(resources, diagnosis) }, ...(ooms ? [{ title: 'OOM kills (kernel log)', lines: oomKillLines(ooms) }] : []), { title: 'Filesystem', lines: filesystemLines(d) }, { title: 'Network', lines: networkLines(d) }] : [];
        deps.out(renderInspectReport(report, makeStyle(deps.color === true), sections, unreadable));
      }
    });
}

/**
 * The one observation `inspect` reports from, and what the target resolved to in it (null when
 * it resolved to nothing or never came to be resolved). A container's candidates for its first
 * process are read in full (status, argv) only where there are several; the asked-for
 * container's members, those of its pod (whose infra container shows by its command) and a host
 * process asked for by pid are completed after the observation (completeAsked). Only the
 * asked-for container's cgroups and network counters are read, twice one interval apart for its
 * rates. A pid is read around (only the processes that may belong with it, where that tells its
 * container); so is a full container id, around a process of the container it names
 * (seedForId), where that container is the one read; else every process is read.
 */
export async function observeTarget(root: HostRoot, target: string, opts: { rates: boolean; seconds: number; sizes: boolean }, deps: Deps): Promise<{ observation: Observation; asked: Resolution | null }> {
  let asked: Resolution | null = null;
  // The report shows the container's filesystem and network, read with the observation, and no other container's.
  const only = (): Container[] => {
    const a = asked as Resolution | null;
    return a?.kind === 'found' && a.target.container ? [a.target.container] : [];
  };
  const pid = /^\d+$/.test(target.trim()) ? Number(target.trim()) : undefined;
  const seed = pid ?? seedForId(root, target) ?? undefined;
  const observeAround = (around: number | undefined): { observer: Observer; observation: Observation } => {
    asked = null;
    const observer = createObserver(root, {
      continuous: opts.rates,
      now: deps.now,
      initsOnly: 'undecided',
      ...(around !== undefined ? { around } : {}),
      resources: (model) => {
        asked = resolveInspectTarget(root, model, target);
        // Read around a process named by the id (and not widened to every process, which the
        // observer does unless that process's container is the one container read): that
        // container must have the id, else every process is read after all. A name or a prefix
        // is told only by every container.
        if (pid === undefined && model.snapshot.around && !(asked.kind === 'found' && asked.target.matchedBy === 'id')) asked = null;
        return only();
      },
      network: only,
    });
    const round: ObserveRound = { details: { containers: only, ...(opts.sizes ? { sizes: { perContainerMs: 5000, totalMs: 5000, now: deps.now } } : {}) } };
    try {
      return { observer, observation: observer.observe(round) };
    } catch (err) {
      observer.close();
      throw err;
    }
  };
  let { observer, observation } = observeAround(seed);
  try {
    if (pid === undefined && observation.model.snapshot.around && asked === null) {
      observer.close();
      ({ observer, observation } = observeAround(undefined));
    }
    checkSnapshot(root, observation.model.snapshot, deps);
    const found = asked as Resolution | null;
    // Rates: the container's counters again one interval later, the rest read once.
    if (opts.rates && found?.kind === 'found' && found.target.container) observation = await observer.resample(opts.seconds * 1000);
  } finally {
    observer.close();
  }
  return { observation, asked };
}

/** What a target names in a model: resolveTarget's answer, or for a host interface name (veth...) the container at the other end of the pair, which only every container's network tells. */
function resolveInspectTarget(root: HostRoot, model: HostModel, target: string): Resolution {
  const res = resolveTarget(model, target);
  if (res.kind !== 'not-found' || !/^[\w.@-]{1,15}$/.test(target)) return res;
  const owner = whichInterface(target, model.containers, collectDetails(root, model).details)[0]?.container;
  return owner ? resolveTarget(model, owner.id) : res;
}

/**
 * The observation with the asked-for container's members, those of the other containers of its
 * pod, and the process a pid target names read in full (status, argv), where the scan read them
 * lean (every process but the candidates for a container's first process where there are
 * several; a host process in no container: a monitor, a daemon, a shell). The model is rebuilt
 * on them: the same containers, with the members' inner pids and the pod's commands.
 */
function completeAsked(root: HostRoot, observation: Observation, target: string, container: Container | null): Observation {
  const q = target.trim();
  const pod = container?.pod ? observation.model.pods.find((p) => p.key === container.pod) : undefined;
  const shown = pod ? observation.model.containers.filter((c) => pod.members.includes(containerKey(c))) : container ? [container] : [];
  const pids = new Set(shown.flatMap((c) => c.processes.map((m) => m.pid)));
  if (/^\d+$/.test(q)) pids.add(Number(q));
  const before = observation.model.snapshot.processes;
  const malformed = [...observation.model.snapshot.malformed];
  const after = completeProcesses(root, before, pids, malformed);
  if (after.every((p, i) => p === before[i])) return observation;
  const model = buildHostModel({ ...observation.model.snapshot, processes: after, malformed, pageSizeBytes: observation.model.snapshot.pageSizeBytes ?? derivePageSize(after) });
  return { ...observation, model };
}

/** A resolution against an earlier model of the same host, with its container taken from `model`. */
function sameIn(model: HostModel, r: Resolution): Resolution {
  if (r.kind !== 'found' || !r.target.container) return r;
  const key = containerKey(r.target.container);
  const container = model.containers.find((c) => containerKey(c) === key) ?? r.target.container;
  return { ...r, target: { ...r.target, container } };
}

/** The container's OOM kills still in the kernel log, or why they cannot be listed. */
function oomKillsOf(root: HostRoot, memoryDir: string | undefined, bootTimeSec: number | null): PastOomKill[] | { unknown: string } {
  if (memoryDir === undefined) return { unknown: 'the container has no memory cgroup of its own' };
  const log = readKernelLog(root);
  if ('error' in log) return { unknown: `kernel log unreadable: ${log.error}` };
  return pastOomKills(parseOomKills(log.records), memoryDir, bootTimeSec);
}
