/**
 * The host-root abstraction: every read of host state goes through a HostRoot, so the same
 * collectors serve the live host (`/`), a host filesystem mounted elsewhere (`--root /host`),
 * and a recorded tree under samples/ (or an unpacked `ctrscope snapshot` archive).
 *
 * Reads are synchronous on purpose. procfs and cgroupfs files are tiny and served from memory;
 * a sync read is a single open/read/close with no thread-pool hop, which measured several times
 * faster than fs.promises for the thousands of small files a scan touches, and keeps a scan
 * a single atomic pass from the point of view of the event loop (top never interleaves two).
 *
 * This is the only module of collectors/ that imports node:fs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classifyFsError, gap, ok, parseWith, type Read } from './read.js';
import { netnsByNetlink, type NetnsNetlink } from './rtnetlink.js';

export interface HostRoot {
  readonly kind: 'live' | 'recorded';
  /** Directory that stands for the host's `/` on the machine running ctrscope. */
  readonly dir: string;
  /** Read a whole file as UTF-8 text. */
  readText(hostPath: string): Read<string>;
  /** Read a whole file as bytes (cmdline and environ are NUL-separated). */
  readBytes(hostPath: string): Read<Buffer>;
  readLink(hostPath: string): Read<string>;
  readDir(hostPath: string): Read<string[]>;
  /** lstat(2) of a host path: type, size, device/inode (for --sizes walks of overlay upper dirs). Optional: in-memory fixtures need not stat. */
  lstat?(hostPath: string): Read<FileStat>;
  /** Path on this machine of a host path (for --sizes walks and for enter). */
  resolve(hostPath: string): string;
  /**
   * Called before each read, with the path: the tests' fault injection (kill a process or delete
   * an interface between two reads of one pass). `ctrscope snapshot` records through a wrapping
   * root instead (collectors/snapshot/recording-root.ts), and KeptFiles reads through the base
   * root while a listener is set, so that it sees every read.
   */
  onRead?: (hostPath: string, kind: 'file' | 'link' | 'dir') => void;
  /**
   * The last `maxBytes` of a file (a log tail), its size, and the offset the text starts at.
   * Optional, like lstat: only a root over a filesystem can seek.
   */
  readTail?(hostPath: string, maxBytes: number): Read<FileTail>;
  /** Open a file to read again and again through one descriptor (top's mount watch polls it). Optional, like lstat. */
  openFile?(hostPath: string, opts?: OpenFileOptions): Read<OpenFile>;
  /**
   * The live host `/` only: the interfaces of pid's network namespace with their counters, with
   * `listening` its listening TCP sockets, and with `addresses` its addresses and default
   * routes, asked of the kernel by netlink from inside the namespace in one visit (rtnetlink.ts,
   * sock-diag.ts) rather than read from net/dev, the namespace's /sys/class/net,
   * /proc/<pid>/net/tcp{,6} and /proc/<pid>/net/{route,fib_trie,if_inet6,ipv6_route}. Absent on
   * a host tree and on a recording root, which read (and so record) the files.
   */
  netnsNetlink?(pid: number, listening: boolean, addresses?: boolean): NetnsNetlink;
}

/** A host file held open: each readText() is a pread from offset 0 on the same descriptor. */
export interface OpenFileOptions {
  /**
   * The file is a seq_file (most of procfs) whose records are at most this many bytes. A read of
   * a seq_file stops short of the buffer only at the end of the file or when the next record
   * would overflow the kernel's own buffer, which is at least a page (fs/seq_file.c
   * seq_read_iter); so a read that returns less than a page minus the longest record is the
   * whole file, and the read that would return 0 is not made: at offset > 0 the kernel
   * generates the file again from its start to find that offset.
   */
  readonly maxRecordBytes?: number;
}

/** The smallest page size Linux runs with: the least a seq_file's buffer holds. */
const MIN_PAGE_BYTES = 4096;

export interface OpenFile {
  readonly fd: number;
  readText(): Read<string>;
  close(): void;
}

