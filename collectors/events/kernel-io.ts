/**
 * The libc calls `events` needs to hear the kernel where Node has no API: netlink sockets (the
 * proc connector), inotify with its own descriptor (to see the watch limit and queue overflows),
 * eventfd (v1 memory OOM notification), pidfd_open, non-blocking reads of /dev/kmsg, and one
 * epoll instance over all of them. Bound through koffi on first use, so commands that never watch
 * never load it.
 *
 * Every descriptor here is non-blocking and close-on-exec. The blocking calls are epoll_wait(2),
 * run on a libuv worker thread (koffi's async call) so the event loop stays free, and poll(2) on
 * the proc connector's own reader thread (proc-watch.ts); an eventfd of our own wakes each when
 * the watcher closes.
 */
import { createRequire } from 'node:module';

/** include/uapi/asm-generic/fcntl.h, include/linux/socket.h, include/uapi/linux/netlink.h, eventfd.h, inotify.h */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_NONBLOCK = 0x800;
export const O_CLOEXEC = 0x80000;
export const AF_NETLINK = 16;
export const SOCK_DGRAM = 2;
export const NETLINK_CONNECTOR = 11;
export const MSG_DONTWAIT = 0x40;
export const POLLIN = 0x001;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
export const EAGAIN = 11;
export const EINTR = 4;
export const EPIPE = 32;
export const ENOBUFS = 105;
export const ENOSPC = 28;
export const EPERM = 1;
export const EACCES = 13;
export const SEEK_END = 2;
/** include/uapi/linux/eventpoll.h */
export const EPOLL_CLOEXEC = O_CLOEXEC;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
/**
 * struct epoll_event { u32 events; u64 data; }, packed on x86-64 only (__EPOLL_PACKED): 12
 * bytes there, 16 with the u64 aligned elsewhere.
 */
export const EPOLL_EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
export const EPOLL_DATA_OFFSET = process.arch === 'x64' ? 4 : 8;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  open(path: string, flags: number): number;
  read(fd: number, buf: Buffer, len: number): number;
  write(fd: number, buf: Buffer, len: number): number;
  lseek(fd: number, offset: number, whence: number): number;
  close(fd: number): number;
  eventfd(initval: number, flags: number): number;
  inotify_init1(flags: number): number;
  inotify_add_watch(fd: number, path: string, mask: number): number;
  inotify_rm_watch(fd: number, wd: number): number;
  syscall(nr: number, pid: number, flags: number): number;
  syscall4(nr: number, fd: number, sig: number, info: null, flags: number): number;
  poll(fds: Buffer, nfds: number, timeout: number): number;
  gettid(): number;
  setpriority(which: number, who: number, prio: number): number;
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, event: Buffer | null): number;
  epoll_wait: ((epfd: number, events: Buffer, maxevents: number, timeout: number) => number) & {
    async: (epfd: number, events: Buffer, maxevents: number, timeout: number, cb: (err: unknown, n: number) => void) => void;
  };
  errno(): number;
}

let bound: Libc | null | undefined;
let bindError = '';

/** libc through koffi, or null (with bindError saying why) where koffi cannot load. */
export function libc(): Libc | null {
  if (bound !== undefined) return bound;
  try {
    // createRequire, not import: callers are synchronous, and the bundle keeps koffi external.
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const lib = koffi.load(null);
    bound = {
      socket: lib.func('int socket(int, int, int)'),
      bind: lib.func('int bind(int, void *, uint32_t)'),
      send: lib.func('long send(int, void *, unsigned long, int)'),
      recv: lib.func('long recv(int, void *, unsigned long, int)'),
      setsockopt: lib.func('int setsockopt(int, int, int, void *, uint32_t)'),
      open: lib.func('int open(const char *, int)'),
      read: lib.func('long read(int, void *, unsigned long)'),
      write: lib.func('long write(int, void *, unsigned long)'),
      lseek: lib.func('long lseek(int, long, int)'),
      close: lib.func('int close(int)'),
      eventfd: lib.func('int eventfd(unsigned int, int)'),
      inotify_init1: lib.func('int inotify_init1(int)'),
      inotify_add_watch: lib.func('int inotify_add_watch(int, const char *, uint32_t)'),
      inotify_rm_watch: lib.func('int inotify_rm_watch(int, int)'),
      syscall: lib.func('long syscall(long, int, unsigned int)'),
      syscall4: lib.func('long syscall(long, int, int, void *, unsigned int)'),
      poll: lib.func('int poll(void *, unsigned long, int)'),
      gettid: lib.func('int gettid()'),
      setpriority: lib.func('int setpriority(int, unsigned int, int)'),
      epoll_create1: lib.func('int epoll_create1(int)'),
      epoll_ctl: lib.func('int epoll_ctl(int, int, int, void *)'),
      epoll_wait: lib.func('int epoll_wait(int, void *, int, int)') as Libc['epoll_wait'],
      errno: () => koffi.errno(),
    };
  } catch (err) {
    bindError = err instanceof Error ? err.message : String(err);
    bound = null;
  }
  return bound;
}

