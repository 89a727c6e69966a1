/** Cgroup membership as /proc/<pid>/cgroup states it. */
export interface CgroupLine {
  readonly hierarchyId: number;
  /** Controllers bound to the hierarchy; `name=systemd` for named v1 hierarchies; [] for v2. */
  readonly controllers: readonly string[];
  readonly path: string;
}

export type CgroupMode = 'v1' | 'v2' | 'hybrid';

/**
 * The path that best names a process's cgroup for container matching: the v2 line when it is
 * not the root (v2 and used-hybrid hosts), else the `name=systemd` hierarchy (which systemd and
 * most engines keep in step), else the first v1 line that is not the root. On hybrid hosts where
 * nothing uses the unified hierarchy, every v2 path is "/", so this falls through to v1.
 */
export function primaryCgroupPath(lines: readonly CgroupLine[]): string {
  const v2 = lines.find((l) => l.hierarchyId === 0);
  if (v2 && v2.path !== '/') return v2.path;
  const named = lines.find((l) => l.controllers.includes('name=systemd'));
  if (named && named.path !== '/') return named.path;
  for (const pref of ['pids', 'memory', 'cpu', 'devices']) {
    const l = lines.find((x) => x.controllers.includes(pref));
    if (l && l.path !== '/') return l.path;
  }
  const any = lines.find((l) => l.path !== '/');
  return any?.path ?? v2?.path ?? lines[0]?.path ?? '/';
}

/** Every distinct non-root path a process's cgroup lines name. */
export function distinctCgroupPaths(lines: readonly CgroupLine[]): string[] {
  return [...new Set(lines.map((l) => l.path).filter((p) => p !== '/'))];
}
