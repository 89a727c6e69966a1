#!/usr/bin/env node
/**
 * The floor under one `ctrscope top` refresh in Node: the least any Node program reading what a
 * frame shows costs, with every descriptor kept open between refreshes (pread), nothing parsed,
 * nothing grouped, nothing printed. Run beside the containers to measure (bench-top's, bench's,
 * or any others on the host).
 *
 * The containers and their files are found once, before the loop, from `ctrscope ps --json`
 * (a build, dist/ctrscope.mjs): each container's cgroup directory per v1 controller (its
 * /proc/<pid>/cgroup) and one process per network namespace. Then, per refresh, each variant
 * reads:
 *   counters    per container: cpuacct.usage, memory.usage_in_bytes, memory.stat, pids.current,
 *               cpu.stat (where a CFS quota is set), the two blkio throttle files (where the
 *               container has a blkio cgroup of its own), and /proc/<pid>/net/dev per network
 *               namespace: the figures of a row (CPU, memory working set, pids, throttling, IO,
 *               NET); on a cgroup2-only host the v2 equivalents (cpu.stat, memory.current,
 *               memory.stat, pids.current, io.stat);
 *   + quiet     + the /proc listing and /proc/loadavg (has a process been born or gone?);
 *   + stat      + every process's /proc/<pid>/stat (what a refresh reads when one has);
 *   visible     the dashboard's floor if it read only what is on screen: the sort column's
 *               counter (CPU usage) of every container, the other files of VISIBLE (45, a
 *               160x50 terminal) containers, the /proc listing and /proc/loadavg.
 * It prints, per variant, CPU (user + system of this process, process.cpuUsage) per refresh in
 * ms and as % of one core at a 1 s refresh, median of ROUNDS rounds of REFRESHES refreshes each,
 * INTERVAL ms apart (1000 by default; less is quicker and reads the same files).
 *
 *   node scripts/bench-top-floor.mjs [REFRESHES=10] [ROUNDS=3] [INTERVAL_MS=1000]
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [REFRESHES = 10, ROUNDS = 3, INTERVAL = 1000] = process.argv.slice(2).map(Number);
const BIN = fileURLToPath(new URL('../dist/ctrscope.mjs', import.meta.url));
if (!existsSync(BIN)) {
  console.error(`bench-top-floor: ${BIN} missing; build it first (npm run build)`);
  process.exit(1);
}

const CG = '/sys/fs/cgroup';
const ps = JSON.parse(execFileSync(process.execPath, [BIN, 'ps', '--json', '--no-rates'], { encoding: 'utf8', maxBuffer: 1 << 28 }));
const v2only = !existsSync(`${CG}/memory`) && existsSync(`${CG}/cgroup.controllers`);

/** Per controller (v1) or '' (v2), the cgroup path of a process. */
function cgroupsOf(pid) {
  const out = new Map();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) for (const c of m[1].split(',')) out.set(c, m[2]);
  }
  return out;
}

const paths = [];
/** Per container, the index in `paths` of its CPU usage counter and of its other files. */
const byContainer = [];
const VISIBLE = 45;
const netnsSeen = new Set();
for (const c of ps.containers) {
  const first = paths.length;
  let cg;
  try {
    cg = cgroupsOf(c.pid);
  } catch {
    continue; // gone since ps
  }
  const own = (ctrl) => {
    const p = cg.get(ctrl);
    return p !== undefined && p !== '/' ? p : null;
  };
  if (v2only) {
    const p = own('');
    if (p !== null) for (const f of ['cpu.stat', 'memory.current', 'memory.stat', 'pids.current', 'io.stat']) paths.push(`${CG}${p}/${f}`);
  } else {
    const at = (ctrl, files) => {
      const p = own(ctrl);
      if (p !== null) for (const f of files) paths.push(`${CG}/${ctrl}${p}/${f}`);
    };
    at('cpuacct', ['cpuacct.usage']);
    at('memory', ['memory.usage_in_bytes', 'memory.stat']);
    at('pids', ['pids.current']);
    const cpu = own('cpu');
    if (cpu !== null && readFileSync(`${CG}/cpu${cpu}/cpu.cfs_quota_us`, 'utf8').trim() !== '-1') paths.push(`${CG}/cpu${cpu}/cpu.stat`);
    at('blkio', ['blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_serviced_recursive']);
  }
  if (!c.hostNamespaces.includes('net') && !netnsSeen.has(c.namespaces.net)) {
    netnsSeen.add(c.namespaces.net);
    paths.push(`/proc/${c.pid}/net/dev`);
  }
  if (paths.length > first) byContainer.push({ first, end: paths.length });
}

const buf = Buffer.alloc(64 * 1024);
const fds = paths.map((p) => openSync(p, 'r'));
const readCounters = () => {
  for (const fd of fds) readSync(fd, buf, 0, buf.length, 0);
};
const loadavg = openSync('/proc/loadavg', 'r');
const statFds = new Map();
// The usage counter is each container's first file (cpuacct.usage, or cpu.stat on cgroup2).
const cpuOnly = byContainer.map((c) => c.first);
const shown = byContainer.slice(0, VISIBLE).flatMap((c) => Array.from({ length: c.end - c.first - 1 }, (_, i) => c.first + 1 + i));
const variants = {
  counters: () => readCounters(),
  '+ quiet': () => {
    readCounters();
    readdirSync('/proc');
    readSync(loadavg, buf, 0, buf.length, 0);
  },
  visible: () => {
    for (const i of cpuOnly) readSync(fds[i], buf, 0, buf.length, 0);
    for (const i of shown) readSync(fds[i], buf, 0, buf.length, 0);
    readdirSync('/proc');
    readSync(loadavg, buf, 0, buf.length, 0);
  },
  '+ stat': () => {
    readCounters();
    readSync(loadavg, buf, 0, buf.length, 0);
    for (const e of readdirSync('/proc')) {
      if (e.charCodeAt(0) > 57) continue;
      let fd = statFds.get(e);
      try {
        if (fd === undefined) statFds.set(e, (fd = openSync(`/proc/${e}/stat`, 'r')));
        readSync(fd, buf, 0, buf.length, 0);
      } catch {
        if (fd !== undefined) closeSync(fd);
        statFds.delete(e);
      }
    }
  },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (const f of Object.values(variants)) f(); // warm-up: first reads, statFds
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, f] of Object.entries(variants)) {
    let spent = 0;
    for (let i = 0; i < REFRESHES; i++) {
      const c0 = cpuMs();
      f();
      spent += cpuMs() - c0;
      await sleep(INTERVAL);
    }
    results[k].push(spent / REFRESHES);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const processes = readFileSync('/proc/loadavg', 'utf8').split(' ')[3];
console.log(`${ps.containers.length} containers, ${netnsSeen.size} network namespaces, ${fds.length} files kept open; processes (running/all) ${processes}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
for (const [k, v] of Object.entries(results)) {
  const m = med(v);
  console.log(`${k.padEnd(10)} ${m.toFixed(2).padStart(7)} ms per refresh (${(m / 10).toFixed(2)}% of one core at 1 s; rounds ${v.map((x) => x.toFixed(1)).join(', ')})`);
}
