/**
 * Cgroup layout from mountinfo: which hierarchies are mounted where, the mode (v1 "legacy",
 * v2 "unified", or "hybrid" with v1 controllers plus a cgroup2 at /sys/fs/cgroup/unified), and
 * how a `/proc/<pid>/cgroup` path maps to a directory. Derived from mountinfo text rather than
 * statfs magic (as runc does) so that a recorded tree replays exactly.
 *   35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
 *   41 33 0:36 / /sys/fs/cgroup/memory rw,relatime shared:17 - cgroup cgroup rw,memory
 */
import * as posix from 'node:path/posix';
import type { MountInfoEntry } from '../procfs/mountinfo.js';
import type { CgroupLine, CgroupMode } from '../../src/model/cgroup.js';

export interface CgroupMount {
  readonly version: 1 | 2;
  /** v1: bound controllers and `name=X` for named hierarchies; v2: []. */
  readonly controllers: readonly string[];
  readonly mountPoint: string;
  /** mountinfo field 4: the cgroup this mount shows as its root (not "/" inside a cgroupns). */
  readonly mountRoot: string;
}

export interface CgroupLayout {
  readonly mode: CgroupMode | null;
  readonly mounts: readonly CgroupMount[];
}

const V1_CONTROLLERS = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio',
  'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
]);

export function deriveCgroupLayout(mountinfo: readonly MountInfoEntry[]): CgroupLayout {
  const mounts: CgroupMount[] = [];
  const seen = new Set<string>();
  for (const m of mountinfo) {
    if (m.fsType !== 'cgroup' && m.fsType !== 'cgroup2') continue;
    // The same hierarchy can be mounted twice (bind mounts into containers); keep the first,
    // which is the one the host itself mounted.
    const version = m.fsType === 'cgroup2' ? 2 : 1;
    const controllers =
      version === 2 ? [] : m.superOptions.split(',').filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name='));
    const key = `${version}:${[...controllers].sort().join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    mounts.push({ version, controllers, mountPoint: m.mountPoint, mountRoot: m.root });
  }
  const v2 = mounts.find((m) => m.version === 2);
  const hasV1 = mounts.some((m) => m.version === 1 && m.controllers.some((c) => !c.startsWith('name=')));
  let mode: CgroupMode | null = null;
  if (v2 && !hasV1) mode = 'v2';
  else if (hasV1 && v2) mode = 'hybrid';
  else if (hasV1) mode = 'v1';
  return { mode, mounts };
}

/** The mount a /proc/<pid>/cgroup line belongs to: same controller set (v1) or the cgroup2 mount. */
export function mountForLine(layout: CgroupLayout, line: CgroupLine): CgroupMount | undefined {
  return mountForKey(layout, line.hierarchyId === 0 ? '' : [...line.controllers].sort().join(','));
}

/** The mount of a hierarchy by its key: '' for cgroup2, else the v1 controllers sorted and comma-joined. */
export function mountForKey(layout: CgroupLayout, key: string): CgroupMount | undefined {
  if (key === '') return layout.mounts.find((m) => m.version === 2);
  return layout.mounts.find((m) => m.version === 1 && [...m.controllers].sort().join(',') === key);
}

/** The v1 mount that has a given controller bound (e.g. 'memory'), if any. */
export function mountForController(layout: CgroupLayout, controller: string): CgroupMount | undefined {
  return layout.mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
}

/**
 * Host directory of a cgroup path on a mount: `mountPoint + relative(mountRoot, path)`, as
 * opencontainers/cgroups getCgroupPathHelper does. Returns null when the path is not below the
 * mount's root, which happens when the reader sits in another cgroup namespace (`/..` paths).
 */
export function cgroupDir(mount: CgroupMount, cgroupPath: string): string | null {
  // The common case, without path arithmetic: a mount of the hierarchy's root, and a path as the
  // kernel prints it in /proc/<pid>/cgroup (absolute, no `.` or `..` segment, no empty one).
  if (mount.mountRoot === '/' && mount.mountPoint !== '/' && cgroupPath.charCodeAt(0) === 47 && !cgroupPath.includes('/.') && !cgroupPath.includes('//')) {
    if (cgroupPath.length === 1) return mount.mountPoint;
    if (!cgroupPath.endsWith('/')) return mount.mountPoint + cgroupPath;
  }
  if (cgroupPath.startsWith('/..')) return null;
  // A mount made inside a cgroup namespace from a cgroup above it shows its root as `/../..`:
  // path arithmetic would silently drop the `..` (posix.relative normalises them away) and name
  // the wrong directory, so such a mount cannot place a host path.
  if (mount.mountRoot.split('/').includes('..')) return null;
  const rel = posix.relative(mount.mountRoot, cgroupPath);
  if (rel.startsWith('..')) return null;
  return rel === '' ? mount.mountPoint : posix.join(mount.mountPoint, rel);
}
