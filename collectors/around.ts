/**
 * What a model built from the processes around one pid (scanAround) cannot tell by itself about
 * that pid's container (src/model/around.ts checks the rest): that every process in its engine
 * cgroup, and every child of its monitor, was read. Grouping would put such a process in the
 * container whatever its namespaces (an odd case: a process moved into the cgroup by hand).
 */
import { aroundContainer } from '../src/model/around.js';
import type { Container } from '../src/model/container.js';
import type { HostModel } from '../src/model/host-model.js';
import { containerKey } from '../src/model/reconstruct.js';
import type { CgroupLine } from '../src/model/cgroup.js';
import type { UnreadPopulation } from '../src/model/resources.js';
import { cgroupDir, mountForKey, type CgroupLayout, type CgroupMount } from './cgroupfs/layout.js';
import { NS_TYPES } from '../src/model/namespace.js';
import { nsInode } from './namespaces.js';
import { SharedCgroupLines } from './processes.js';
import { readCgroupLayout } from './collect.js';
import type { HostRoot } from './host-root.js';

/** Files every cgroup directory holds (v1 and v2), not child cgroups: not tried as directories. */
const CONTROL_FILE = /^(cgroup\.\w+|tasks|notify_on_release|release_agent)$/;

/** A cgroup subtree this large is not the cgroup of one container: read every process instead. */
const MAX_CGROUP_DIRS = 256;

/**
 * Why a model built from the processes around a pid (HostSnapshot.around) may be wrong about
 * that pid's container, or null when it is right: what the model shows (aroundContainer), then
 * what only reading tells.
 */
export function aroundWrong(root: HostRoot, model: HostModel): string | null {
  const { container, differs } = aroundContainer(model);
  if (differs !== null || container === null) return differs ?? 'no container';
  return unreadMembers(root, model, container);
}

/** Why the container may have members that were not read (in its engine cgroup, children of its monitor), or null. */
function unreadMembers(root: HostRoot, model: HostModel, container: Container): string | null {
  const read = new Set(model.snapshot.processes.map((p) => p.pid));
  const unread = (pids: Iterable<string>): string | null => {
    for (const line of pids) {
      const pid = Number(line);
      if (line !== '' && !read.has(pid) && root.readText(`/proc/${pid}/stat`).ok) return `pid ${pid} was not read`;
    }
    return null;
  };
  if (container.processes.some((m) => m.via === 'cgroup') && container.cgroup.path !== null) {
    const { layout, gap } = readCgroupLayout(root);
    if (gap) return `cgroup mounts unknown: ${gap.reason}`;
    let listed = 0;
    for (const mount of layout.mounts) {
      const procs = pidsUnder(root, mount, container.cgroup.path);
      if (procs === null) continue;
      if ('why' in procs) return procs.why;
      listed++;
      const why = unread(procs.pids);
      if (why) return `${why} (under ${container.cgroup.path})`;
    }
    if (listed === 0) return `no cgroup directory of ${container.cgroup.path} could be listed`;
  }
  const key = containerKey(container);
  for (const [pid, mon] of model.snapshot.grouping?.monitors ?? []) {
    if (mon.id === null || containerKey({ engine: mon.engine, id: mon.id }) !== key) continue;
    const tasks = root.readDir(`/proc/${pid}/task`);
    if (!tasks.ok) return `/proc/${pid}/task: ${tasks.gap.reason}`;
    for (const tid of tasks.value) {
      const children = root.readText(`/proc/${pid}/task/${tid}/children`);
      if (!children.ok) return `/proc/${pid}/task/${tid}/children: ${children.gap.reason}`;
      const why = unread(children.value.trim().split(/\s+/));
      if (why) return `${why} (a child of monitor ${pid})`;
    }
  }
  return null;
}

/**
 * The pids listed in the cgroup.procs of a cgroup and of every cgroup below it, on one mount
 * (the reader's pid namespace must be the host's); null where the mount has no such cgroup, or
 * why they cannot be listed. A subtree of more than MAX_CGROUP_DIRS cgroups is no one container's.
 */
