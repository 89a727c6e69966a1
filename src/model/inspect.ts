/**
 * The incident report for one target: identity, the asked-for process, the process tree,
 * namespace verdicts, security posture; sections from later collectors (resources, filesystem,
 * network) are attached by the inspect command when available. Pure.
 */
import type { Container, Pod } from './container.js';
import { containerKey } from './reconstruct.js';
import { containerStartedAtSec, type HostModel } from './host-model.js';
import { detectMonitor, ENGINE_DAEMONS, type MonitorInfo } from './engines.js';
import { NS_TYPES, type NsType } from './namespace.js';
import type { Process } from './process.js';
import type { IdMap, SecurityPosture } from './security.js';
import { primaryCgroupPath } from './cgroup.js';

export interface ProcessNode {
  readonly pid: number;
  /** pid inside the container's pid namespace (innermost NSpid). */
  readonly innerPid: number | null;
  readonly hostUid: number | null;
  /** The same uid as the container's user namespace sees it. */
  readonly innerUid: number | null;
  readonly state: string;
  readonly cpuSeconds: number;
  readonly rssBytes: number | null;
  readonly command: string;
  readonly via: string;
  readonly children: readonly ProcessNode[];
}

export interface NamespaceVerdict {
  readonly type: NsType;
  readonly inode: number | null;
  readonly verdict: 'private' | 'host' | 'shared' | 'unknown';
  /** Other containers in the same namespace (names, else short ids). */
  readonly sharedWith: readonly string[];
}

export interface AskedProcess {
  readonly pid: number;
  readonly comm: string;
  readonly nspid: readonly number[] | null;
  /** Descends from the container's first process, or was put in from outside (exec, nsenter). */
  readonly descendsFromInit: boolean;
  readonly via: string | null;
}

/** A host pid that is in no container: what it is and who owns it. */
export interface HostProcessReport {
  readonly pid: number;
  readonly comm: string;
  readonly command: readonly string[];
  readonly namespaces: Readonly<Record<string, number | null>>;
  /** Types whose namespace is known to differ from the host's. */
  readonly privateNamespaces: readonly NsType[];
  /**
   * Types that cannot be compared with the host's: the process's link could not be read (not
   * root), or the host's namespace of that type is unknown. Neither private nor the host's.
   */
  readonly unknownNamespaces: readonly NsType[];
  readonly cgroup: string | null;
  /** "systemd unit nginx.service", "containerd-shim for container web (docker 3f4e...)", ... */
  readonly owner: string | null;
  readonly monitorOf: string | null;
  /** Containers it shares some namespaces with (a partial member). */
  readonly partialOf: readonly string[];
}

export interface InspectReport {
  readonly container: Container | null;
  readonly pod: Pod | null;
  readonly podMembers: readonly Container[];
  readonly asked: AskedProcess | null;
  readonly processTree: readonly ProcessNode[];
  readonly namespaces: readonly NamespaceVerdict[];
  readonly security: SecurityPosture | null;
  readonly hostProcess: HostProcessReport | null;
  /** Uptime of the first process in seconds, when boot time and clock ticks are known. */
  readonly uptimeSec: number | null;
  readonly startedAtMs: number | null;
}

export const displayName = (c: Container): string => c.name ?? (/^[0-9a-f]{64}$/.test(c.id) ? c.id.slice(0, 12) : c.id);

function invert(map: readonly IdMap[] | null, outside: number | null): number | null {
  if (map === null || outside === null) return null;
  for (const r of map) if (outside >= r.outside && outside < r.outside + r.count) return r.inside + (outside - r.outside);
  return null;
}

export function buildProcessTree(model: HostModel, c: Container, uidMap: readonly IdMap[] | null): ProcessNode[] {
  const pageSizeBytes = model.snapshot.pageSizeBytes;
  const byPid = new Map(model.snapshot.processes.map((p) => [p.pid, p]));
  const via = new Map(c.processes.map((p) => [p.pid, p.via]));
  const hz = model.snapshot.clockTicksPerSec;
  const node = (p: Process): ProcessNode => ({
    pid: p.pid,
    innerPid: p.nspid ? (p.nspid[p.nspid.length - 1] ?? null) : null,
    hostUid: p.uids?.[1] ?? null,
    innerUid: uidMap ? invert(uidMap, p.uids?.[1] ?? null) : (p.uids?.[1] ?? null),
    state: p.state,
    cpuSeconds: (p.utimeTicks + p.stimeTicks) / hz,
    rssBytes: pageSizeBytes === null ? null : p.rssPages * pageSizeBytes,
    command: p.cmdline && p.cmdline.length > 0 ? p.cmdline.join(' ') : `[${p.comm}]`,
    via: via.get(p.pid) ?? '',
    children: c.processes
      .filter((m) => byPid.get(m.pid)?.ppid === p.pid)
      .map((m) => byPid.get(m.pid))
      .filter((x): x is Process => x !== undefined)
      .map(node),
  });
  const members = c.processes.map((m) => byPid.get(m.pid)).filter((x): x is Process => x !== undefined);
  return members.filter((p) => !via.has(p.ppid)).map(node);
}

