#!/usr/bin/env node
/**
 * The floor under `ctrscope inspect PID --no-rates` on a cgroup v1 (or hybrid) host such as the
 * bench's, where the container may be a hand-made one no engine knows: the reads any program
 * must do to report one container among many, in Node, with nothing parsed beyond finding the
 * next file to read and nothing printed. Run by scripts/bench-floor.mjs as its own process, so
 * that Node's start-up is counted as it is for ctrscope.
 *   - the target's 8 namespace links and cgroup file, and kthreadd's links (the host's: pid 1's may be unreadable, as here);
 *   - per process: its pid namespace link (is it a member), and for each process that is not, the
 *     links of the container's other private namespace types (a partial member, which inspect
 *     lists);
 *   - the cgroup.procs of each of the container's cgroups but the root ones: how many processes
 *     each holds besides the container's (whether its usage is its own, where a limit binds);
 *     under a root cgroup, every process is (the listing tells how many);
 *   - per member: stat, status and cmdline (the process tree, its uids and capabilities);
 *   - the container's mountinfo and the host's (its filesystem and mount findings), its uid_map
 *     and LSM label;
 *   - its 16 v1 cgroup files and the root-level ones it shares (collectors/resources.ts);
 *   - its network namespace: its 2 UDP socket files and one netlink visit (links, addresses,
 *     routes, listening TCP), and the host's link dump (the host end of a veth);
 *   - the kernel log read to its end (the container's past OOM kills), one record per read(2).
 * Needs root.   node scripts/lib/floor-inspect.mjs PID
 */
import { closeSync, constants, openSync, readdirSync, readSync } from 'node:fs';
import { link, netlinkReads, read, SHARED_ROOT, V1_FILES } from './floor-reads.mjs';

const target = process.argv[2];
const TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];
const host = Object.fromEntries(TYPES.map((t) => [t, link(`/proc/2/ns/${t}`)]));
const own = Object.fromEntries(TYPES.map((t) => [t, link(`/proc/${target}/ns/${t}`)]));
const cgroup = read(`/proc/${target}/cgroup`);
const others = TYPES.filter((t) => t !== 'pid' && own[t] !== host[t]);
const members = [];
for (const e of readdirSync('/proc')) {
  if (e.charCodeAt(0) > 57) continue;
  if (link(`/proc/${e}/ns/pid`) === own.pid) {
    members.push(e);
    continue;
  }
  for (const t of others) link(`/proc/${e}/ns/${t}`);
}
for (const p of members) {
  read(`/proc/${p}/stat`);
  read(`/proc/${p}/status`);
  read(`/proc/${p}/cmdline`);
}
read(`/proc/${target}/mountinfo`);
read('/proc/1/mountinfo');
read(`/proc/${target}/uid_map`);
read(`/proc/${target}/attr/current`);
for (const line of cgroup.split('\n')) {
  const [, controllers, path] = line.split(':');
  for (const c of controllers?.split(',') ?? []) for (const f of V1_FILES[c] ?? []) read(`/sys/fs/cgroup/${c === 'cpuacct' || c === 'cpu' ? c : controllers}${path}/${f}`);
  if (controllers !== undefined && !controllers.startsWith('name=') && path && path !== '/') read(`/sys/fs/cgroup/${controllers === '' ? 'unified' : controllers}${path}/cgroup.procs`);
}
for (const f of SHARED_ROOT) read(`/sys/fs/cgroup/${f}`);
if (own.net !== host.net) {
  for (const f of ['udp', 'udp6']) read(`/proc/${target}/net/${f}`);
  netlinkReads(Number(target));
  netlinkReads(2, { listening: false });
}
const kmsg = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
const record = Buffer.allocUnsafe(8192 + 256);
for (;;) {
  try {
    if (readSync(kmsg, record) <= 0) break;
  } catch (err) {
    if (err.code !== 'EPIPE') break; // EAGAIN: the end
  }
}
closeSync(kmsg);
