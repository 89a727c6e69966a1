/**
 * Rebuild containers from host state alone. Pure: it takes what the collectors read and decides.
 *
 * A process belongs to a container by the first rule that applies, in this order:
 *  1. cgroup: its cgroup path names an engine container (engines.ts). Strongest, and the reason an
 *     exec'd process (docker exec, podman exec, kubectl exec) lands in its container although it
 *     does not descend from the container's first process.
 *  2. monitor: its parent is a shim, conmon, lxc monitor or systemd-nspawn that names the
 *     container (rootless podman on cgroup v1 and `nspawn --keep-unit` have no engine cgroup).
 *  3. runtime state: runc/crun `state.json`/`status` names the process as a container's init
 *     (checked before rule 5, so a `runc run` container keeps its runc id, not `ns-pid-<inode>`).
 *  4. descendant: a child of a member that stays in the member's pid or mount namespace.
 *  5. private namespaces, for containers no engine knows (`unshare`): private pid AND mount
 *     namespaces, or a private mount namespace whose `/` is another filesystem than the host's.
 *     A systemd service with PrivateTmp= (private mount ns, same root) and browser sandboxes
 *     (private user/pid/net ns but the host's mount ns) are therefore not containers.
 *  6. namespaces: a process in none of the above that is in EVERY namespace of a container
 *     (nsenter --all) is a member; one that shares only SOME of a container's private namespaces
 *     (nsenter --net, a debugging sidecar) is a partial member, listed but not counted.
 * Monitors, shims and engine daemons are never containers nor members, and neither are processes
 * that have exited and wait to be reaped (zombies).
 */
import { primaryCgroupPath, type CgroupLine, type CgroupMode } from './cgroup.js';
import type { Container, ContainerProcess, EngineMetadata, Membership, PartialMember, Pod } from './container.js';
import { detectMonitor, engineRules, matchProcessCgroups, type CgroupMatch, type Engine, type MonitorInfo, type ShimClaim } from './engines.js';
import { NS_TYPES, type NsSet, type NsType } from './namespace.js';
import { hasExited, type Process } from './process.js';

/** A runc or crun state file naming a container's init process. */
export interface RuntimeState {
  readonly runtime: Engine;
  readonly id: string;
  readonly pid: number;
  /** Start time recorded by the runtime; a mismatch means the pid was reused. */
  readonly starttimeTicks: number | null;
  readonly bundle: string | null;
  /** Root filesystem directory of the container, as the runtime resolved it. */
  readonly rootfs: string | null;
  /** RFC 3339 creation time the runtime recorded. */
  readonly createdAt: string | null;
  readonly source: string;
}

export interface ReconstructInput {
  readonly processes: readonly Process[];
  /** Namespaces of the host's init (pid 1 of the host pid namespace). */
  readonly hostNs: NsSet;
  /** For private mount namespaces: does its `/` differ from the host's? */
  readonly rootDiffers: ReadonlyMap<number, boolean>;
  readonly runtimeStates: readonly RuntimeState[];
  readonly cgroupMode: CgroupMode | null;
}

interface Draft {
  key: string;
  engine: Engine | null;
  id: string;
  idKind: 'engine' | 'derived';
  members: Map<number, Membership>;
  cgroupPath: string | null;
  match: CgroupMatch | null;
  monitor: (MonitorInfo & { pid: number }) | null;
  runtime: string | null;
  evidence: string[];
}

export interface Reconstruction {
  readonly containers: readonly Container[];
  readonly pods: readonly Pod[];
  /** Monitor processes by pid (shims, conmon, lxc monitors, nspawn). */
  readonly monitors: ReadonlyMap<number, MonitorInfo>;
}

const keyOf = (engine: Engine | null, id: string): string => `${engine ?? 'none'}/${id}`;

export function privateTypes(ns: NsSet, hostNs: NsSet): NsType[] {
  return NS_TYPES.filter((t) => ns[t] !== undefined && hostNs[t] !== undefined && ns[t] !== hostNs[t]);
}

