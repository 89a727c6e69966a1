/**
 * inotify on cgroup directories, with a descriptor of our own (Node's fs.watch hides the watch
 * limit and queue overflows, which `events` must report rather than lose silently).
 *
 * What it hears on cgroupfs (kernfs):
 * - a cgroup created or removed: IN_CREATE / IN_DELETE on its parent directory (mkdir/rmdir go
 *   through the VFS, fs/namei.c vfs_mkdir -> fsnotify_mkdir);
 * - a file written from user space (a limit by `docker update`, freezer.state by `docker pause`,
 *   cgroup.procs by `runc exec`): IN_MODIFY, reported to a watch on the directory with the
 *   file's name (fs/read_write.c vfs_write -> fsnotify_modify, which notifies the parent);
 * - v2 `cgroup.events` and `memory.events` changed by the kernel itself: IN_MODIFY too
 *   (kernel/cgroup/cgroup.c cgroup_file_notify -> kernfs_notify, fs/kernfs/file.c
 *   kernfs_notify_workfn -> fsnotify on the file and its parent), at most one per 10 ms per file;
 * - a watched directory removed: IN_IGNORED for its watch.
 *
 * struct inotify_event { int wd; u32 mask; u32 cookie; u32 len; char name[len] } (uapi/linux/inotify.h).
 * parseInotifyEvents is pure.
 */
import { closeFd, EAGAIN, ENOSPC, libc, libcUnavailable, O_CLOEXEC, O_NONBLOCK, readFd } from './kernel-io.js';

export const IN_MODIFY = 0x00000002;
export const IN_CREATE = 0x00000100;
export const IN_DELETE = 0x00000200;
export const IN_DELETE_SELF = 0x00000400;
export const IN_Q_OVERFLOW = 0x00004000;
export const IN_IGNORED = 0x00008000;
export const IN_ONLYDIR = 0x01000000;
export const IN_ISDIR = 0x40000000;

export interface InotifyEvent {
  readonly wd: number;
  readonly mask: number;
  readonly name: string;
}

export function parseInotifyEvents(buf: Buffer, length = buf.length): InotifyEvent[] {
  const out: InotifyEvent[] = [];
  let off = 0;
  while (off + 16 <= length) {
    const wd = buf.readInt32LE(off);
    const mask = buf.readUInt32LE(off + 4);
    const len = buf.readUInt32LE(off + 12);
    const end = Math.min(off + 16 + len, length);
    const nul = buf.indexOf(0, off + 16);
    const name = buf.toString('utf8', off + 16, nul >= 0 && nul < end ? nul : end);
    out.push({ wd, mask, name });
    off += 16 + len;
  }
  return out;
}

export type AddWatch = { ok: true; wd: number } | { ok: false; limit: boolean; error: string };

export interface Inotify {
  readonly fd: number;
  /** Watch a directory (path on this machine) for the given mask. */
  add(path: string, mask: number): AddWatch;
  remove(wd: number): void;
  /** Every queued event; `overflow` when the kernel's queue overflowed (events were lost). */
  drain(): { events: InotifyEvent[]; overflow: boolean };
  close(): void;
}

export function openInotify(): Inotify | { error: string } {
  const c = libc();
  if (!c) return { error: libcUnavailable() };
  const fd = c.inotify_init1(O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return { error: `inotify_init1: errno ${c.errno()}${c.errno() === 24 ? ' (the per-user inotify instance limit, fs.inotify.max_user_instances)' : ''}` };
  const buf = Buffer.alloc(64 * 1024);
  return {
    fd,
    add(path, mask) {
      const wd = c.inotify_add_watch(fd, path, mask);
      if (wd >= 0) return { ok: true, wd };
      const e = c.errno();
      return { ok: false, limit: e === ENOSPC, error: e === ENOSPC ? 'the inotify watch limit (fs.inotify.max_user_watches) is reached' : `inotify_add_watch ${path}: errno ${e}` };
    },
    remove(wd) {
      c.inotify_rm_watch(fd, wd);
    },
    drain() {
      const events: InotifyEvent[] = [];
      let overflow = false;
      for (;;) {
        const n = readFd(fd, buf);
        if (n === -EAGAIN || n <= 0) break;
        for (const ev of parseInotifyEvents(buf, n)) {
          if (ev.mask & IN_Q_OVERFLOW) overflow = true;
          else events.push(ev);
        }
      }
      return { events, overflow };
    },
    close: () => closeFd(fd),
  };
}
