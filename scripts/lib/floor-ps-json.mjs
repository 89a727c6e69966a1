#!/usr/bin/env node
/**
 * The floor under `ctrscope ps --json --no-rates` on a cgroup v1 (or hybrid) host such as the
 * bench's: the reads it cannot do without, in Node, with nothing parsed beyond finding the next
 * file to read and nothing printed. Run by scripts/bench-floor.mjs as its own process, so that
 * Node's start-up is counted as it is for ctrscope.
 *   - per process: stat, cgroup and the 8 namespace links (grouping);
 *   - per container (a process in a pid namespace of its own, one per cgroup): the status of
 *     each of its processes, the cmdline of its first (its command), and its 16 v1 cgroup files
 *     (CPU usage and split, cpu.stat, quota, period, shares, memory usage, stat, OOM control,
 *     limit, swap limit, soft limit, kmem usage, failcnt, pids current and max);
 *   - per mount namespace of a container: mountinfo;
 *   - per network namespace of a container: udp and udp6, and from inside the namespace (setns,
 *     as ctrscope does through koffi) the RTM_GETLINK, RTM_GETADDR and RTM_GETROUTE dumps and one
 *     listening-TCP sock_diag dump of both families.
 * Each root-level file a container without a cgroup of its own in blkio, cpuset or freezer
 * shares is read once, as ctrscope does. Needs root.
 */
import { readdirSync } from 'node:fs';
import { link, netlinkReads, read, SHARED_ROOT, V1_FILES } from './floor-reads.mjs';

const hostPid = link('/proc/2/ns/pid');
const hostMnt = link('/proc/2/ns/mnt');
const hostNet = link('/proc/2/ns/net');
const containers = new Map(); // cgroup text -> pids
const mntSeen = new Set();
const netSeen = new Set();
for (const e of readdirSync('/proc')) {
  if (e.charCodeAt(0) > 57) continue;
  read(`/proc/${e}/stat`);
  const cgroup = read(`/proc/${e}/cgroup`);
  const ns = {};
  for (const t of ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts']) ns[t] = link(`/proc/${e}/ns/${t}`);
  if (ns.pid === '' || ns.pid === hostPid) continue;
  const members = containers.get(cgroup) ?? [];
  containers.set(cgroup, members);
  members.push(e);
  if (ns.mnt !== hostMnt && !mntSeen.has(ns.mnt)) {
    mntSeen.add(ns.mnt);
    read(`/proc/${e}/mountinfo`);
  }
  if (ns.net !== hostNet && !netSeen.has(ns.net)) {
    netSeen.add(ns.net);
    for (const f of ['udp', 'udp6']) read(`/proc/${e}/net/${f}`);
    netlinkReads(Number(e));
  }
}
read('/proc/1/mountinfo');
netlinkReads(2);
for (const f of SHARED_ROOT) read(`/sys/fs/cgroup/${f}`);
for (const [cgroup, pids] of containers) {
  for (const p of pids) read(`/proc/${p}/status`);
  read(`/proc/${pids[0]}/cmdline`);
  for (const line of cgroup.split('\n')) {
    const [, controllers, path] = line.split(':');
    for (const c of controllers?.split(',') ?? []) for (const f of V1_FILES[c] ?? []) read(`/sys/fs/cgroup/${c === 'cpuacct' || c === 'cpu' ? c : controllers}/${path}/${f}`);
  }
}
