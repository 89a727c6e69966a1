#!/usr/bin/env node
// Benchmark: `ctrscope ps --json` against `lsns --json` on the same host, in the same run.
// Creates BENCH_N (default 300) hand-made containers, `unshare --pid --mount --fork` with 3
// processes each (sh as pid 1 and two sleeps), times BENCH_REPS (default 9) alternating runs of
// each command, prints the medians of wall and CPU time and their ratios, and removes every process it started.
// Needs root and util-linux (unshare, lsns). Run with `npm run bench` after `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const N = Number(process.env.BENCH_N ?? 300);
const REPS = Number(process.env.BENCH_REPS ?? 9);
const MARK = `ctrscope-bench-${process.pid}`;
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'dist/ctrscope.mjs');

if (process.geteuid?.() !== 0) {
  console.error('bench: needs root (unshare --pid --mount)');
  process.exit(1);
}
if (!existsSync(cli)) {
  console.error(`bench: ${cli} missing; run npm run build first`);
  process.exit(1);
}

const started = [];
function cleanup() {
  // Each unshare leads its own process group (detached); its pid-namespace init and the sleeps
  // inherit the group, and the kernel kills the rest of a pid namespace when its init dies.
  for (const c of started) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  started.length = 0;
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** ppid of every process, read once. */
function parents() {
  const out = new Map();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = readFileSync(`/proc/${e}/stat`, 'utf8');
      out.set(Number(e), Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited
    }
  }
  return out;
}

function ready() {
  const ppid = parents();
  const kids = new Map();
  for (const [pid, pp] of ppid) kids.set(pp, [...(kids.get(pp) ?? []), pid]);
  let n = 0;
  for (const c of started) {
    const init = kids.get(c.pid)?.[0];
    if (init !== undefined && (kids.get(init)?.length ?? 0) === 2) n++;
  }
  return n;
}

/** CPU time of reaped children (cutime + cstime, /proc/self/stat fields 16-17), in ms. */
function childCpuMs() {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[16 - 3]) + Number(f[17 - 3])) * 10; // USER_HZ is 100
}

/** Wall and CPU time of one run. CPU time is the steadier figure on a machine shared with others. */
function time(cmd, args) {
  const c0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wall, cpu: childCpuMs() - c0 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const c = spawn('unshare', ['--pid', '--mount', '--fork', 'sh', '-c', 'sleep 100000 & sleep 100000 & wait', `${MARK}-${i}`], { stdio: 'ignore', detached: true });
    c.unref();
    started.push(c);
  }
  const deadline = Date.now() + 120_000;
  let n = 0;
  while ((n = ready()) < N) {
    if (Date.now() > deadline) throw new Error(`only ${n} of ${N} containers came up`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const procs = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
  console.log(`bench: ${N} containers (3 processes each) up in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${procs} processes on the host`);

  const found = JSON.parse(spawnSync(cli, ['ps', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout);
  const mine = found.containers.filter((c) => c.engine === null && c.processes.length === 3 && String(c.command.at(-1)).startsWith(MARK)).length;
  console.log(`bench: ctrscope ps found ${mine} of the ${N} bench containers (${found.containers.length} containers in all)`);

  // `ps --json` samples CPU counters twice, --interval (0.5 s) apart, for CPU% and NET rates;
  // `--no-rates` takes one sample and is the like-for-like comparison with lsns, which has no
  // rates. Both are timed.
  const commands = [
    // The bin itself, as users run it (npx ctrscope).
    ['ctrscope ps --json --no-rates', cli, ['ps', '--json', '--no-rates']],
    ['ctrscope ps --json', cli, ['ps', '--json']],
    ['lsns --json', 'lsns', ['--json']],
  ];
  const runs = commands.map(() => []);
  for (const [, cmd, args] of commands) time(cmd, args); // warm the page cache
  for (let r = 0; r < REPS; r++) commands.forEach(([, cmd, args], i) => runs[i].push(time(cmd, args)));
  for (const what of ['wall', 'cpu']) {
    console.log(`${what === 'wall' ? 'wall time' : 'CPU time (user+sys)'}:`);
    const lsns = median(runs[2].map((r) => r[what]));
    commands.forEach(([label], i) => {
      const m = median(runs[i].map((r) => r[what]));
      const ratio = i === 2 ? '' : `  ratio to lsns ${(m / lsns).toFixed(2)}`;
      console.log(`  ${label.padEnd(30)} median ${m.toFixed(0).padStart(5)} ms${ratio}  (runs: ${runs[i].map((r) => r[what].toFixed(0)).join(' ')})`);
    });
  }
} finally {
  cleanup();
}