/** The first pass: which processes form which containers, before metadata and rule 6. */
export interface Grouping {
  readonly drafts: readonly Draft[];
  readonly monitors: ReadonlyMap<number, MonitorInfo & { pid: number }>;
}

export function groupContainers(all: ReconstructInput): Grouping {
  const input = livingOnly(all);
  const byPid = new Map(input.processes.map((p) => [p.pid, p]));
  const drafts = new Map<string, Draft>();
  const owner = new Map<number, Draft>();
  const monitors = new Map<number, MonitorInfo & { pid: number }>();
  const cgroupMonitors = new Set<number>();

  const draftFor = (engine: Engine | null, id: string, idKind: 'engine' | 'derived'): Draft => {
    const key = keyOf(engine, id);
    let d = drafts.get(key);
    if (!d) {
      d = { key, engine, id, idKind, members: new Map(), cgroupPath: null, match: null, monitor: null, runtime: null, evidence: [] };
      drafts.set(key, d);
    }
    return d;
  };
  const assign = (d: Draft, pid: number, via: Membership): void => {
    if (owner.has(pid)) return;
    owner.set(pid, d);
    d.members.set(pid, via);
  };

  for (const p of input.processes) {
    const m = detectMonitor(p);
    if (m) monitors.set(p.pid, { ...m, pid: p.pid });
  }
  const candidates = input.processes.filter((p) => !p.kernelThread);
  const shims = shimClaims(monitors.values());
  // Processes whose cgroup file reads the same share one lines array (the scan's): matched once.
  const matches = new Map<readonly CgroupLine[], CgroupMatch | null>();
  const cgroupMatch = (lines: readonly CgroupLine[]): CgroupMatch | null => {
    let m = matches.get(lines);
    if (m === undefined) matches.set(lines, (m = matchProcessCgroups(lines, shims)));
    return m;
  };
  // LXC appends `-<n>` to lxc.payload.<name> when that cgroup already exists, as a stale one
  // from a crashed run does (lxc src/lxc/cgroups/cgfsng.c, CGROUP_CREATE_RETRY). Since names
  // may end in -<digits> themselves, the monitor that started the container's init tells.
  const lxcNames = new Map<string, string>();
  for (const p of candidates) {
    const mon = monitors.get(p.ppid);
    if (mon?.kind !== 'lxc-monitor' || mon.id === null) continue;
    const m = p.cgroups ? cgroupMatch(p.cgroups) : null;
    if (m?.engine === 'lxc' && m.role === 'container' && m.id !== mon.id && m.id.startsWith(`${mon.id}-`) && /^\d+$/.test(m.id.slice(mon.id.length + 1))) {
      lxcNames.set(m.id, mon.id);
    }
  }

  // 1. cgroup
  for (const p of candidates) {
    if (monitors.has(p.pid) || !p.cgroups) continue;
    const match = cgroupMatch(p.cgroups);
    if (!match) continue;
    if (match.role === 'monitor') {
      cgroupMonitors.add(p.pid);
      continue;
    }
    const d = draftFor(match.engine, (match.engine === 'lxc' ? lxcNames.get(match.id) : undefined) ?? match.id, 'engine');
    if (!d.match) {
      d.match = match;
      d.cgroupPath = match.cgroupPath;
      d.evidence.push(`cgroup ${match.cgroupPath}`);
    }
    assign(d, p.pid, 'cgroup');
  }

  // 2. monitor parentage
  for (const p of candidates) {
    if (owner.has(p.pid) || monitors.has(p.pid) || cgroupMonitors.has(p.pid)) continue;
    const mon = monitors.get(p.ppid);
    if (!mon || mon.id === null) continue;
    // A process still in all of its monitor's namespaces is a helper (runc during create), not
    // the container.
    const parent = byPid.get(p.ppid);
    if (parent && privateTypes(p.namespaces, parent.namespaces).length === 0) continue;
    const d = draftFor(mon.engine, mon.id, 'engine');
    d.evidence.push(`child of ${mon.kind} ${mon.pid}`);
    assign(d, p.pid, 'monitor');
  }
  // Attach monitors to their containers (also those found by cgroup).
  for (const [pid, mon] of monitors) {
    if (mon.id === null) continue;
    const d = drafts.get(keyOf(mon.engine, mon.id));
    if (d && !d.monitor) d.monitor = mon;
    // A Kubernetes shim names the sandbox but supervises every container of the pod.
    if (mon.kind === 'containerd-shim') {
      for (const c of input.processes) {
        if (c.ppid !== pid) continue;
        const cd = owner.get(c.pid);
        if (cd && !cd.monitor) cd.monitor = mon;
      }
    }
  }

  // 3. runtime state (runc/crun)
  for (const s of input.runtimeStates) {
    const p = byPid.get(s.pid);
    if (!p || (s.starttimeTicks !== null && s.starttimeTicks !== p.starttimeTicks)) continue;
    const existing = owner.get(p.pid);
    if (existing) {
      existing.runtime ??= s.runtime;
      continue;
    }
    const d = draftFor(s.runtime, s.id, 'engine');
    d.runtime = s.runtime;
    d.evidence.push(`${s.runtime} state ${s.source}`);
    assign(d, p.pid, 'runtime-state');
  }

  // 4. descendants (fixpoint over the process tree, parents before children)
  const children = new Map<number, Process[]>();
  for (const p of input.processes) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const propagate = (roots: Iterable<number>): void => {
    const queue = [...roots];
    while (queue.length > 0) {
      const pid = queue.shift() as number;
      const d = owner.get(pid);
      const parent = byPid.get(pid);
      if (!d || !parent) continue;
      for (const c of children.get(pid) ?? []) {
        if (owner.has(c.pid) || monitors.has(c.pid) || cgroupMonitors.has(c.pid)) continue;
        const samePid = c.namespaces.pid !== undefined && c.namespaces.pid === parent.namespaces.pid && c.namespaces.pid !== input.hostNs.pid;
        const sameMnt = c.namespaces.mnt !== undefined && c.namespaces.mnt === parent.namespaces.mnt && c.namespaces.mnt !== input.hostNs.mnt;
        if (!samePid && !sameMnt) continue;
        assign(d, c.pid, 'descendant');
        queue.push(c.pid);
      }
    }
  };
  propagate(owner.keys());

  // A process in the private pid or mount namespace of a container found above entered it from
  // outside (`runc exec -d`, nsenter into an nspawn machine): it is not a container of its own.
  // Rule 6 decides whether it is a joined or a partial member.
  const claimedNs = new Set<string>();
  for (const pid of owner.keys()) {
    const ns = byPid.get(pid)?.namespaces;
    if (ns?.pid !== undefined && ns.pid !== input.hostNs.pid) claimedNs.add(`pid:${ns.pid}`);
    if (ns?.mnt !== undefined && ns.mnt !== input.hostNs.mnt) claimedNs.add(`mnt:${ns.mnt}`);
  }

  // 5. engine-less containers from private namespaces. Group the qualifying processes by the
  // namespace that defines the container; the group's first process (pid 1 inside, else the
  // oldest) seeds it, its descendants follow, and any other process that entered the same
  // namespaces from outside (nsenter, setns) is a joined member.
  const groups = new Map<string, Process[]>();
  for (const p of candidates) {
    if (owner.has(p.pid) || monitors.has(p.pid) || cgroupMonitors.has(p.pid)) continue;
    if (claimedNs.has(`pid:${p.namespaces.pid}`) || claimedNs.has(`mnt:${p.namespaces.mnt}`)) continue;
    const priv = privateTypes(p.namespaces, input.hostNs);
    const privPid = priv.includes('pid');
    const privMnt = priv.includes('mnt');
    const otherRoot = privMnt && input.rootDiffers.get(p.namespaces.mnt as number) === true;
    if (!(privPid && privMnt) && !otherRoot) continue;
    const t: NsType = privPid ? 'pid' : 'mnt';
    const id = `ns-${t}-${p.namespaces[t] as number}`;
    groups.set(id, [...(groups.get(id) ?? []), p]);
  }
  for (const [id, members] of groups) {
    const t: NsType = id.startsWith('ns-pid-') ? 'pid' : 'mnt';
    const sorted = [...members].sort((a, b) => a.starttimeTicks - b.starttimeTicks || a.pid - b.pid);
    const seed = sorted.find((p) => p.nspid !== null && p.nspid[p.nspid.length - 1] === 1) ?? (sorted[0] as Process);
    const d = draftFor(null, id, 'derived');
    d.evidence.push(t === 'pid' ? 'private pid and mount namespaces' : 'private mount namespace with its own root');
    assign(d, seed.pid, 'private-namespaces');
    propagate([seed.pid]);
    for (const p of sorted) {
      if (owner.has(p.pid)) continue;
      const parent = byPid.get(p.ppid);
      if (parent && parent.namespaces[t] === p.namespaces[t]) continue;
      assign(d, p.pid, 'namespaces');
      propagate([p.pid]);
    }
    // Anything left (a child whose parent left the namespace) still belongs here.
    for (const p of sorted) if (!owner.has(p.pid)) assign(d, p.pid, 'descendant');
  }

  return { drafts: [...drafts.values()], monitors };
}

