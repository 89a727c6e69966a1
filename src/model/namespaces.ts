/**
 * The namespace inventory behind `ctrscope ns`: every namespace the host shows, with the
 * processes in it, the containers that use it, and what keeps it alive when no process does.
 * Pure: built from a HostModel and the pins the collector found.
 *
 * A namespace lives as long as something references it (namespaces(7) "Namespace lifetime"):
 * a member process, an open fd on its nsfs file, a bind mount of that file (`ip netns add`
 * mounts /run/netns/<name>), a child namespace (a user or pid namespace owning another), or a
 * process whose pid_for_children/time_for_children points at it. lsns (util-linux 2.38) walks
 * processes only, so it misses the pinned ones; we list them with what pins them.
 */
import type { Container } from './container.js';
import type { HostModel } from './host-model.js';
import { NS_TYPES, type NsType } from './namespace.js';
import { containerKey } from './reconstruct.js';

export type NsPin =
  /** An nsfs bind mount, seen in the mountinfo of mount namespace `mntNs`. */
  | { readonly kind: 'mount'; readonly path: string; readonly mntNs: number | null; readonly pid: number }
  /** An open file descriptor of process `pid` on the namespace file. */
  | { readonly kind: 'fd'; readonly pid: number; readonly fd: number; readonly comm: string }
  /** A process whose pid_for_children or time_for_children is this namespace. */
  | { readonly kind: 'for-children'; readonly pid: number; readonly comm: string };

export interface NsRef {
  readonly type: NsType;
  readonly inode: number;
}

export interface PinnedNs extends NsRef {
  readonly pin: NsPin;
}

export interface NamespaceEntry extends NsRef {
  /** Processes whose /proc/<pid>/ns/<type> is this namespace (kernel threads included, as lsns). */
  readonly pids: readonly number[];
  /** Lowest member pid and its comm, as lsns's PID and COMMAND columns; null when none. */
  readonly pid: number | null;
  readonly command: string | null;
  /** 'host' for the host's own namespace; else the container that made it; null for neither. */
  readonly owner: 'host' | string | null;
  /** Every container (as `<engine>/<id>`) whose first process or members use this namespace. */
  readonly containers: readonly string[];
  readonly pins: readonly NsPin[];
}

const pinKey = (p: NsPin): string => (p.kind === 'mount' ? `mount:${p.path}` : p.kind === 'fd' ? `fd:${p.pid}:${p.fd}` : `for-children:${p.pid}`);

interface Draft {
  readonly type: NsType;
  readonly inode: number;
  readonly pids: number[];
  readonly containers: Set<string>;
  owner: Container | null;
  readonly pins: NsPin[];
}

/**
 * One entry per distinct (type, inode). A namespace owned by a container is the one its first
 * process has and the host does not; when several containers have it (a `--net container:X`
 * pair, a pod), the earliest started one owns it and the others share it.
 */
export function buildNsInventory(model: HostModel, pins: readonly PinnedNs[]): NamespaceEntry[] {
  const { snapshot } = model;
  // Per type, by inode: tens of thousands of lookups on a large host, with no key to build.
  const byType = new Map<NsType, Map<number, Draft>>(NS_TYPES.map((t) => [t, new Map()]));
  const entry = (type: NsType, inode: number): Draft => {
    const m = byType.get(type) as Map<number, Draft>;
    let e = m.get(inode);
    if (!e) {
      e = { type, inode, pids: [], containers: new Set(), owner: null, pins: [] };
      m.set(inode, e);
    }
    return e;
  };
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  for (const p of snapshot.processes) {
    const ns = p.namespaces;
    for (const t of NS_TYPES) {
      const inode = ns[t];
      if (inode !== undefined) entry(t, inode).pids.push(p.pid);
    }
    const pidForChildren = ns['pid_for_children'];
    if (pidForChildren !== undefined && pidForChildren !== ns.pid) entry('pid', pidForChildren).pins.push({ kind: 'for-children', pid: p.pid, comm: p.comm });
    const timeForChildren = ns['time_for_children'];
    if (timeForChildren !== undefined && timeForChildren !== ns.time) entry('time', timeForChildren).pins.push({ kind: 'for-children', pid: p.pid, comm: p.comm });
  }
  // Containers sorted by start time, so the first to claim a namespace is the one that made it.
  for (const c of model.containers) {
    const key = containerKey(c);
    for (const t of NS_TYPES) {
      const inode = c.namespaces[t];
      if (inode === undefined) continue;
      const e = entry(t, inode);
      e.containers.add(key);
      if (e.owner === null && inode !== snapshot.hostNs[t]) e.owner = c;
    }
    for (const m of c.processes) {
      const ns = byPid.get(m.pid)?.namespaces;
      if (!ns) continue;
      for (const t of NS_TYPES) {
        const inode = ns[t];
        if (inode !== undefined) entry(t, inode).containers.add(key);
      }
    }
  }
  for (const { type, inode, pin } of pins) {
    const e = entry(type, inode);
    // A bind mount propagates into every mount namespace copied after it was made: one path, once.
    if (!e.pins.some((q) => pinKey(q) === pinKey(pin))) e.pins.push(pin);
  }
  const drafts: Draft[] = [];
  for (const m of byType.values()) for (const e of m.values()) drafts.push(e);
  const out: NamespaceEntry[] = drafts.map((e) => {
    // In /proc's order, which is the pids' (a recorded tree lists them as it likes).
    const pids = isAscending(e.pids) ? e.pids : [...e.pids].sort((a, b) => a - b);
    const first = pids[0];
    const isHost = snapshot.hostNs[e.type] === e.inode;
    return {
      type: e.type,
      inode: e.inode,
      pids,
      pid: first ?? null,
      command: first === undefined ? null : (byPid.get(first)?.comm ?? null),
      owner: isHost ? 'host' : e.owner ? containerKey(e.owner) : null,
      containers: [...e.containers],
      pins: e.pins,
    };
  });
  // lsns orders by inode; the initial namespaces come first that way too. Types are lower-case
  // ASCII, where code-unit order is the locale's (and needs no ICU collator, ~9 ms to load).
  return out.sort((a, b) => a.inode - b.inode || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

function isAscending(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if ((xs[i] as number) < (xs[i - 1] as number)) return false;
  return true;
}