export function namespaceVerdicts(model: HostModel, c: Container): NamespaceVerdict[] {
  const host = model.snapshot.hostNs;
  return NS_TYPES.map((type) => {
    const inode = c.namespaces[type] ?? null;
    if (inode === null) return { type, inode, verdict: 'unknown' as const, sharedWith: [] };
    const others = model.containers.filter((o) => o !== c && o.namespaces[type] === inode).map(displayName);
    const verdict = inode === host[type] ? 'host' : others.length > 0 ? 'shared' : 'private';
    return { type, inode, verdict, sharedWith: verdict === 'host' ? [] : others };
  });
}

/** Does pid descend (by ppid) from the container's first process? */
function descends(model: HostModel, pid: number, ancestor: number): boolean {
  const byPid = new Map(model.snapshot.processes.map((p) => [p.pid, p]));
  let cur = byPid.get(pid);
  for (let guard = 0; cur && guard < 4096; guard++) {
    if (cur.pid === ancestor) return true;
    cur = byPid.get(cur.ppid);
  }
  return false;
}

/** Daemons that start or manage containers without being one of ENGINE_RULES' engines. */
const OTHER_DAEMONS: readonly string[] = ['lxd', 'incus', 'kubelet', 'systemd-machined'];

/**
 * Name the owner of a host process that is in no container: an engine's monitor (and the
 * container it supervises), an engine daemon, or the systemd unit its cgroup names.
 */
export function describeHostProcess(model: HostModel, p: Process): HostProcessReport {
  const mon: MonitorInfo | null = detectMonitor(p);
  const supervised = mon ? model.containers.find((c) => c.monitor?.pid === p.pid) : undefined;
  const cg = p.cgroups ? primaryCgroupPath(p.cgroups) : null;
  const bin = p.cmdline?.[0]?.split('/').pop() ?? p.comm;
  let owner: string | null = null;
  if (mon) owner = supervised ? `${mon.kind} for container ${displayName(supervised)} (${supervised.engine ?? 'no engine'} ${supervised.id.slice(0, 12)})` : `${mon.kind} (${mon.engine})`;
  else if (ENGINE_DAEMONS.has(bin) || OTHER_DAEMONS.includes(bin)) owner = `engine daemon ${bin}`;
  else if (cg) {
    const unit = cg.split('/').reverse().find((s) => /\.(service|scope|slice)$/.test(s));
    if (unit) owner = `systemd unit ${unit}`;
  }
  const host = model.snapshot.hostNs;
  const priv = NS_TYPES.filter((t) => p.namespaces[t] !== undefined && host[t] !== undefined && p.namespaces[t] !== host[t]);
  // Both sides unknown is a type this kernel lacks, unless the process's link was denied.
  const denied = (t: NsType): boolean => p.gaps.some((g) => g.reason === 'denied' && g.path.endsWith(`/ns/${t}`));
  const unknownNs = NS_TYPES.filter((t) => (p.namespaces[t] === undefined ? host[t] !== undefined || denied(t) : host[t] === undefined));
  const ns: Record<string, number | null> = {};
  for (const t of NS_TYPES) ns[t] = p.namespaces[t] ?? null;
  return {
    pid: p.pid,
    comm: p.comm,
    command: p.cmdline ?? [],
    namespaces: ns,
    privateNamespaces: priv,
    unknownNamespaces: unknownNs,
    cgroup: cg,
    owner,
    monitorOf: supervised ? containerKey(supervised) : null,
    partialOf: model.containers.filter((c) => c.partialMembers.some((m) => m.pid === p.pid)).map(displayName),
  };
}

export function buildInspectReport(
  model: HostModel,
  c: Container | null,
  askedPid: number | null,
  extra: { uidMap: readonly IdMap[] | null; security: SecurityPosture | null },
): InspectReport {
  const byPid = new Map(model.snapshot.processes.map((p) => [p.pid, p]));
  const askedProc = askedPid === null ? undefined : byPid.get(askedPid);
  const s = model.snapshot;
  if (!c) {
    return {
      container: null,
      pod: null,
      podMembers: [],
      asked: null,
      processTree: [],
      namespaces: [],
      security: null,
      hostProcess: askedProc ? describeHostProcess(model, askedProc) : null,
      uptimeSec: null,
      startedAtMs: null,
    };
  }
  const pod = c.pod === null ? null : (model.pods.find((p) => p.key === c.pod) ?? null);
  const podMembers = pod ? model.containers.filter((m) => pod.members.includes(containerKey(m))) : [];
  const asked: AskedProcess | null = askedProc
    ? {
        pid: askedProc.pid,
        comm: askedProc.comm,
        nspid: askedProc.nspid,
        descendsFromInit: descends(model, askedProc.pid, c.pid),
        via: c.processes.find((m) => m.pid === askedProc.pid)?.via ?? null,
      }
    : null;
  const startedAtSec = containerStartedAtSec(s, c);
  const startedAtMs = startedAtSec === null ? null : startedAtSec * 1000;
  return {
    container: c,
    pod,
    podMembers,
    asked,
    processTree: buildProcessTree(model, c, extra.uidMap),
    namespaces: namespaceVerdicts(model, c),
    security: extra.security,
    hostProcess: null,
    uptimeSec: startedAtMs === null ? null : Math.max(0, (s.takenAtMs - startedAtMs) / 1000),
    startedAtMs,
  };
}