export interface FileTail {
  /** UTF-8 text from `from` to the end (the first line may be cut). */
  readonly text: string;
  readonly size: number;
  readonly from: number;
}

export interface FileStat {
  readonly type: 'file' | 'dir' | 'link' | 'char' | 'block' | 'fifo' | 'socket';
  readonly size: number;
  readonly dev: number;
  readonly ino: number;
  readonly nlink: number;
  /** Device number of a device node (0 for an overlayfs whiteout). */
  readonly rdev: number;
}

function fileType(st: fs.Stats): FileStat['type'] {
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'link';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'file';
}

/** One options object for every text read: a string would be copied into a new one per call. */
const UTF8 = Object.freeze({ encoding: 'utf8', flag: 'r' }) as { encoding: 'utf8'; flag: 'r' };

class DirRoot implements HostRoot {
  onRead?: (hostPath: string, kind: 'file' | 'link' | 'dir') => void;
  readonly kind: 'live' | 'recorded';
  readonly dir: string;
  private openBuf?: { bytes: Buffer };
  netnsNetlink?: (pid: number, listening: boolean, addresses?: boolean) => NetnsNetlink;
  constructor(kind: 'live' | 'recorded', dir: string) {
    this.kind = kind;
    this.dir = dir;
    // A host mounted elsewhere may be another pid namespace's view: its pids are not ours to open.
    if (kind === 'live' && dir === '/') this.netnsNetlink = netnsByNetlink;
  }

  resolve(hostPath: string): string {
    return this.local(hostPath, true);
  }

  /**
   * Path on this machine. In a recorded tree, symbolic links are resolved inside the tree, as if
   * it were `/`: an absolute target (a recorded `/proc/<pid>/cwd`, containerd's `work` link)
   * starts again from the tree's top and `..` stops there, so no read leaves the tree. A live
   * root (`/`, or a host mounted elsewhere with its procfs) leaves links to the kernel: there
   * `/proc/<pid>/root` is a magic link that only the kernel can follow.
   */
  private local(hostPath: string, followLast: boolean): string {
    if (this.dir === '/') return hostPath;
    if (this.kind === 'live') return path.join(this.dir, hostPath);
    const todo = hostPath.split('/').reverse();
    const done: string[] = [];
    let links = 0;
    while (todo.length > 0) {
      const part = todo.pop() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      done.push(part);
      if (todo.length === 0 && !followLast) break;
      const here = path.join(this.dir, ...done);
      if (fs.lstatSync(here, { throwIfNoEntry: false })?.isSymbolicLink() !== true) continue;
      // The kernel's limit (include/linux/namei.h MAXSYMLINKS).
      if (++links > 40) throw Object.assign(new Error(`${hostPath}: too many levels of symbolic links`), { code: 'ELOOP' });
      const target = fs.readlinkSync(here);
      done.pop();
      if (target.startsWith('/')) done.length = 0;
      todo.push(...target.split('/').reverse());
    }
    return path.join(this.dir, ...done);
  }

  readText(hostPath: string): Read<string> {
    this.onRead?.(hostPath, 'file');
    try {
      return ok(fs.readFileSync(this.resolve(hostPath), UTF8) as string);
    } catch (err) {
      return { ok: false, gap: classifyFsError(err, hostPath) };
    }
  }

  readBytes(hostPath: string): Read<Buffer> {
    this.onRead?.(hostPath, 'file');
    try {
      return ok(fs.readFileSync(this.resolve(hostPath)));
    } catch (err) {
      return { ok: false, gap: classifyFsError(err, hostPath) };
    }
  }

  readLink(hostPath: string): Read<string> {
    this.onRead?.(hostPath, 'link');
    try {
      return ok(fs.readlinkSync(this.local(hostPath, false)));
    } catch (err) {
      return { ok: false, gap: classifyFsError(err, hostPath) };
    }
  }

