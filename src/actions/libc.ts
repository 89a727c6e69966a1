/**
 * The few libc calls `enter` needs that Node does not offer, through koffi. Each call runs on
 * Node's main thread, and a namespace or root joined that way is inherited by children that
 * thread spawns (child_process.spawn forks from the calling thread). Failures throw SysError.
 */
import koffi from 'koffi';
import type { NsType } from '../model/namespace.js';

/** include/uapi/linux/sched.h */
export const CLONE_FLAG: Readonly<Record<NsType, number>> = {
  mnt: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  net: 0x40000000,
  time: 0x00000080,
};
const CLONE_FS = 0x00000200;
const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

export class SysError extends Error {
  readonly errno: number;
  readonly call: string;
  constructor(call: string, errno: number) {
    super(`${call}: ${errnoName(errno)}`);
    this.call = call;
    this.errno = errno;
  }
}

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM (operation not permitted)', 2: 'ENOENT (no such file or directory)', 3: 'ESRCH (no such process)', 9: 'EBADF (bad file descriptor)',
  12: 'ENOMEM', 13: 'EACCES (permission denied)', 20: 'ENOTDIR', 22: 'EINVAL (invalid argument)', 38: 'ENOSYS (not implemented by this kernel)', 87: 'EUSERS (caller is multithreaded)',
};
const errnoName = (n: number): string => ERRNO_NAMES[n] ?? `errno ${n}`;

interface Bindings {
  setns(fd: number, nstype: number): number;
  unshare(flags: number): number;
  fchdir(fd: number): number;
  chroot(path: string): number;
  fcntl(fd: number, cmd: number, ...rest: unknown[]): number;
}
let bound: Bindings | null = null;

/**
 * Bind once, before anything is joined: loading a library resolves paths, and after a mount
 * namespace join they would resolve in the container. dlopen(NULL) finds the libc Node itself is
 * linked with, whatever its file name (glibc's libc.so.6, musl's ld-musl).
 */
export function bindLibc(): void {
  if (bound) return;
  const lib = koffi.load(null);
  bound = {
    setns: lib.func('int setns(int fd, int nstype)'),
    unshare: lib.func('int unshare(int flags)'),
    fchdir: lib.func('int fchdir(int fd)'),
    chroot: lib.func('int chroot(const char *path)'),
    fcntl: lib.func('int fcntl(int fd, int cmd, ...)'),
  };
}

function libc(): Bindings {
  bindLibc();
  return bound as Bindings;
}

function check(call: string, rc: number): void {
  if (rc < 0) throw new SysError(call, koffi.errno());
}

export function setns(fd: number, type: NsType): void {
  check(`setns(${type})`, libc().setns(fd, CLONE_FLAG[type]));
}

/**
 * Give this thread its own root and working directory. setns(CLONE_NEWNS) refuses a caller whose
 * fs_struct is shared (kernel fs/namespace.c mntns_install: fs->users != 1), which every thread
 * of Node shares; unsharing it also keeps the chroot below out of libuv's worker threads.
 */
export function unshareFs(): void {
  check('unshare(CLONE_FS)', libc().unshare(CLONE_FS));
}

export function fchdir(fd: number): void {
  check('fchdir', libc().fchdir(fd));
}

export function chroot(path: string): void {
  check(`chroot(${path})`, libc().chroot(path));
}

/** Mark fd close-on-exec, so that it never reaches a spawned command. */
export function setCloexec(fd: number): void {
  const flags = libc().fcntl(fd, F_GETFD);
  if (flags < 0) {
    // Closed since it was listed (the fd of the directory listing itself): nothing to protect.
    if (koffi.errno() === 9) return;
    throw new SysError('fcntl(F_GETFD)', koffi.errno());
  }
  if ((flags & FD_CLOEXEC) === 0) check('fcntl(F_SETFD)', libc().fcntl(fd, F_SETFD, 'int', flags | FD_CLOEXEC));
}