/** Running containerd shims by the container id they name, for matchCgroupPath. */
function shimClaims(monitors: Iterable<MonitorInfo>): Map<string, ShimClaim> {
  const out = new Map<string, ShimClaim>();
  for (const m of monitors) if (m.kind === 'containerd-shim' && m.id !== null) out.set(m.id, { engine: m.engine, namespace: m.namespace });
  return out;
}

/** The members that may be a container's first process: those whose parent is not a member. */
function initPool(d: Draft, byPid: ReadonlyMap<number, Process>): Process[] {
  const members = [...d.members.keys()].map((pid) => byPid.get(pid)).filter((p): p is Process => p !== undefined);
  const tops = members.filter((p) => !d.members.has(p.ppid));
  return tops.length > 0 ? tops : members;
}

/** The container's first process: a member whose parent is not a member; pid 1 inside wins. */
function pickInit(d: Draft, byPid: ReadonlyMap<number, Process>): Process | undefined {
  const pool = initPool(d, byPid);
  const one = pool.find((p) => p.nspid !== null && p.nspid.length > 1 && p.nspid[p.nspid.length - 1] === 1);
  if (one) return one;
  return [...pool].sort((a, b) => a.starttimeTicks - b.starttimeTicks || a.pid - b.pid)[0];
}

