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
import { cgroupDir } from './cgroupfs/layout.js';
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
      const top = cgroupDir(mount, container.cgroup.path);
      if (top === null) continue;
      // A cgroup's subdirectories are its child cgroups; an entry without a cgroup.procs
      // (ENOTDIR: a control file) is none.
      const dirs = [top];
      for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
        const procs = root.readText(`${dir}/cgroup.procs`);
        if (!procs.ok) {
          if (procs.gap.reason === 'absent') continue;
          return `${dir}/cgroup.procs: ${procs.gap.reason}`;
        }
        if (++listed > MAX_CGROUP_DIRS) return `more than ${MAX_CGROUP_DIRS} cgroups under ${container.cgroup.path}`;
        const why = unread(procs.value.split('\n'));
        if (why) return `${why} (in ${dir})`;
        const entries = root.readDir(dir);
        if (!entries.ok) return `${dir}: ${entries.gap.reason}`;
        for (const e of entries.value) if (!CONTROL_FILE.test(e)) dirs.push(`${dir}/${e}`);
      }
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
