/**
 * OOM kills from the kernel log, /dev/kmsg (Documentation/ABI/testing/dev-kmsg): one record per
 * read(2), "<level>,<seq>,<usec since boot>,<flags>[,...];<message>", then continuation lines
 * " KEY=value". Reading past records the ring buffer overwrote fails with EPIPE once and goes on;
 * at the end a non-blocking read fails with EAGAIN; lseek(SEEK_END) skips to after the last.
 *
 * mm/oom_kill.c prints, for every kill:
 * - dump_oom_summary: "oom-kill:constraint=CONSTRAINT_MEMCG,...,oom_memcg=<path>,task_memcg=<path>,task=<comm>,pid=<pid>,uid=<uid>"
 *   (the memcg paths come from mem_cgroup_print_oom_context, in the memory hierarchy);
 * - __oom_kill_process: "<message>: Killed process <pid> (<comm>) total-vm:..." where message is
 *   "Memory cgroup out of memory" for a cgroup's limit and "Out of memory" for the host's.
 * Pids are the kernel's global ones (task_pid_nr), the host pids ctrscope shows.
 *
 * The parsers are pure; readKernelLog reads the live device or a recorded file through the root.
 */
import type { HostRoot } from '../host-root.js';
import { closeFd, EAGAIN, EINTR, EPIPE, libc, openNonBlocking, readFd, SEEK_END } from './kernel-io.js';

export interface KmsgRecord {
  readonly seq: number;
  /** Microseconds since boot (CLOCK_MONOTONIC, as the kernel stamps records). */
  readonly usec: number;
  readonly message: string;
}

export interface OomKill {
  readonly seq: number;
  readonly usec: number;
  readonly pid: number;
  /** The victim's comm, as the kernel printed it. */
  readonly command: string;
  /** The victim's memory cgroup path (task_memcg), null when the summary line was not found. */
  readonly taskMemcg: string | null;
  /** The cgroup whose limit was hit (oom_memcg); null for a host-wide OOM or no summary line. */
  readonly oomMemcg: string | null;
  /** CONSTRAINT_MEMCG for a cgroup's limit, CONSTRAINT_NONE for the host's memory... */
  readonly constraint: string | null;
}

/** One record's header and first line; null for text that is not a kmsg record. */
export function parseKmsgRecord(text: string): KmsgRecord | null {
  const semi = text.indexOf(';');
  if (semi < 0) return null;
  const fields = text.slice(0, semi).split(',');
  const seq = Number(fields[1]);
  const usec = Number(fields[2]);
  if (fields.length < 4 || !Number.isInteger(seq) || !Number.isInteger(usec)) return null;
  const nl = text.indexOf('\n', semi);
  return { seq, usec, message: text.slice(semi + 1, nl < 0 ? undefined : nl) };
}

/** Records of a text holding one record per line (continuation lines, starting with a space, are skipped). */
export function parseKmsgText(text: string): KmsgRecord[] {
  const out: KmsgRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(' ')) continue;
    const r = parseKmsgRecord(line);
    if (r) out.push(r);
  }
  return out;
}

const KILLED = /^(?:Memory cgroup out of memory|Out of memory(?: \([^)]*\))?): Killed process (\d+) \((.*?)\) total-vm:/;
const SUMMARY = /^oom-kill:(.*)$/;

function summaryFields(s: string): Map<string, string> {
  const out = new Map<string, string>();
  // Values hold no commas except nodemask/cpuset lists, which are not read here.
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/** Each OOM kill in the records, in order; a summary line is joined to the kill of the same pid. */
export function parseOomKills(records: readonly KmsgRecord[]): OomKill[] {
  const out: OomKill[] = [];
  const summaries = new Map<number, Map<string, string>>();
  for (const r of records) {
    const s = SUMMARY.exec(r.message);
    if (s) {
      const f = summaryFields(s[1] as string);
      const pid = Number(f.get('pid'));
      if (Number.isInteger(pid)) summaries.set(pid, f);
      continue;
    }
    const k = KILLED.exec(r.message);
    if (!k) continue;
    const pid = Number(k[1]);
    const f = summaries.get(pid);
    summaries.delete(pid);
    out.push({
      seq: r.seq,
      usec: r.usec,
      pid,
      command: k[2] as string,
      taskMemcg: f?.get('task_memcg') ?? null,
      oomMemcg: f?.get('oom_memcg') || null,
      constraint: f?.get('constraint') ?? null,
    });
  }
  return out;
}

/** Whether a record belongs to an OOM kill's report lines that parseOomKills reads (what a snapshot keeps). */
export const isOomRecord = (r: KmsgRecord): boolean => SUMMARY.test(r.message) || KILLED.test(r.message);

/** A record as /dev/kmsg prints it, first line only, for a recorded tree. */
export const formatKmsgRecord = (r: KmsgRecord): string => `3,${r.seq},${r.usec},-;${r.message}`;

/**
 * Every record still in the kernel's ring buffer: the live device read to its end, or on a
 * recorded tree the file a snapshot wrote. Null with the reason when unreadable (not root with
 * kernel.dmesg_restrict=1, or not recorded).
 */
export function readKernelLog(root: HostRoot): { records: KmsgRecord[] } | { error: string } {
  if (root.kind === 'recorded') {
    const r = root.readText('/dev/kmsg');
    return r.ok ? { records: parseKmsgText(r.value) } : { error: `${r.gap.path}: ${r.gap.reason}${r.gap.reason === 'absent' ? ' (not recorded in this tree)' : ''}` };
  }
  const log = openKernelLog(root, false);
  if ('error' in log) return log;
  try {
    return { records: log.drain() };
  } finally {
    log.close();
  }
}

export interface KernelLog {
  readonly fd: number;
  /** Records written since the last drain (or since opening). */
  drain(): KmsgRecord[];
  close(): void;
}

/** /dev/kmsg open for reading, from its first record kept or (atEnd) from now on. */
export function openKernelLog(root: HostRoot, atEnd: boolean): KernelLog | { error: string } {
  const c = libc();
  if (!c) return { error: 'koffi could not load libc' };
  const path = root.resolve('/dev/kmsg');
  const fd = openNonBlocking(path);
  if (fd < 0) return { error: `${path}: ${-fd === 13 || -fd === 1 ? 'permission denied (kernel.dmesg_restrict: root only)' : `errno ${-fd}`}` };
  if (atEnd) c.lseek(fd, 0, SEEK_END);
  // A record is at most 8 KiB (CONSOLE_EXT_LOG_MAX, kernel/printk/printk.c devkmsg_read).
  const buf = Buffer.alloc(8192 + 256);
  return {
    fd,
    drain() {
      const out: KmsgRecord[] = [];
      for (;;) {
        const n = readFd(fd, buf);
        if (n === -EPIPE || n === -EINTR) continue;
        if (n === -EAGAIN || n <= 0) break;
        const r = parseKmsgRecord(buf.toString('utf8', 0, n));
        if (r) out.push(r);
      }
      return out;
    },
    close: () => closeFd(fd),
  };
}