function nsEqual(a: NsSet, b: NsSet): boolean {
  return NS_TYPES.every((t) => a[t] === undefined || b[t] === undefined || a[t] === b[t]);
}

/**
 * Finish the model: pick each container's first process, attach partial members and
 * namespace-joined processes, apply engine metadata, and form pods.
 */
export function reconstruct(input: ReconstructInput, metadata: ReadonlyMap<string, EngineMetadata> = new Map(), grouping?: Grouping): Reconstruction {
  const { drafts, monitors } = grouping ?? groupContainers(input);
  return finish(input, drafts, monitors, metadata);
}

export function containerKey(c: { engine: Engine | null; id: string }): string {
  return keyOf(c.engine, c.id);
}

/** What metadata lookups need from the first pass: engine, id, monitor and init. */
export interface MetadataRequest {
  readonly key: string;
  readonly engine: Engine | null;
  readonly id: string;
  readonly pid: number;
  readonly monitor: (MonitorInfo & { readonly pid: number }) | null;
  readonly cgroupNamespace: string | null;
}

export function metadataRequests(grouping: Grouping, processes: readonly Process[]): MetadataRequest[] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  return grouping.drafts.flatMap((d) => {
    const init = pickInit(d, byPid);
    return init ? [{ key: d.key, engine: d.engine, id: d.id, pid: init.pid, monitor: d.monitor, cgroupNamespace: d.match?.namespace ?? null }] : [];
  });
}