  readDir(hostPath: string): Read<string[]> {
    this.onRead?.(hostPath, 'dir');
    try {
      return ok(fs.readdirSync(this.resolve(hostPath)));
    } catch (err) {
      return { ok: false, gap: classifyFsError(err, hostPath) };
    }
  }

  openFile(hostPath: string, opts: OpenFileOptions = {}): Read<OpenFile> {
    let fd: number;
    try {
      fd = fs.openSync(this.resolve(hostPath), 'r');
    } catch (err) {
      return { ok: false, gap: classifyFsError(err, hostPath) };
    }
    // One buffer for every file this root keeps open: reads are synchronous, never interleaved.
    const buf = (this.openBuf ??= { bytes: Buffer.allocUnsafe(16384) });
    return ok({
      fd,
      readText: () => {
        try {
          return ok(preadText(fd, buf, false, opts.maxRecordBytes === undefined ? 0 : MIN_PAGE_BYTES - opts.maxRecordBytes));
        } catch (err) {
          return { ok: false, gap: classifyFsError(err, hostPath) };
        }
      },
      close: () => closeQuietly(fd),
    });
  }

  readTail(hostPath: string, maxBytes: number): Read<FileTail> {
    this.onRead?.(hostPath, 'file');
    let fd = -1;
    try {
      fd = fs.openSync(this.resolve(hostPath), 'r');
      const size = fs.fstatSync(fd).size;
      const from = Math.max(0, size - maxBytes);
      const buf = Buffer.allocUnsafe(size - from);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, from + got);
        if (n === 0) break;
        got += n;
      }
      return ok({ text: buf.toString('utf8', 0, got), size, from });
    } catch (err) {
      return { ok: false, gap: classifyFsError(err, hostPath) };
    } finally {
      if (fd >= 0) closeQuietly(fd);
    }
  }

  lstat(hostPath: string): Read<FileStat> {
    try {
      const st = fs.lstatSync(this.local(hostPath, false));
      return ok({ type: fileType(st), size: st.size, dev: st.dev, ino: st.ino, nlink: st.nlink, rdev: st.rdev });
    } catch (err) {
      return { ok: false, gap: classifyFsError(err, hostPath) };
    }
  }
}

export class RootError extends Error {
  override name = 'RootError';
}

/**
 * Open a host root. `/` is the live host; anything else is a host tree (a live host mounted at
 * /host, a sample, an unpacked snapshot). A tree must at least have proc/ with numbered process
 * directories; otherwise we say what is missing rather than showing an empty host.
 */
export function openHostRoot(dir = '/'): HostRoot {
  const abs = path.resolve(dir);
  if (abs === '/') return new DirRoot('live', '/');
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new RootError(`--root ${dir}: no such directory`);
  }
  if (!st.isDirectory()) throw new RootError(`--root ${dir}: not a directory (a snapshot archive is read directly when its name ends in .tar.gz or .tgz)`);
  const proc = path.join(abs, 'proc');
  let entries: string[];
  try {
    entries = fs.readdirSync(proc);
  } catch {
    throw new RootError(`--root ${dir}: missing ${proc}; expected a host tree with proc/ and sys/`);
  }
  if (!entries.some((e) => /^\d+$/.test(e))) throw new RootError(`--root ${dir}: ${proc} has no process directories`);
  // A tree whose proc is a live procfs mount (a host mounted at /host) is still read as files.
  return new DirRoot(isProcfsMount(proc) ? 'live' : 'recorded', abs);
}

function isProcfsMount(dir: string): boolean {
  try {
    // procfs has fixed-size 0 files and /proc/self is a magic link to a numeric pid.
    return /^\d+$/.test(fs.readlinkSync(path.join(dir, 'self')));
  } catch {
    return false;
  }
}

/** Read and parse in one step, so that a parse failure names the file it came from. */
export function readParsed<T>(root: HostRoot, hostPath: string, parse: (text: string) => T): Read<T> {
  return parseWith(hostPath, root.readText(hostPath), parse);
}

export { gap };

