#!/usr/bin/env node
/**
 * The floor under `ctrscope ps --json --no-rates` on a cgroup v1 (or hybrid) host such as the
 * bench's: the reads it cannot do without, in Node, with nothing parsed beyond finding the next
 * file to read and nothing printed. Run by scripts/bench-floor.mjs as its own process, so that
 * Node's start-up is counted as it is for ctrscope.
 *   - per process: stat, cgroup and the 8 namespace links (grouping);
 *   - per container (a process in a pid namespace of its own, one per cgroup): the status and
 *     cmdline of each of its processes, and its 16 v1 cgroup files (CPU usage and split,
 *     cpu.stat, quota, period, shares, memory usage, stat, OOM control, limit, swap limit,
 *     soft limit, kmem usage, failcnt, pids current and max);
 *   - per mount namespace of a container: mountinfo;
 *   - per network namespace of a container: net/dev (the observer's counters), route, fib_trie,
 *     if_inet6, ipv6_route, udp and udp6, and from inside the namespace (setns, as ctrscope does
 *     through koffi) one RTM_GETLINK dump and the IPv4 and IPv6 listening-TCP sock_diag dumps.
 * Each root-level file a container without a cgroup of its own in blkio, cpuset or freezer
 * shares is read once, as ctrscope does. Needs root.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';

const koffi = createRequire(import.meta.url)('koffi');
const lib = koffi.load(null);
const open = lib.func('int open(const char *path, int flags)');
const close = lib.func('int close(int fd)');
const setns = lib.func('int setns(int fd, int nstype)');
const socket = lib.func('int socket(int domain, int type, int protocol)');
const send = lib.func('long send(int fd, void *buf, unsigned long len, int flags)');
const recv = lib.func('long recv(int fd, void *buf, unsigned long len, int flags)');
const CLONE_NEWNET = 0x40000000;
const O_CLOEXEC = 0o2000000;
const home = open('/proc/thread-self/ns/net', O_CLOEXEC);
const buf = Buffer.allocUnsafe(65536);

const linkRequest = Buffer.alloc(32);
linkRequest.writeUInt32LE(32, 0);
linkRequest.writeUInt16LE(18, 4); // RTM_GETLINK
linkRequest.writeUInt16LE(0x301, 6); // NLM_F_REQUEST | NLM_F_DUMP
const diagRequest = (family) => {
  const r = Buffer.alloc(72);
  r.writeUInt32LE(72, 0);
  r.writeUInt16LE(20, 4); // SOCK_DIAG_BY_FAMILY
  r.writeUInt16LE(0x301, 6);
  r.writeUInt8(family, 16);
  r.writeUInt8(6, 17); // IPPROTO_TCP
  r.writeUInt32LE(1 << 10, 20); // TCP_LISTEN
  return r;
};
const diagRequests = [diagRequest(2), diagRequest(10)];

/** Send a dump request and receive until NLMSG_DONE or an error. */
function dump(fd, request) {
  send(fd, request, request.length, 0);
  for (;;) {
    const n = recv(fd, buf, buf.length, 0);
    if (n <= 0) return;
    for (let off = 0; off + 16 <= n; ) {
      const len = buf.readUInt32LE(off);
      const type = buf.readUInt16LE(off + 4);
      if (type === 2 || type === 3 || len < 16) return; // NLMSG_ERROR, NLMSG_DONE
      off += (len + 3) & ~3;
    }
  }
}

function netlinkReads(pid) {
  const ns = open(`/proc/${pid}/ns/net`, O_CLOEXEC);
  if (ns < 0) return;
  setns(ns, CLONE_NEWNET);
  const route = socket(16, 2 | O_CLOEXEC, 0);
  const diag = socket(16, 2 | O_CLOEXEC, 4);
  setns(home, CLONE_NEWNET);
  close(ns);
  dump(route, linkRequest);
  for (const r of diagRequests) dump(diag, r);
  close(route);
  close(diag);
}

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
const link = (path) => {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
};
const V1_FILES = {
  cpuacct: ['cpuacct.usage', 'cpuacct.stat'],
  cpu: ['cpu.stat', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares'],
  memory: ['memory.usage_in_bytes', 'memory.stat', 'memory.oom_control', 'memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.kmem.usage_in_bytes', 'memory.failcnt'],
  pids: ['pids.current', 'pids.max'],
};
const SHARED_ROOT = ['blkio/blkio.throttle.read_bps_device', 'blkio/blkio.throttle.write_bps_device', 'blkio/blkio.throttle.read_iops_device', 'blkio/blkio.throttle.write_iops_device', 'cpuset/cpuset.effective_cpus', 'freezer/freezer.state'];

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
    for (const f of ['dev', 'route', 'fib_trie', 'if_inet6', 'ipv6_route', 'udp', 'udp6']) read(`/proc/${e}/net/${f}`);
    netlinkReads(Number(e));
  }
}
read('/proc/1/mountinfo');
netlinkReads(2);
for (const f of SHARED_ROOT) read(`/sys/fs/cgroup/${f}`);
for (const [cgroup, pids] of containers) {
  for (const p of pids) {
    read(`/proc/${p}/status`);
    read(`/proc/${p}/cmdline`);
  }
  for (const line of cgroup.split('\n')) {
    const [, controllers, path] = line.split(':');
    for (const c of controllers?.split(',') ?? []) for (const f of V1_FILES[c] ?? []) read(`/sys/fs/cgroup/${c === 'cpuacct' || c === 'cpu' ? c : controllers}/${path}/${f}`);
  }
}