/**
 * Pids whose full detail (status, argv) the model uses: every member of a container found so
 * far and every monitor. A scan can read only these in full (collectors/processes.ts).
 */
export function memberPids(grouping: Grouping): Set<number> {
  const out = new Set<number>(grouping.monitors.keys());
  for (const d of grouping.drafts) for (const pid of d.members.keys()) out.add(pid);
  return out;
}

/**
 * Pids whose status and argv decide or show what a container is when its members' own are not
 * shown (`ns`, the `ps` table): every monitor, and each container's candidates for its first
 * process (pickInit: which is pid 1 inside, from status's NSpid; its argv is the container's
 * command). The containers, their first processes and commands come out as with memberPids.
 */
export function initCandidatePids(grouping: Grouping, processes: readonly Process[]): Set<number> {
  return candidatePids(grouping, processes, 1);
}

/**
 * The same where a container has more than one candidate only: a lone candidate is its first
 * process whatever its status says. The containers and their first processes come out as with
 * memberPids; their commands are those of the processes read in full only (`inspect`, which
 * shows one container's command and completes its members afterwards).
 */
export function undecidedInitPids(grouping: Grouping, processes: readonly Process[]): Set<number> {
  return candidatePids(grouping, processes, 2);
}

function candidatePids(grouping: Grouping, processes: readonly Process[], atLeast: number): Set<number> {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const out = new Set<number>(grouping.monitors.keys());
  for (const d of grouping.drafts) {
    const pool = initPool(d, byPid);
    if (pool.length >= atLeast) for (const p of pool) out.add(p.pid);
  }
  return out;
}

/**
 * Whether `grouping`, made from the processes `before`, is what grouping `after` would make,
 * without grouping again: every process in one and not the other (born, gone, or read again
 * with something grouping reads changed) is one no rule takes up. Such a process is in the
 * host's namespaces only (rules 4 and 5 and 6 follow private namespaces), in no cgroup an engine
 * rule claims, with the shims of `grouping` (rule 1), no monitor and no monitor's child (rule
 * 2), and no runtime state's process (rule 3). The other inputs must be the same (the caller
 * checks).
 */
export function groupingHolds(grouping: Grouping, before: readonly Process[], after: readonly Process[], input: Omit<ReconstructInput, 'processes'>): boolean {
  const earlier = new Set(before);
  const later = new Set(after);
  const shims = shimClaims(grouping.monitors.values());
  const statePids = new Set(input.runtimeStates.map((s) => s.pid));
  const inert = (p: Process): boolean =>
    NS_TYPES.every((t) => p.namespaces[t] !== undefined && p.namespaces[t] === input.hostNs[t]) &&
    p.cgroups !== null &&
    matchProcessCgroups(p.cgroups, shims) === null &&
    detectMonitor(p) === null &&
    !grouping.monitors.has(p.ppid) &&
    !statePids.has(p.pid);
  let beforeByPid: Map<number, Process> | null = null;
  let afterByPid: Map<number, Process> | null = null;
  for (const p of after) {
    if (earlier.has(p)) continue;
    // Read again (the container shown in detail): the same for grouping, or both inert.
    const q = (beforeByPid ??= new Map(before.map((x) => [x.pid, x]))).get(p.pid);
    if (q !== undefined && sameForModel(p, q)) continue;
    if (!inert(p) || (q !== undefined && !inert(q))) return false;
  }
  for (const q of before) {
    if (later.has(q)) continue;
    // Replaced by a process checked above, or gone.
    if ((afterByPid ??= new Map(after.map((x) => [x.pid, x]))).has(q.pid)) continue;
    if (!inert(q)) return false;
  }
  return true;
}

/**
 * Whether a model built on `before` (its grouping and processes) holds for `after`: the same
 * containers with the same members, monitors and evidence, and every process the model reads the
 * same in what it reads of it (start time, parent, comm, argv, NSpid, namespaces, cgroups,
 * exited or not). The processes the model reads are the members and monitors, and any process
 * in a namespace that is not the host's, which rule 6 may attach to a container; a process born
 * or gone in the host's namespaces outside every container changes nothing. Arrays are compared
 * as the same objects (a repeated scan keeps them while their text is unchanged): a copy reads
 * as a change, and only costs a rebuild.
 */
