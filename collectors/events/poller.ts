/**
 * One poll(2) over every kernel descriptor `events` listens on (the proc connector socket, the
 * inotify descriptor, /dev/kmsg, v1 OOM eventfds, pidfds), waiting on a libuv worker thread so
 * the event loop stays free and nothing is polled on a timer. When it returns, the ready
 * descriptors' handlers run on the main thread, then the wait starts again. An eventfd of our
 * own is in every set: writing to it ends the wait, so a changed set or close() takes effect.
 */
import { closeFd, eventFd, libc, libcUnavailable, POLLERR, POLLFD_SIZE, POLLHUP, POLLIN, POLLNVAL, readFd, writeFd } from './kernel-io.js';

export type ReadyHandler = (revents: number) => void;

export interface FdPoller {
  add(fd: number, onReady: ReadyHandler): void;
  remove(fd: number): void;
  close(): void;
}

export const isHangup = (revents: number): boolean => (revents & (POLLHUP | POLLERR | POLLNVAL)) !== 0;

export function createPoller(onError: (message: string) => void): FdPoller | { error: string } {
  const c = libc();
  if (!c) return { error: libcUnavailable() };
  const wake = eventFd();
  if (wake < 0) return { error: `eventfd: errno ${-wake}` };
  const handlers = new Map<number, ReadyHandler>();
  const one = Buffer.alloc(8);
  one.writeBigUInt64LE(1n);
  const scratch = Buffer.alloc(8);
  let waiting = false;
  let dirty = false;
  let closed = false;

  const arm = (): void => {
    if (closed || waiting) return;
    const fds = [wake, ...handlers.keys()];
    const set = Buffer.alloc(fds.length * POLLFD_SIZE);
    fds.forEach((fd, i) => {
      set.writeInt32LE(fd, i * POLLFD_SIZE);
      set.writeInt16LE(POLLIN, i * POLLFD_SIZE + 4);
    });
    waiting = true;
    dirty = false;
    c.poll.async(set, fds.length, -1, (err, n) => {
      waiting = false;
      if (closed) {
        closeFd(wake);
        return;
      }
      if (err) onError(`poll: ${String(err)}`);
      if (n > 0) {
        fds.forEach((fd, i) => {
          const revents = set.readInt16LE(i * POLLFD_SIZE + 6);
          if (revents === 0) return;
          if (fd === wake) readFd(wake, scratch);
          else handlers.get(fd)?.(revents);
        });
      }
      arm();
    });
  };
  const changed = (): void => {
    if (waiting && !dirty) {
      dirty = true;
      writeFd(wake, one);
    } else arm();
  };

  return {
    add(fd, onReady) {
      handlers.set(fd, onReady);
      changed();
    },
    remove(fd) {
      if (handlers.delete(fd)) changed();
    },
    close() {
      if (closed) return;
      closed = true;
      if (waiting) writeFd(wake, one);
      else closeFd(wake);
    },
  };
}
