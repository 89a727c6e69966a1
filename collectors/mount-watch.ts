/**
 * Which mount namespaces' mount tables changed since top last read them, from the kernel's own
 * signal: an open /proc/<pid>/mountinfo remembers the namespace's event counter at open
 * (fs/proc_namespace.c mounts_open_common: m->poll_event = ns->event), every mount, unmount,
 * move or pivot_root in the namespace advances the counter (fs/namespace.c touch_mnt_namespace),
 * and poll(2) on the descriptor reports EPOLLERR|EPOLLPRI once when it moved, taking the new
 * value (mounts_poll). So each namespace's mountinfo is opened once and read through that
 * descriptor, and one poll(2) with timeout 0 over all of them per refresh names the namespaces
 * whose text would differ; the others are not read again.
 *
 * A changed namespace's descriptor is closed rather than read again: the open also fixed the
 * root that paths are shown relative to (p->root, the process's root at open), and after a
 * pivot_root only a new open shows the mounts as the namespace's processes now see them.
 *
 * A descriptor pins its namespace (get_mnt_ns at open) and with it every mount in it, so
 * retain() closes those of namespaces that no scanned process is in any more; the pin also
 * keeps the namespace's inode number from being reused while a decision is cached under it.
 *
 * poll(2) is reached through koffi, loaded on first use (top only: `ps` never loads it). On a
 * recorded tree the files are regular files, which never report EPOLLPRI: they never change.
 */
import { createRequire } from 'node:module';
import type { HostRoot, OpenFile } from './host-root.js';
import { nsInode } from './namespaces.js';
import { gap, type Read } from './read.js';

/** include/uapi/asm-generic/poll.h */
const POLLPRI = 0x002;
const POLLERR = 0x008;
const POLLNVAL = 0x020;
/** struct pollfd { int fd; short events; short revents; } */
const POLLFD_SIZE = 8;
/** At most this many namespaces are watched; beyond it a namespace is read every refresh. */
const MAX_WATCHED = 1024;

type PollFn = (fds: Buffer, nfds: number, timeoutMs: number) => number;

let boundPoll: PollFn | null | undefined;

/** poll(2) from the libc Node is linked with, or null when koffi cannot load here. */
function bindPoll(): PollFn | null {
  if (boundPoll !== undefined) return boundPoll;
  try {
    // createRequire, not import: the caller is synchronous, and the bundle keeps koffi external.
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    // A Buffer passed for a pointer is passed in place, so the kernel's revents land in it.
    boundPoll = koffi.load(null).func('int poll(void *fds, unsigned long nfds, int timeout)') as PollFn;
  } catch {
    boundPoll = null;
  }
  return boundPoll;
}

export interface MountWatch {
  /**
   * The mountinfo text of mount namespace `ns`, read through its kept descriptor, opened on
   * `/proc/<pid>/mountinfo` if it has none (pid being a process the scan saw in ns).
   */
  read(ns: number, pid: number): Read<string>;
  /** Whether ns has a kept descriptor, so that a decision from its text may be cached until changed() names it. */
  watching(ns: number): boolean;
  /** Namespaces whose mount table changed since their last read; their descriptors are closed. One poll(2). */
  changed(): Set<number>;
  /** Close ns's descriptor: its next read opens the file afresh (through another process, perhaps). */
  forget(ns: number): void;
  /** Close the descriptors of namespaces not in live (their last process exited, or they need no read). */
  retain(live: ReadonlySet<number>): void;
  /** Descriptors held now. */
  readonly size: number;
  close(): void;
}

/** A watch over root's mountinfo files, or null when poll(2) cannot be bound or root cannot keep files open. */
export function createMountWatch(root: HostRoot): MountWatch | null {
  if (!root.openFile) return null;
  const poll = bindPoll();
  if (!poll) return null;
  return new PolledMountinfo(root, poll);
}

class PolledMountinfo implements MountWatch {
  private readonly root: HostRoot;
  private readonly poll: PollFn;
  private readonly files = new Map<number, OpenFile>();
  private pollfds = Buffer.alloc(0);

  constructor(root: HostRoot, poll: PollFn) {
    this.root = root;
    this.poll = poll;
  }

  get size(): number {
    return this.files.size;
  }

  watching(ns: number): boolean {
    return this.files.has(ns);
  }

  read(ns: number, pid: number): Read<string> {
    const path = `/proc/${pid}/mountinfo`;
    let file = this.files.get(ns);
    if (!file) {
      if (this.files.size >= MAX_WATCHED || !this.root.openFile) return this.root.readText(path);
      const opened = this.root.openFile(path);
      if (!opened.ok) return opened;
      file = opened.value;
      // The pid may have exited and been reused by a process of another namespace since the
      // scan read its ns link; the descriptor is keyed by ns only if the process is still in it.
      // (A malformed link in a recorded tree is not the namespace asked for either.)
      if (nsInode(this.root, pid, 'mnt') !== ns) {
        file.close();
        return gap(path, 'gone', `process ${pid} is no longer in mount namespace ${ns}`);
      }
      this.files.set(ns, file);
    }
    const r = file.readText();
    if (!r.ok) this.drop(ns);
    return r;
  }

  changed(): Set<number> {
    const out = new Set<number>();
    const entries = [...this.files];
    if (entries.length === 0) return out;
    if (this.pollfds.length < entries.length * POLLFD_SIZE) this.pollfds = Buffer.alloc(entries.length * POLLFD_SIZE * 2);
    const fds = this.pollfds;
    entries.forEach(([, file], i) => {
      fds.writeInt32LE(file.fd, i * POLLFD_SIZE);
      fds.writeInt16LE(POLLPRI, i * POLLFD_SIZE + 4);
      fds.writeInt16LE(0, i * POLLFD_SIZE + 6);
    });
    const n = this.poll(fds, entries.length, 0);
    entries.forEach(([ns], i) => {
      // poll failed (EINTR, ENOMEM): nothing is known, so everything counts as changed.
      if (n < 0 || (fds.readInt16LE(i * POLLFD_SIZE + 6) & (POLLPRI | POLLERR | POLLNVAL)) !== 0) {
        out.add(ns);
        this.drop(ns);
      }
    });
    return out;
  }

  forget(ns: number): void {
    this.drop(ns);
  }

  retain(live: ReadonlySet<number>): void {
    for (const ns of [...this.files.keys()]) if (!live.has(ns)) this.drop(ns);
  }

  close(): void {
    for (const ns of [...this.files.keys()]) this.drop(ns);
  }

  private drop(ns: number): void {
    this.files.get(ns)?.close();
    this.files.delete(ns);
  }
}
