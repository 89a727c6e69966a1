/**
 * One epoll instance over every kernel descriptor `events` listens on (the proc connector socket,
 * the inotify descriptor, /dev/kmsg, v1 OOM eventfds, pidfds), waited on by epoll_wait(2) on a
 * libuv worker thread so the event loop stays free and nothing is polled on a timer. When it
 * returns, the ready descriptors' handlers run on the main thread, then the wait starts again.
 *
 * epoll, not poll(2): a descriptor is registered once (epoll_ctl, which takes effect even while
 * the worker waits), and each wake costs the kernel and us the ready descriptors only, not the
 * whole set, which holds one OOM eventfd per container (hundreds) and wakes on every exec and exit
 * on the host. An eventfd of our own is registered too: writing to it ends the wait at close().
 * Handlers must drain what made their descriptor ready (level-triggered).
 */
import {
  closeFd,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_DATA_OFFSET,
  EPOLL_EVENT_SIZE,
  eventFd,
  libc,
  libcUnavailable,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  readFd,
  writeFd,
} from './kernel-io.js';

export type ReadyHandler = (revents: number) => void;

export interface FdPoller {
  add(fd: number, onReady: ReadyHandler): void;
  remove(fd: number): void;
  close(): void;
}

export const isHangup = (revents: number): boolean => (revents & (POLLHUP | POLLERR | POLLNVAL)) !== 0;

/** Ready descriptors handed over per wake; more wait for the next epoll_wait. */
const MAX_EVENTS = 64;

export function createPoller(onError: (message: string) => void): FdPoller | { error: string } {
  const c = libc();
  if (!c) return { error: libcUnavailable() };
  const epfd = c.epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return { error: `epoll_create1: errno ${c.errno()}` };
  const wake = eventFd();
  if (wake < 0) {
    closeFd(epfd);
    return { error: `eventfd: errno ${-wake}` };
  }
  const handlers = new Map<number, ReadyHandler>();
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  const scratch = Buffer.alloc(8);
  const ready = Buffer.alloc(MAX_EVENTS * EPOLL_EVENT_SIZE);
  const ev = Buffer.alloc(EPOLL_EVENT_SIZE);
  let waiting = false;
  let closed = false;

  const register = (fd: number): boolean => {
    ev.fill(0);
    ev.writeUInt32LE(POLLIN, 0);
    ev.writeInt32LE(fd, EPOLL_DATA_OFFSET);
    if (c.epoll_ctl(epfd, EPOLL_CTL_ADD, fd, ev) === 0) return true;
    onError(`epoll_ctl(ADD ${fd}): errno ${c.errno()}`);
    return false;
  };

  const finish = (): void => {
    closeFd(wake);
    closeFd(epfd);
  };

  const arm = (): void => {
    if (closed || waiting) return;
    waiting = true;
    c.epoll_wait.async(epfd, ready, MAX_EVENTS, -1, (err, n) => {
      waiting = false;
      if (closed) return finish();
      if (err) onError(`epoll_wait: ${String(err)}`);
      for (let i = 0; i < n; i++) {
        const off = i * EPOLL_EVENT_SIZE;
        const revents = ready.readUInt32LE(off);
        const fd = ready.readInt32LE(off + EPOLL_DATA_OFFSET);
        if (fd === wake) readFd(wake, scratch);
        // A descriptor removed since the wait returned has no handler: skipped.
        else handlers.get(fd)?.(revents);
      }
      arm();
    });
  };

  if (!register(wake)) {
    finish();
    return { error: 'epoll_ctl: cannot register the wake-up eventfd' };
  }
  arm();

  return {
    add(fd, onReady) {
      if (closed || handlers.has(fd)) return;
      if (register(fd)) handlers.set(fd, onReady);
    },
    remove(fd) {
      if (!handlers.delete(fd)) return;
      c.epoll_ctl(epfd, EPOLL_CTL_DEL, fd, null);
    },
    close() {
      if (closed) return;
      closed = true;
      if (waiting) writeFd(wake, one);
      else finish();
    },
  };
}