/**
 * A HostRoot for a reader that re-reads the same files every refresh (top): each file is opened
 * once and read again with pread(2) at offset 0 on the open descriptor. procfs and cgroupfs
 * files are seq_files, which regenerate their text when read from offset 0 (fs/seq_file.c
 * traverse() restarts at index 0), so the text is as fresh as after a new open(2); skipping the
 * path walk and open/close makes each read about three times cheaper (measured: 3.3 µs against
 * 12 µs for memory.usage_in_bytes, 3.5 µs against 9.5 µs for /proc/<pid>/stat).
 *
 * The descriptor also pins identity: one open on /proc/<pid>/stat keeps referring to that
 * process, and a read after it exits fails with ESRCH even if the pid is reused; one on a cgroup
 * file of a removed cgroup fails with ENODEV even if a cgroup of the same path is created again.
 * Any failed pread therefore closes the descriptor and falls back to a fresh read through the
 * base root, which reports the new file (or the gap) exactly as an uncached read would.
 *
 * Bounded: sweep() (once per refresh) closes every descriptor not read in the last
 * `keepUnread` + 1 sweeps (1 by default: since the previous one), and at most `maxOpen`
 * descriptors are kept (half of RLIMIT_NOFILE by default); beyond it files are read the ordinary
 * way. Every KeptFiles of the process together keep at most half of RLIMIT_NOFILE too (an
 * observer has one for processes and one for cgroups), so that the other half stays free for
 * what is not kept: ordinary reads, and a server's sockets (`serve`).
 */
export interface KeptFilesOptions {
  readonly maxOpen?: number;
  /**
   * Which files the kernel generates as a single seq_file record (a process's stat, a cgroup's
   * value files): those take one pread instead of two (see preadText).
   */
  readonly oneRecord?: (hostPath: string) => boolean;
  /** Sweeps a descriptor survives unread: a reader of some files every n-th refresh keeps them. */
  readonly keepUnread?: number;
  /**
   * Read a file the ordinary way this many times before keeping it open (0 by default): a file
   * counts as read again while it is not swept. With 2, a file read only once or twice (`ps`
   * with rates reads each counter twice and each limit once) costs no open, pread and close
   * beyond its plain reads, and one read again and again (top) costs two plain reads before its
   * preads.
   */
  readonly plainReads?: number;
}

/** Descriptors kept by every KeptFiles of this process, against sharedMaxOpen. */
let keptInProcess = 0;
let sharedMaxOpen: number | null = null;

export class KeptFiles implements HostRoot {
  readonly kind: 'live' | 'recorded';
  readonly dir: string;
  private readonly base: HostRoot;
  private readonly maxOpen: number;
  private readonly oneRecord: (hostPath: string) => boolean;
  private readonly keepUnread: number;
  private readonly plainReads: number;
  private fds = new Map<string, number>();
  /** With plainReads: files read the ordinary way so far, how many times, and the sweep count at the last. */
  private readPlain = new Map<string, { times: number; at: number }>();
  /** Per kept path, the sweep count when it was last read. */
  private readAt = new Map<string, number>();
  private sweeps = 0;
  private buf = { bytes: Buffer.allocUnsafe(16384) };

  constructor(base: HostRoot, opts: KeptFilesOptions = {}) {
    this.base = base;
    this.kind = base.kind;
    this.dir = base.dir;
    this.maxOpen = opts.maxOpen ?? defaultMaxOpen();
    this.oneRecord = opts.oneRecord ?? (() => false);
    this.keepUnread = opts.keepUnread ?? 0;
    this.plainReads = opts.plainReads ?? 0;
  }

  /** Descriptors held now (for tests and the memory bound). */
  get openCount(): number {
    return this.fds.size;
  }

