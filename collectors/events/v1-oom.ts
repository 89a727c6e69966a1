/**
 * cgroup v1 memory OOM notification (Documentation/admin-guide/cgroup-v1/memory.rst "OOM
 * Control"; mm/memcontrol-v1.c memcg_write_event_control): write "<eventfd> <fd of
 * memory.oom_control>" to the cgroup's cgroup.event_control, and the kernel signals the eventfd
 * each time the cgroup goes under OOM (mem_cgroup_oom_notify), and once more when the cgroup is
 * removed (memcg_event_remove), which the caller tells apart with `sameCgroup()`: the directory
 * is gone, or is another one made at the same path (an engine restarting a container under the
 * same id removes its cgroup and makes it again before the signal is read; kernfs gives the new
 * directory a new inode). The registration holds its own reference, so the oom_control
 * descriptor is closed at once.
 * Writing cgroup.event_control needs write permission on it (root).
 */
import type { HostRoot } from '../host-root.js';
import { closeFd, EACCES, EPERM, eventFd, O_WRONLY, openNonBlocking, writeFd } from './kernel-io.js';

export interface OomNotifier {
  readonly fd: number;
  /** The memory cgroup directory (host path). */
  readonly dir: string;
  /** The directory registered on is still there (not removed, nor removed and made again). */
  sameCgroup(): boolean;
  close(): void;
}

/** Why a registration failed; `denied` when for lack of privilege (not a cgroup that just went away). */
export interface OomNotifierError {
  readonly error: string;
  readonly denied: boolean;
}

const failed = (what: string, errno: number): OomNotifierError => ({ error: `${what}: errno ${errno}`, denied: errno === EACCES || errno === EPERM });

/** The directory's inode, where the root can stat (a live host or a mounted one always can). */
function inodeOf(root: HostRoot, dir: string): number | null {
  const st = root.lstat?.(dir);
  return st?.ok ? st.value.ino : null;
}

export function registerOomNotifier(root: HostRoot, dir: string): OomNotifier | OomNotifierError {
  const ino = inodeOf(root, dir);
  const efd = eventFd();
  if (efd < 0) return failed('eventfd', -efd);
  const ofd = openNonBlocking(root.resolve(`${dir}/memory.oom_control`));
  if (ofd < 0) {
    closeFd(efd);
    return failed(`${dir}/memory.oom_control`, -ofd);
  }
  const cfd = openNonBlocking(root.resolve(`${dir}/cgroup.event_control`), O_WRONLY);
  if (cfd < 0) {
    closeFd(efd);
    closeFd(ofd);
    return failed(`${dir}/cgroup.event_control`, -cfd);
  }
  const n = writeFd(cfd, Buffer.from(`${efd} ${ofd}`));
  closeFd(cfd);
  closeFd(ofd);
  if (n < 0) {
    closeFd(efd);
    return failed(`${dir}/cgroup.event_control: write`, -n);
  }
  return {
    fd: efd,
    dir,
    sameCgroup: () => (ino === null ? root.readDir(dir).ok : inodeOf(root, dir) === ino),
    close: () => closeFd(efd),
  };
}