export function sameModelInputs(before: { readonly grouping: Grouping; readonly processes: readonly Process[] }, after: { readonly grouping: Grouping; readonly processes: readonly Process[] }, hostNs: NsSet): boolean {
  if (!sameGrouping(before.grouping, after.grouping)) return false;
  const members = memberPids(after.grouping);
  const read = (p: Process): boolean => members.has(p.pid) || NS_TYPES.some((t) => p.namespaces[t] !== undefined && hostNs[t] !== undefined && p.namespaces[t] !== hostNs[t]);
  const earlier = new Map<number, Process>();
  for (const p of before.processes) if (read(p)) earlier.set(p.pid, p);
  let seen = 0;
  for (const p of after.processes) {
    if (!read(p)) continue;
    const q = earlier.get(p.pid);
    if (q === undefined || !sameForModel(p, q)) return false;
    seen++;
  }
  return seen === earlier.size;
}

const sameForModel = (a: Process, b: Process): boolean =>
  a === b ||
  (a.starttimeTicks === b.starttimeTicks &&
    a.ppid === b.ppid &&
    a.comm === b.comm &&
    a.kernelThread === b.kernelThread &&
    hasExited(a) === hasExited(b) &&
    a.cmdline === b.cmdline &&
    a.nspid === b.nspid &&
    a.namespaces === b.namespaces &&
    a.cgroups === b.cgroups);

/** Two groupings with the same drafts, in the same order, and the same monitors. */
function sameGrouping(a: Grouping, b: Grouping): boolean {
  if (a === b) return true;
  if (a.drafts.length !== b.drafts.length || a.monitors.size !== b.monitors.size) return false;
  for (const [pid, m] of a.monitors) if (JSON.stringify(m) !== JSON.stringify(b.monitors.get(pid))) return false;
  for (let i = 0; i < a.drafts.length; i++) {
    const x = a.drafts[i] as Draft;
    const y = b.drafts[i] as Draft;
    if (x.key !== y.key || x.idKind !== y.idKind || x.cgroupPath !== y.cgroupPath || x.runtime !== y.runtime || x.members.size !== y.members.size) return false;
    for (const [pid, via] of x.members) if (y.members.get(pid) !== via) return false;
    if (x.evidence.length !== y.evidence.length || x.evidence.some((e, j) => e !== y.evidence[j])) return false;
    if (JSON.stringify(x.match) !== JSON.stringify(y.match) || JSON.stringify(x.monitor) !== JSON.stringify(y.monitor)) return false;
  }
  return true;
}

/** The input without the processes that have exited (see hasExited). */
function livingOnly(input: ReconstructInput): ReconstructInput {
  return input.processes.some(hasExited) ? { ...input, processes: input.processes.filter((p) => !hasExited(p)) } : input;
}