  readText(hostPath: string): Read<string> {
    let fd = this.fds.get(hostPath);
    if (fd === undefined) {
      // A listener (snapshot recording) must see every read: no keeping under it.
      sharedMaxOpen ??= defaultMaxOpen();
      if (this.fds.size >= this.maxOpen || keptInProcess >= sharedMaxOpen || this.base.onRead) return this.base.readText(hostPath);
      if (this.plainReads > 0) {
        const plain = this.readPlain.get(hostPath);
        if (plain === undefined || plain.times < this.plainReads) {
          if (plain === undefined) this.readPlain.set(hostPath, { times: 1, at: this.sweeps });
          else {
            plain.times++;
            plain.at = this.sweeps;
          }
          return this.base.readText(hostPath);
        }
        this.readPlain.delete(hostPath);
      }
      try {
        fd = fs.openSync(this.base.resolve(hostPath), 'r');
      } catch (err) {
        return { ok: false, gap: classifyFsError(err, hostPath) };
      }
      this.fds.set(hostPath, fd);
      keptInProcess++;
    }
    this.readAt.set(hostPath, this.sweeps);
    try {
      return ok(preadText(fd, this.buf, this.oneRecord(hostPath)));
    } catch {
      this.close(hostPath, fd);
      return this.base.readText(hostPath);
    }
  }

  private close(hostPath: string, fd: number): void {
    if (this.fds.delete(hostPath)) keptInProcess--;
    this.readAt.delete(hostPath);
    closeQuietly(fd);
  }

  /** Close what was not read lately (exited processes, removed containers). */
  sweep(): void {
    // forEach, not for-of: no [path, fd] pair allocated per kept file (thousands, every refresh).
    this.fds.forEach((fd, p) => {
      if (this.sweeps - (this.readAt.get(p) ?? -Infinity) > this.keepUnread) this.close(p, fd);
    });
    this.readPlain.forEach((r, p, all) => {
      if (this.sweeps - r.at > this.keepUnread) all.delete(p);
    });
    this.sweeps++;
  }

  /** Close everything. */
  closeAll(): void {
    for (const [p, fd] of this.fds) this.close(p, fd);
    this.readPlain.clear();
  }

  readBytes(hostPath: string): Read<Buffer> {
    return this.base.readBytes(hostPath);
  }
  readLink(hostPath: string): Read<string> {
    return this.base.readLink(hostPath);
  }
  readDir(hostPath: string): Read<string[]> {
    return this.base.readDir(hostPath);
  }
  lstat(hostPath: string): Read<FileStat> {
    return this.base.lstat ? this.base.lstat(hostPath) : { ok: false, gap: { path: hostPath, reason: 'failed', detail: 'lstat not supported' } };
  }
  resolve(hostPath: string): string {
    return this.base.resolve(hostPath);
  }
}

/**
 * The whole file from offset 0: read until a read returns 0, or, for a file generated as one
 * record, until a read returns less than asked. A seq_file shows one record whole into a buffer
 * it grows to fit, and a read returns it all when the caller's buffer is large enough
 * (fs/seq_file.c seq_read_iter); a file of many records (mountinfo, cgroup.procs) can stop
 * short at the end of its own page-sized buffer with more to come. The buffer grows to fit and is
 * reused.
 */
/** `wholeUnder`: a first read shorter than this many bytes is the whole file (OpenFileOptions.maxRecordBytes). */
function preadText(fd: number, buf: { bytes: Buffer }, oneRecord: boolean, wholeUnder = 0): string {
  let len = 0;
  for (;;) {
    if (len === buf.bytes.length) {
      const bigger = Buffer.allocUnsafe(buf.bytes.length * 2);
      buf.bytes.copy(bigger);
      buf.bytes = bigger;
    }
    const want = buf.bytes.length - len;
    const n = fs.readSync(fd, buf.bytes, len, want, len);
    len += n;
    if (n === 0 || (oneRecord && n < want) || (len < wholeUnder && n < want)) break;
  }
  return buf.bytes.toString('utf8', 0, len);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed: nothing held
  }
}

/** Half of our soft RLIMIT_NOFILE (Node raises it to the hard limit at start-up), at most 16384. */
function defaultMaxOpen(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Math.min(16384, Math.floor(Number(m[1]) / 2));
  } catch {
    // no /proc/self/limits: stay modest
  }
  return 512;
}