export const libcUnavailable = (): string => `koffi could not load libc: ${bindError}`;

/** arch/x86/entry/syscalls/syscall_64.tbl and include/uapi/asm-generic/unistd.h: pidfd_open is 434 on every architecture. */
const SYS_PIDFD_OPEN = 434;

/** pidfd_open(2): a descriptor that polls readable when the process ends; -errno on failure. */
export function pidfdOpen(pid: number): number {
  const c = libc();
  if (!c) return -EPERM;
  const fd = c.syscall(SYS_PIDFD_OPEN, pid, 0);
  return fd < 0 ? -c.errno() : fd;
}

/** include/uapi/asm-generic/unistd.h: pidfd_send_signal is 424 on every architecture. */
const SYS_PIDFD_SEND_SIGNAL = 424;

/** pidfd_send_signal(2) of signal to the process a pidfd refers to: 0, or -errno. */
export function pidfdSendSignal(pidfd: number, signal: number): number {
  const c = libc();
  if (!c) return -EPERM;
  return c.syscall4(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, null, 0) < 0 ? -c.errno() : 0;
}

/** struct pollfd { int fd; short events; short revents; } */
export const POLLFD_SIZE = 8;

/**
 * poll(2) for input on fds, blocking the calling thread until one is ready: the ready flags
 * (revents) of each, in order, or -errno.
 */
export function pollIn(fds: readonly number[], set: Buffer = Buffer.alloc(fds.length * POLLFD_SIZE)): number[] | number {
  const c = libc();
  if (!c) return -EPERM;
  fds.forEach((fd, i) => {
    set.writeInt32LE(fd, i * POLLFD_SIZE);
    set.writeInt16LE(POLLIN, i * POLLFD_SIZE + 4);
    set.writeInt16LE(0, i * POLLFD_SIZE + 6);
  });
  if (c.poll(set, fds.length, -1) < 0) return -c.errno();
  return fds.map((_, i) => set.readInt16LE(i * POLLFD_SIZE + 6));
}

/**
 * The calling thread's nice value (setpriority(2) on its thread id: Linux schedules threads
 * apart, and PRIO_PROCESS with a tid sets that thread's alone); 0, or -errno (lowering it needs
 * CAP_SYS_NICE).
 */
export function setThreadNice(nice: number): number {
  const c = libc();
  if (!c) return -EPERM;
  return c.setpriority(0, c.gettid(), nice) < 0 ? -c.errno() : 0;
}

/** read(2) into buf; the byte count, or -errno. */
export function readFd(fd: number, buf: Buffer): number {
  const c = libc() as Libc;
  const n = c.read(fd, buf, buf.length);
  return n < 0 ? -c.errno() : n;
}

export function writeFd(fd: number, buf: Buffer): number {
  const c = libc() as Libc;
  const n = c.write(fd, buf, buf.length);
  return n < 0 ? -c.errno() : n;
}

export function closeFd(fd: number): void {
  libc()?.close(fd);
}

/** open(2) read-only, non-blocking, close-on-exec; the descriptor or -errno. */
export function openNonBlocking(path: string, flags = O_RDONLY): number {
  const c = libc();
  if (!c) return -EPERM;
  const fd = c.open(path, flags | O_NONBLOCK | O_CLOEXEC);
  return fd < 0 ? -c.errno() : fd;
}

/** eventfd(2), non-blocking, close-on-exec; the descriptor or -errno. */
export function eventFd(): number {
  const c = libc();
  if (!c) return -EPERM;
  const fd = c.eventfd(0, O_NONBLOCK | O_CLOEXEC);
  return fd < 0 ? -c.errno() : fd;
}