function finish(
  all: ReconstructInput,
  grouped: readonly Draft[],
  monitors: ReadonlyMap<number, MonitorInfo & { pid: number }>,
  metadata: ReadonlyMap<string, EngineMetadata>,
): Reconstruction {
  const input = livingOnly(all);
  // Rule 6 adds members: work on copies so that a Grouping stays reusable.
  const drafts = grouped.map((d) => ({ ...d, members: new Map(d.members) }));
  const byPid = new Map(input.processes.map((p) => [p.pid, p]));
  const assigned = new Set<number>();
  for (const d of drafts) for (const pid of d.members.keys()) assigned.add(pid);

  interface Shaped {
    d: Draft;
    init: Process;
    ns: NsSet;
    priv: NsType[];
  }
  const shaped: Shaped[] = [];
  for (const d of drafts) {
    const init = pickInit(d, byPid);
    if (!init) continue;
    shaped.push({ d, init, ns: init.namespaces, priv: privateTypes(init.namespaces, input.hostNs) });
  }

  // 6. joined and partial members, among processes nobody claimed. A process is compared only
  // with the containers that keep one of its namespace inodes privately, in container order.
  const partials = new Map<string, PartialMember[]>();
  const keepers = new Map<number, number[]>();
  shaped.forEach((s, i) => {
    for (const t of s.priv) {
      const ino = s.ns[t];
      if (ino === undefined) continue;
      const keeps = keepers.get(ino);
      if (keeps === undefined) keepers.set(ino, [i]);
      else keeps.push(i);
    }
  });
  for (const p of input.processes) {
    if (assigned.has(p.pid) || monitors.has(p.pid) || p.kernelThread) continue;
    // Most processes keep no container's namespace: nothing is allocated for them (thousands
    // of host processes, under a one-shot command's unoptimized code).
    let near: number[] | null = null;
    const inodes = Object.values(p.namespaces);
    for (let j = 0; j < inodes.length; j++) {
      const keeps = keepers.get(inodes[j] as number);
      if (keeps === undefined) continue;
      near ??= [];
      for (let k = 0; k < keeps.length; k++) if (!near.includes(keeps[k] as number)) near.push(keeps[k] as number);
    }
    if (near === null) continue;
    for (const i of near.sort((a, b) => a - b)) {
      const s = shaped[i] as Shaped;
      const shared = s.priv.filter((t) => p.namespaces[t] === s.ns[t]);
      if (shared.length === 0) continue;
      if (shared.length === s.priv.length && nsEqual(p.namespaces, s.ns)) {
        s.d.members.set(p.pid, 'namespaces');
        assigned.add(p.pid);
        break;
      }
      const list = partials.get(s.d.key) ?? [];
      list.push({ pid: p.pid, comm: p.comm, shared });
      partials.set(s.d.key, list);
    }
  }

  const containers: Container[] = shaped.map(({ d, init, ns }) => {
    const meta = metadata.get(d.key) ?? null;
    const processes: ContainerProcess[] = [...d.members.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([pid, via]) => ({ pid, nspid: byPid.get(pid)?.nspid ?? null, via }));
    const hostNamespaces = NS_TYPES.filter((t) => ns[t] !== undefined && ns[t] === input.hostNs[t]);
    const runtime = meta?.runtime ?? d.runtime ?? (d.monitor?.kind === 'containerd-shim' ? shimRuntime(byPid.get(d.monitor.pid)) : d.monitor?.runtime) ?? null;
    return {
      id: d.id,
      idKind: d.idKind,
      name: meta?.name ?? d.monitor?.name ?? (d.engine !== null && engineRules(d.engine).idIsName ? d.id : null),
      engine: d.engine,
      runtime,
      image: meta?.image ?? null,
      command: init.cmdline && init.cmdline.length > 0 ? init.cmdline : [`[${init.comm}]`],
      pod: null,
      kubernetes: meta?.kubernetes ?? null,
      pid: init.pid,
      processes,
      namespaces: ns,
      hostNamespaces,
      cgroup: { mode: input.cgroupMode, path: d.cgroupPath ?? (init.cgroups ? primaryCgroupPath(init.cgroups) : null) },
      monitor: d.monitor,
      partialMembers: partials.get(d.key) ?? [],
      metadata: meta,
      evidence: d.evidence,
      starttimeTicks: init.starttimeTicks,
    };
  });

  const pods = formPods(containers, input.hostNs, drafts);
  const podOf = new Map<string, string>();
  for (const pod of pods) for (const m of pod.members) podOf.set(m, pod.key);
  const withPods = containers.map((c) => ({ ...c, pod: podOf.get(containerKey(c)) ?? null }));
  withPods.sort((a, b) => a.starttimeTicks - b.starttimeTicks || a.pid - b.pid);
  return { containers: withPods, pods, monitors };
}

function shimRuntime(shim: Process | undefined): string | null {
  const bin = shim?.cmdline?.[0]?.split('/').pop() ?? '';
  const m = /^containerd-shim-([a-z0-9]+)-v\d+$/.exec(bin);
  return m ? (m[1] as string) : null;
}

