/**
 * Absolute, slash-separated paths (host paths, cgroup paths, mount roots), compared as text.
 */

/**
 * Whether `path` is `dir` or below it: `/a/b` is within `/a`, `/ab` is not, and everything is
 * within `/`. Without building `${dir}/`: it is asked for every mount of every namespace and
 * every cgroup level of every container.
 */
export function isWithin(path: string, dir: string): boolean {
  return dir === '/' || path === dir || (path.length > dir.length && path.charCodeAt(dir.length) === 47 /* / */ && path.startsWith(dir));
}
