#!/usr/bin/env node
/**
 * The floor under `ctrscope ns` and `ps` in Node: the least any Node program reading what they
 * must read costs, timed against `lsns --json` on the same host in the same run. Per process:
 * stat, cgroup and the 8 namespace links (what grouping needs); nothing parsed, nothing printed.
 * Then the same for `ps --json --no-rates` on a cgroup v1 host (scripts/lib/floor-ps-json.mjs:
 * members' status and argv, each container's cgroup files, mountinfo, network files and netlink
 * dumps), and that build's `ps --json --no-rates` itself (dist/ctrscope.mjs, when built).
 * Run after `npm run bench` leaves nothing, or alongside a host of containers (bench's builder).
 *
 *   node scripts/bench-floor.mjs [REPS=5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPS = Number(process.argv[2] ?? 5);
const reads = `
const fs = require('fs');
for (const e of fs.readdirSync('/proc')) {
  if (e.charCodeAt(0) > 57) continue;
  try {
    fs.readFileSync('/proc/' + e + '/stat', 'utf8');
    fs.readFileSync('/proc/' + e + '/cgroup', 'utf8');
    for (const t of ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts']) fs.readlinkSync('/proc/' + e + '/ns/' + t);
  } catch {}
}`;
const childCpuMs = () => {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
};
const cli = fileURLToPath(new URL('../dist/ctrscope.mjs', import.meta.url));
const runs = {
  'lsns --json': ['lsns', ['--json']],
  'node -e 0 (start-up)': [process.execPath, ['-e', '0']],
  'node: stat, cgroup, 8 ns links per process': [process.execPath, ['-e', reads]],
  'node: what ps --json --no-rates reads': [process.execPath, [fileURLToPath(new URL('lib/floor-ps-json.mjs', import.meta.url))]],
  ...(existsSync(cli) ? { 'ctrscope ps --json --no-rates': [process.execPath, [cli, 'ps', '--json', '--no-rates']] } : {}),
};
const out = Object.fromEntries(Object.keys(runs).map((k) => [k, { wall: [], cpu: [] }]));
for (let r = 0; r < REPS; r++) {
  for (const [k, [cmd, args]] of Object.entries(runs)) {
    const c0 = childCpuMs();
    const t0 = performance.now();
    spawnSync(cmd, args, { stdio: 'ignore', maxBuffer: 1 << 26 });
    out[k].wall.push(performance.now() - t0);
    out[k].cpu.push(childCpuMs() - c0);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lsns = out['lsns --json'];
const processes = readFileSync('/proc/loadavg', 'utf8').split(' ')[3];
console.log(`processes (running/all): ${processes}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
for (const [k, v] of Object.entries(out)) {
  console.log(`${k.padEnd(45)} wall ${med(v.wall).toFixed(0).padStart(6)} ms (${(med(v.wall) / med(lsns.wall)).toFixed(2)}x)  CPU ${String(med(v.cpu)).padStart(5)} ms (${(med(v.cpu) / med(lsns.cpu)).toFixed(2)}x)`);
}