const SHAREABLE: readonly NsType[] = ['net', 'ipc', 'uts'];

/**
 * Pods: a Kubernetes pod UID or podman pod id (from cgroup paths or metadata), or else containers
 * that share a private net, ipc or uts namespace (`--net container:X`, podman pods on cgroupfs).
 */
function formPods(containers: readonly Container[], hostNs: NsSet, drafts: readonly Draft[]): Pod[] {
  const draftByKey = new Map(drafts.map((d) => [d.key, d]));
  const groups = new Map<string, { kind: Pod['kind']; id: string; name: string | null; members: Container[] }>();
  const add = (key: string, kind: Pod['kind'], id: string, name: string | null, c: Container): void => {
    const g = groups.get(key) ?? { kind, id, name, members: [] };
    if (!g.members.includes(c)) g.members.push(c);
    g.name ??= name;
    groups.set(key, g);
  };
  const inPod = new Set<Container>();
  for (const c of containers) {
    const d = draftByKey.get(containerKey(c));
    const cgPod = d?.match?.pod;
    const meta = c.metadata;
    if (cgPod) {
      add(`${cgPod.kind}:${cgPod.id}`, cgPod.kind, cgPod.id, meta?.podName ?? meta?.kubernetes?.podName ?? null, c);
      inPod.add(c);
    } else if (c.kubernetes?.podUid) {
      add(`kubernetes:${c.kubernetes.podUid}`, 'kubernetes', c.kubernetes.podUid, c.kubernetes.podName, c);
      inPod.add(c);
    } else if (meta?.podId) {
      add(`podman:${meta.podId}`, 'podman', meta.podId, meta.podName ?? null, c);
      inPod.add(c);
    }
  }
  // Namespace-sharing groups, merged into an engine pod when one member already has one.
  const byNs = new Map<string, Container[]>();
  for (const c of containers) {
    for (const t of SHAREABLE) {
      const inode = c.namespaces[t];
      if (inode === undefined || inode === hostNs[t]) continue;
      const k = `${t}:${inode}`;
      const sharing = byNs.get(k);
      if (sharing === undefined) byNs.set(k, [c]);
      else sharing.push(c);
    }
  }
  for (const [k, members] of byNs) {
    if (members.length < 2) continue;
    const existing = [...groups.entries()].find(([, g]) => g.members.some((m) => members.includes(m)));
    if (existing) {
      for (const m of members) if (!inPod.has(m)) add(existing[0], existing[1].kind, existing[1].id, existing[1].name, m);
      continue;
    }
    const [t, inode] = k.split(':') as [string, string];
    const key = `shared-namespaces:${t}-${inode}`;
    if ([...groups.values()].some((g) => g.kind === 'shared-namespaces' && members.every((m) => g.members.includes(m)))) continue;
    for (const m of members) if (!inPod.has(m)) add(key, 'shared-namespaces', `${t}ns-${inode}`, null, m);
  }
  return [...groups.entries()].map(([key, g]) => {
    const sharedNamespaces = SHAREABLE.filter((t) => {
      const first = g.members[0]?.namespaces[t];
      return first !== undefined && first !== hostNs[t] && g.members.every((m) => m.namespaces[t] === first);
    });
    const infra =
      g.members.find((m) => m.metadata?.infra === true || m.kubernetes?.containerType === 'sandbox') ??
      (g.kind === 'shared-namespaces' ? undefined : g.members.find((m) => isPauseProcess(m)));
    return {
      key,
      kind: g.kind,
      id: g.id,
      name: g.name,
      members: g.members.map(containerKey),
      infra: infra ? containerKey(infra) : null,
      sharedNamespaces,
    };
  });
}

/** Kubernetes' pause and podman's infra (catatonit -P) hold a pod's namespaces and do nothing else. */
function isPauseProcess(c: Container): boolean {
  const bin = c.command[0]?.split('/').pop() ?? '';
  return bin === 'pause' || (bin === 'catatonit' && c.command.includes('-P'));
}
