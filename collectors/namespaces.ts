/**
 * What keeps namespaces alive besides their member processes, for `ctrscope ns`:
 *  - nsfs bind mounts, from `/proc/<pid>/mountinfo` of one process per distinct mount namespace
 *    (an nsfs mount's root field is the namespace itself, e.g. `ip netns add x`:
 *    `49 48 0:4 net:[4026532178] /run/netns/x rw shared:3 - nsfs nsfs rw`);
 *  - open fds, from the `/proc/<pid>/fd/<n>` links whose text is `type:[inode]` (an fd opened on
 *    /proc/<pid>/ns/<type> reads back like the ns link itself; proc(5) "/proc/pid/fd/").
 * Each distinct mount namespace's mountinfo is read once: mounts are per namespace, not per
 * process, and a host with 300 containers has 300 mount namespaces but ~1000 processes.
 */
import { isNsType, type NsType } from '../src/model/namespace.js';
import type { PinnedNs } from '../src/model/namespaces.js';
import type { Process } from '../src/model/process.js';
import { readParsed, type HostRoot } from './host-root.js';
import { parseMountInfo } from './procfs/mountinfo.js';
import { ParseError, type Gap } from './read.js';
import { parseNsInode, parseNsLink } from './procfs/pid-ns.js';

/** The inode of /proc/<pid>/ns/<type>, or null when it cannot be read (gone, denied, malformed). */
export function nsInode(root: HostRoot, pid: number | 'self', type: string): number | null {
  const l = root.readLink(`/proc/${pid}/ns/${type}`);
  if (!l.ok) return null;
  try {
    return parseNsInode(l.value);
  } catch (err) {
    if (err instanceof ParseError) return null;
    throw err;
  }
}

/** `type:[inode]` of a namespace file, or null for anything else (socket:[…], pipe:[…], paths). */
function nsRef(text: string): { type: NsType; inode: number } | null {
  // Most fds are sockets, pipes and files: tell them apart before parsing, which would throw
  // (an exception per fd is most of what reading every process's fds costs).
  const colon = text.indexOf(':[');
  if (colon < 0 || !text.endsWith(']') || !isNsType(text.slice(0, colon))) return null;
  try {
    const { type, inode } = parseNsLink(text);
    return isNsType(type) ? { type, inode } : null;
  } catch (err) {
    if (err instanceof ParseError) return null;
    throw err;
  }
}

/**
 * The nsfs mounts of a mountinfo text. Only their lines are parsed: a container's table has tens
 * of mounts and rarely one of nsfs, and `ns` reads one table per mount namespace.
 */
function nsfsMounts(text: string): ReturnType<typeof parseMountInfo> {
  if (!text.includes(' - nsfs ')) return [];
  return parseMountInfo(
    text
      .split('\n')
      .filter((line) => line.includes(' - nsfs '))
      .join('\n'),
  );
}

export interface NsPinScan {
  readonly pins: PinnedNs[];
  /** Unreadable fd directories or mountinfo files (not root, hidepid); vanished ones are skipped. */
  readonly gaps: Gap[];
}

export function collectNsPins(root: HostRoot, processes: readonly Process[]): NsPinScan {
  const pins: PinnedNs[] = [];
  const gaps: Gap[] = [];
  const keep = (g: Gap): void => {
    if (g.reason !== 'gone' && g.reason !== 'absent') gaps.push(g);
  };

  const byMnt = new Map<number, Process[]>();
  for (const p of processes) {
    const mnt = p.namespaces.mnt;
    if (mnt === undefined) continue;
    const list = byMnt.get(mnt);
    if (list) list.push(p);
    else byMnt.set(mnt, [p]);
  }
  for (const [mntNs, members] of byMnt) {
    // Try members in turn: the first may exit between the scan and this read.
    for (const p of members) {
      const r = readParsed(root, `/proc/${p.pid}/mountinfo`, nsfsMounts);
      if (!r.ok) {
        keep(r.gap);
        if (r.gap.reason === 'gone' || r.gap.reason === 'absent') continue;
        break;
      }
      for (const m of r.value) {
        if (m.fsType !== 'nsfs') continue;
        const ref = nsRef(m.root);
        if (ref) pins.push({ ...ref, pin: { kind: 'mount', path: m.mountPoint, mntNs, pid: p.pid } });
      }
      break;
    }
  }

  for (const p of processes) {
    if (p.kernelThread) continue;
    const dir = `/proc/${p.pid}/fd`;
    const fds = root.readDir(dir);
    if (!fds.ok) {
      keep(fds.gap);
      continue;
    }
    for (const fd of fds.value) {
      const link = root.readLink(`${dir}/${fd}`);
      if (!link.ok) continue; // closed since the listing
      const ref = nsRef(link.value);
      if (ref) pins.push({ ...ref, pin: { kind: 'fd', pid: p.pid, fd: Number(fd), comm: p.comm } });
    }
  }
  return { pins, gaps };
}