function pidsUnder(root: HostRoot, mount: CgroupMount, path: string): { pids: string[] } | { why: string } | null {
  const top = cgroupDir(mount, path);
  if (top === null) return null;
  const pids: string[] = [];
  let listed = 0;
  // A cgroup's subdirectories are its child cgroups; an entry without a cgroup.procs
  // (ENOTDIR: a control file) is none.
  const dirs = [top];
  for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
    const procs = root.readText(`${dir}/cgroup.procs`);
    if (!procs.ok) {
      if (procs.gap.reason === 'absent') continue;
      return { why: `${dir}/cgroup.procs: ${procs.gap.reason}` };
    }
    if (++listed > MAX_CGROUP_DIRS) return { why: `more than ${MAX_CGROUP_DIRS} cgroups under ${path}` };
    for (const line of procs.value.split('\n')) if (line !== '') pids.push(line);
    const entries = root.readDir(dir);
    if (!entries.ok) return { why: `${dir}: ${entries.gap.reason}` };
    for (const e of entries.value) if (!CONTROL_FILE.test(e)) dirs.push(`${dir}/${e}`);
  }
  return listed === 0 ? null : { pids };
}

/**
 * What the processes not read around a pid (HostSnapshot.around.unread) put in each cgroup:
 * under the root cgroup, all of them (every process is in each hierarchy); under another, those
 * its cgroup.procs and its children's list; where those cannot be listed (or the subtree is too
 * large), what every such process's cgroup file says, read once. The two agree but for a v1
 * process whose threads sit in other cgroups than its leader: its cgroup file names the leader's,
 * while cgroup.procs lists it in every cgroup that holds one of its threads.
 */
export function unreadPopulation(root: HostRoot, layout: CgroupLayout, unread: readonly number[]): UnreadPopulation {
  const pids = new Set(unread);
  return {
    under(key, path) {
      if (path === '/') return pids.size;
      const mount = mountForKey(layout, key);
      const listed = mount ? pidsUnder(root, mount, path) : null;
      if (listed === null || 'why' in listed) return null;
      const counted = new Set<number>();
      for (const line of listed.pids) {
        const pid = Number(line);
        if (pids.has(pid)) counted.add(pid);
      }
      return counted.size;
    },
    lines() {
      const cgroups = new SharedCgroupLines();
      const out = new Map<readonly CgroupLine[], number>();
      for (const pid of pids) {
        const cg = cgroups.parse(`/proc/${pid}`, root.readText(`/proc/${pid}/cgroup`));
        if (cg.ok) out.set(cg.value, (out.get(cg.value) ?? 0) + 1);
      }
      return out;
    },
  };
}

/** An engine's full container id (docker, podman, containerd, CRI-O): 64 hex digits. */
const ENGINE_ID = /^[0-9a-f]{64}$/i;
/** A derived id (src/model/reconstruct.ts): the namespace that defines a container no engine knows. */
const DERIVED_ID = new RegExp(`^ns-(${NS_TYPES.join('|')})-(\\d+)$`);

/**
 * A process of the container that a full id names, found without reading every process, for
 * `inspect` to read around (scanAround) instead; null when the id is not a full one, or no
 * process was found (the caller then reads every process). Newest processes first, where a
 * container started lately is. For an engine's 64-hex id: the first process whose cgroup file
 * names it, but a monitor's (podman's and CRI-O's conmon scopes name the id too). For a derived
 * `ns-<type>-<inode>`: the first whose link of that type reads the inode. Whether it is in the
 * container with that id is for the caller to check, on what it reads around it.
 */
export function seedForId(root: HostRoot, target: string): number | null {
  const id = target.trim();
  const derived = DERIVED_ID.exec(id);
  if (!derived && !ENGINE_ID.test(id)) return null;
  const listing = root.readDir('/proc');
  if (!listing.ok) return null;
  const pids = listing.value.filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => b - a);
  if (derived) {
    const [, type, inode] = derived;
    for (const pid of pids) if (nsInode(root, pid, type as string) === Number(inode)) return pid;
    return null;
  }
  const lower = id.toLowerCase();
  for (const pid of pids) {
    const text = root.readText(`/proc/${pid}/cgroup`);
    if (text.ok && text.value.split('\n').some((line) => line.includes(lower) && !line.includes('conmon'))) return pid;
  }
  return null;
}
