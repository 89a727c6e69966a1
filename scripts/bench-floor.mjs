#!/usr/bin/env node
/**
 * The floor under `ctrscope ns` and the `ps` table in Node: the least any Node program reading
 * what they must read costs, timed against `lsns --json` and against ctrscope itself on the same
 * host in the same rounds. The floor programs read and throw away: nothing parsed beyond finding
 * the next file to read, nothing printed.
 *  - start-up: `node -e 0`;
 *  - grouping's reads, per process: stat, cgroup and the 8 namespace links (lsns reads stat,
 *    cmdline and the same 8 links);
 *  - `ns`'s reads: grouping's, plus pid_for_children and time_for_children, status and cmdline of
 *    the first process of each pid namespace (a container's first-process candidates), the fds
 *    of every process (namespaces pinned by an open fd: one readlink per fd) and the mountinfo of
 *    one process per mount namespace (pinned by an nsfs bind mount);
 *  - the `ps` table's reads: grouping's, plus status and cmdline of the first process of each pid
 *    namespace, and per distinct v1 memory cgroup below the root the 5 files a row shows
 *    (cpuacct.usage, memory.usage_in_bytes and memory.limit_in_bytes, pids.current and pids.max);
 *    and the same reads after loading the code `ctrscope ps` runs (its chunk and every module it
 *    imports, run nothing): what is left of lsns's time is what parsing, grouping, the model and
 *    printing may take;
 *  - `ps --json --no-rates`'s reads on a cgroup v1 host (scripts/lib/floor-ps-json.mjs, its own
 *    program: it asks netlink through koffi): grouping's, status and cmdline of every container
 *    member, each container's 16 cgroup files, one mountinfo per mount namespace, and per network
 *    namespace 7 net files and one visit by netlink (the link dump, the listening-TCP dumps);
 *  - `inspect PID --no-rates`'s reads (scripts/lib/floor-inspect.mjs, its own program): each
 *    process's pid namespace link and cgroup, the links that show a partial member, and the one
 *    container's own files, netlink dumps and the kernel log. PID is the first process of a
 *    container (pid 1 of a pid namespace other than the host's) unless --inspect names one;
 *    ctrscope's `inspect PID --no-rates` and `--json --no-rates` are timed in the same rounds, and
 *    with --baseline FILE another build's too (before/after under the same load).
 * Run alongside a host of containers (scripts/lib/handmade.mjs builds them; `npm run bench` does
 * and removes them). Prints the median wall and CPU time (user + system, children included) of
 * each, as a multiple of lsns's, and ctrscope's as a multiple of its own floor.
 *
 *   node scripts/bench-floor.mjs [REPS=5] [--cli FILE] [--baseline FILE] [--inspect PID] [--only WORD]
 * FILE: a built dist/ctrscope.mjs; --only times lsns and the runs whose name holds WORD only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const cliAt = argv.indexOf('--cli');
const CLI = cliAt < 0 ? fileURLToPath(new URL('../dist/ctrscope.mjs', import.meta.url)) : argv.splice(cliAt, 2)[1];
const option = (name) => {
  const at = argv.indexOf(name);
  return at < 0 ? null : argv.splice(at, 2)[1];
};
const BASELINE = option('--baseline');
const ONLY = option('--only');
const INSPECT = option('--inspect') ?? firstContainerProcess();
const REPS = Number(argv[0] ?? 5);
if (!(REPS >= 1) || !existsSync(CLI) || (BASELINE !== null && !existsSync(BASELINE)) || INSPECT === null) {
  console.error(`usage: node scripts/bench-floor.mjs [REPS] [--cli FILE] [--baseline FILE] [--inspect PID] [--only WORD]; ${CLI} must exist (npm run build), and a container run`);
  process.exit(2);
}

/** The lowest host pid that is pid 1 of a pid namespace other than the host's (kthreadd's), or null. */
function firstContainerProcess() {
  const hostPidNs = readlinkSync('/proc/2/ns/pid');
  const pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/pid`) === hostPidNs) continue;
      if (/^NSpid:.*\s1$/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))) return String(pid);
    } catch {} // exited
  }
  return null;
}

// The programs share one prelude: every process's grouping reads, and who is first in its pid
// and mount namespaces.
const prelude = `
const fs = require('fs');
const text = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch { return null; } };
const pids = fs.readdirSync('/proc').filter((e) => e.charCodeAt(0) <= 57);
const firstInPidNs = new Map(), firstInMntNs = new Map(), memCgroups = new Set();
for (const e of pids) {
  const dir = '/proc/' + e;
  text(dir + '/stat');
  const cg = text(dir + '/cgroup');
  const links = {};
  for (const t of LINKS) { try { links[t] = fs.readlinkSync(dir + '/ns/' + t); } catch {} }
  if (links.pid && !firstInPidNs.has(links.pid)) firstInPidNs.set(links.pid, e);
  if (links.mnt && !firstInMntNs.has(links.mnt)) firstInMntNs.set(links.mnt, e);
  const mem = cg && /:memory:(\\/[^\\n]+)/.exec(cg);
  if (mem && mem[1] !== '/') memCgroups.add(mem[1]);
}
const candidates = () => { for (const e of firstInPidNs.values()) { text('/proc/' + e + '/status'); text('/proc/' + e + '/cmdline'); } };
`;
const grouping = `const LINKS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];${prelude}`;
const ns = `const LINKS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts', 'pid_for_children', 'time_for_children'];${prelude}
candidates();
for (const e of pids) {
  let fds;
  try { fds = fs.readdirSync('/proc/' + e + '/fd'); } catch { continue; }
  for (const fd of fds) { try { fs.readlinkSync('/proc/' + e + '/fd/' + fd); } catch {} }
}
for (const e of firstInMntNs.values()) text('/proc/' + e + '/mountinfo');
`;
const psTable = `${grouping}
candidates();
for (const path of memCgroups) {
  text('/sys/fs/cgroup/cpuacct' + path + '/cpuacct.usage');
  text('/sys/fs/cgroup/memory' + path + '/memory.usage_in_bytes');
  text('/sys/fs/cgroup/memory' + path + '/memory.limit_in_bytes');
  text('/sys/fs/cgroup/pids' + path + '/pids.current');
  text('/sys/fs/cgroup/pids' + path + '/pids.max');
}
`;
const psChunk = readdirSync(join(dirname(CLI), 'chunks')).find((f) => /^ps-\w+\.mjs$/.test(f));
if (!psChunk) throw new Error(`no ps chunk beside ${CLI}`);
const psTableLoaded = `(async () => { await import(${JSON.stringify(join(dirname(CLI), 'chunks', psChunk))}); ${psTable} })();`;
const childCpuMs = () => {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
};
const node = process.execPath;
const runs = {
  'lsns --json': ['lsns', ['--json']],
  'floor: node -e 0 (start-up)': [node, ['-e', '0']],
  'floor: grouping reads (stat, cgroup, 8 ns links)': [node, ['-e', grouping]],
  'floor: what ns reads': [node, ['-e', ns]],
  'ctrscope ns --json': [node, [CLI, 'ns', '--json']],
  'floor: what the ps table reads': [node, ['-e', psTable]],
  'floor: the same, with the code of ps loaded': [node, ['-e', psTableLoaded]],
  'ctrscope ps --no-rates': [node, [CLI, 'ps', '--no-rates']],
  'floor: what ps --json --no-rates reads': [node, [fileURLToPath(new URL('lib/floor-ps-json.mjs', import.meta.url))]],
  'ctrscope ps --json --no-rates': [node, [CLI, 'ps', '--json', '--no-rates']],
  [`floor: what inspect ${INSPECT} --no-rates reads`]: [node, [fileURLToPath(new URL('lib/floor-inspect.mjs', import.meta.url)), INSPECT]],
  'ctrscope inspect --no-rates': [node, [CLI, 'inspect', INSPECT, '--no-rates']],
  'ctrscope inspect --json --no-rates': [node, [CLI, 'inspect', INSPECT, '--json', '--no-rates']],
  ...(BASELINE
    ? {
        'baseline: inspect --no-rates': [node, [BASELINE, 'inspect', INSPECT, '--no-rates']],
        'baseline: inspect --json --no-rates': [node, [BASELINE, 'inspect', INSPECT, '--json', '--no-rates']],
      }
    : {}),
};
for (const k of Object.keys(runs)) if (ONLY !== null && k !== 'lsns --json' && !k.includes(ONLY)) delete runs[k];
const inspectFloor = `floor: what inspect ${INSPECT} --no-rates reads`;
const floorOf = {
  'ctrscope ns --json': 'floor: what ns reads',
  'ctrscope ps --no-rates': 'floor: what the ps table reads',
  'ctrscope ps --json --no-rates': 'floor: what ps --json --no-rates reads',
  'ctrscope inspect --no-rates': inspectFloor,
  'ctrscope inspect --json --no-rates': inspectFloor,
  'baseline: inspect --no-rates': inspectFloor,
  'baseline: inspect --json --no-rates': inspectFloor,
};
const baselineOf = { 'ctrscope inspect --no-rates': 'baseline: inspect --no-rates', 'ctrscope inspect --json --no-rates': 'baseline: inspect --json --no-rates' };
const out = Object.fromEntries(Object.keys(runs).map((k) => [k, { wall: [], cpu: [] }]));
for (let r = 0; r < REPS; r++) {
  for (const [k, [cmd, args]] of Object.entries(runs)) {
    const c0 = childCpuMs();
    const t0 = performance.now();
    const res = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
    if (res.status !== 0) throw new Error(`${k}: exit ${res.status}: ${res.stderr}`);
    out[k].wall.push(performance.now() - t0);
    out[k].cpu.push(childCpuMs() - c0);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lsns = out['lsns --json'];
const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ');
console.log(`processes (running/all): ${loadavg[3]}; load ${loadavg[0]}; ${REPS} rounds, medians`);
for (const [k, v] of Object.entries(out)) {
  const floor = out[floorOf[k]] ?? null;
  const overFloor = floor ? `  over its floor: wall ${(med(v.wall) / med(floor.wall)).toFixed(2)}x, CPU ${(med(v.cpu) / med(floor.cpu)).toFixed(2)}x` : '';
  const base = out[baselineOf[k]] ?? null;
  const overBase = base ? `  over the baseline: wall ${(med(v.wall) / med(base.wall)).toFixed(2)}x, CPU ${(med(v.cpu) / med(base.cpu)).toFixed(2)}x` : '';
  console.log(`${k.padEnd(50)} wall ${med(v.wall).toFixed(0).padStart(6)} ms (${(med(v.wall) / med(lsns.wall)).toFixed(2)}x)  CPU ${String(med(v.cpu)).padStart(5)} ms (${(med(v.cpu) / med(lsns.cpu)).toFixed(2)}x)${overFloor}${overBase}`);
}
