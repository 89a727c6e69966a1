/**
 * What the floor programs (scripts/lib/floor-ps-json.mjs, scripts/lib/floor-inspect.mjs) share:
 * reading a file or a link and throwing it away, the v1 cgroup files a container's resources
 * section reads, and one visit by netlink to a network namespace (the link dump and the IPv4 and
 * IPv6 listening-TCP sock_diag dumps, from inside the namespace through setns, as ctrscope does
 * through koffi). Needs root for the netlink visit.
 */
import { readFileSync, readlinkSync } from 'node:fs';
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
// Both families' listening TCP sockets in one dump (TCPDIAG_GETSOCK: struct inet_diag_req), as
// collectors/sock-diag.ts asks.
const diagRequest = Buffer.alloc(76);
diagRequest.writeUInt32LE(76, 0);
diagRequest.writeUInt16LE(18, 4); // TCPDIAG_GETSOCK
diagRequest.writeUInt16LE(0x301, 6);
diagRequest.writeUInt32LE(1 << 10, 16 + 52); // idiag_states: TCP_LISTEN

/** RTM_GETADDR and RTM_GETROUTE dumps of every family (AF_UNSPEC), as collectors/rtnetlink.ts asks. */
const addressRequests = [
  [22, 8], // RTM_GETADDR, struct ifaddrmsg
  [26, 12], // RTM_GETROUTE, struct rtmsg
].map(([type, body]) => {
  const r = Buffer.alloc(16 + body);
  r.writeUInt32LE(16 + body, 0);
  r.writeUInt16LE(type, 4);
  r.writeUInt16LE(0x301, 6);
  return r;
});

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

/**
 * One visit to the network namespace of pid: its link dump and, with `listening` (a container's
 * namespace), its address and route dumps and its listening-TCP dump (IPv4 and IPv6 in one).
 */
export function netlinkReads(pid, { listening = true } = {}) {
  const ns = open(`/proc/${pid}/ns/net`, O_CLOEXEC);
  if (ns < 0) return;
  setns(ns, CLONE_NEWNET);
  const route = socket(16, 2 | O_CLOEXEC, 0);
  const diag = listening ? socket(16, 2 | O_CLOEXEC, 4) : -1;
  setns(home, CLONE_NEWNET);
  close(ns);
  dump(route, linkRequest);
  if (listening) for (const r of addressRequests) dump(route, r);
  close(route);
  if (diag < 0) return;
  dump(diag, diagRequest);
  close(diag);
}

export const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
export const link = (path) => {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
};
export const V1_FILES = {
  cpuacct: ['cpuacct.usage', 'cpuacct.stat'],
  cpu: ['cpu.stat', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares'],
  memory: ['memory.usage_in_bytes', 'memory.stat', 'memory.oom_control', 'memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.kmem.usage_in_bytes', 'memory.failcnt'],
  pids: ['pids.current', 'pids.max'],
};
export const SHARED_ROOT = ['blkio/blkio.throttle.read_bps_device', 'blkio/blkio.throttle.write_bps_device', 'blkio/blkio.throttle.read_iops_device', 'blkio/blkio.throttle.write_iops_device', 'cpuset/cpuset.effective_cpus', 'freezer/freezer.state'];

