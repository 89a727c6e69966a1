/**
 * What the kernel says about a process, read straight from /proc, for integration tests to hold
 * ctrscope's output against: namespace inodes, cgroup lines, parent pid, argv.
 */
import { existsSync, readFileSync, readlinkSync, rmdirSync } from 'node:fs';
import { expect } from 'vitest';
import { openHostRoot, type HostRoot } from '../../collectors/host-root.js';
import type { PsJson, PsJsonContainer } from './host.js';

const NS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;

export function nsInode(pid: number, t: string): number {
  return Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${t}`))?.[1]);
}

/** The live root reading a network namespace's files (net/*, its sysfs) as a host tree would: no netlink. */
export function filesOnlyRoot(): HostRoot {
  const root = openHostRoot('/');
  delete (root as { netnsNetlink?: unknown }).netnsNetlink;
  return root;
}

/** `/proc/<pid>/cgroup` as hierarchy id → path, with `name=systemd` and `0` (unified) among the keys. */
export function cgroupLines(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, ctrls, path] = m as unknown as [string, string, string];
    for (const c of ctrls === '' ? ['0'] : ctrls.split(',')) out.set(c, path);
  }
  return out;
}

export function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

export function argvOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
}

/**
 * The container's namespaces are the kernel's for its first process, and its host namespaces
 * are exactly the types it shares with kthreadd (pid 2, the host reference on this machine).
 */
export function expectNamespacesOf(c: PsJsonContainer, pid: number): void {
  for (const t of NS) expect(c.namespaces[t], `${t} namespace`).toBe(nsInode(pid, t));
  expect(new Set(c.hostNamespaces)).toEqual(new Set(NS.filter((t) => nsInode(pid, t) === nsInode(2, t))));
}

/** Exactly one container holds pid, and none is an engine-less duplicate of the same pid namespace. */
export function onlyContainerWith(doc: PsJson, pid: number): PsJsonContainer | undefined {
  const holders = doc.containers.filter((x) => x.pids.includes(pid));
  expect(holders.map((x) => x.id)).toHaveLength(1);
  return holders[0];
}

/** rmdir cgroup directories an engine left behind, in every mounted hierarchy; busy ones stay. */
export function removeCgroupDirs(relPaths: Iterable<string>): void {
  const roots = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => l.split(' ')[4] as string);
  for (const rel of relPaths) {
    for (const r of roots) {
      const dir = `${r}${rel}`;
      if (!existsSync(dir)) continue;
      try {
        rmdirSync(dir);
      } catch {
        // still in use by a process we did not start, or not empty: leave it
      }
    }
  }
}
