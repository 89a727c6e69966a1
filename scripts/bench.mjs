#!/usr/bin/env node
/**
 * How fast ctrscope is on a host of realistic containers, against `lsns --json` timed in the same
 * run (issue #12's targets). For each N (100, 300 and 1000 by default, growing the same set of
 * containers), it builds hand-made containers shaped like real ones (scripts/lib/handmade.mjs:
 * own pid, mnt, net, uts and ipc namespaces, v1 memory/pids/cpu/cpuacct cgroups with limits, 3
 * processes, a third with a veth on a bridge and a listening TCP socket), then times REPS
 * alternating runs of each command below, after one warm-up run each, and prints the medians of
 * wall and CPU time (user+sys of the command and its children), the ratio of the wall medians to
 * lsns's, and the wall time per container:
 *   lsns --json                                 the reference
 *   ctrscope ns --json                          target <= 1.0x lsns
 *   ctrscope ps --no-rates                      target <= 1.0x lsns
 *   ctrscope ps --json --no-rates               target <= 1.5x lsns
 *   ctrscope ps --json                          rates over 0.5 s: target 0.5 s + <= 0.1 s over the no-rates run
 *                                               (below 0.5 s over it when the observation overlaps
 *                                               the interval: only the counters are read after it)
 *   ctrscope inspect <pid> --no-rates           one container, target <= 0.5 s
 * and then `top --batch --interval 1`: its CPU per refresh over TOP_SECONDS after 3 s of warm-up.
 * Wall time is what the targets are stated in; on a machine shared with other work, the CPU
 * columns are the steadier figures. Before timing each N it waits (3 minutes at most) until the
 * host is 80% idle over 3 s, so that what growing the containers left running does not load the
 * rounds. The 1-minute load average is printed with each N.
 * With `--baseline FILE` (another build's dist/ctrscope.mjs, e.g. of the main branch), the same
 * five ctrscope commands of that build are timed in the same rounds, and each of this build's
 * medians is printed as a ratio to the baseline's: a before and after under the same load.
 * With `--floors`, each N also runs scripts/bench-floor.mjs (R rounds) and
 * scripts/bench-top-floor.mjs beside the containers: what the reads alone cost, the floor under
 * each target (see those scripts).
 * Everything is named ctrscope-bench-<pid>* and removed on exit, Ctrl-C, SIGTERM and failure.
 * Needs root, util-linux (unshare, lsns), iproute2, busybox and `npm run build`.
 *
 *   npm run bench [-- N...] [--reps R] [--top-seconds S] [--baseline FILE] [--floors]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpuTicks, HandmadeContainers } from './lib/handmade.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(argv[i + 1]);
  argv.splice(i, 2);
  return v;
};
const floorsAt = argv.indexOf('--floors');
const FLOORS = floorsAt >= 0 && argv.splice(floorsAt, 1).length === 1;
const baselineAt = argv.indexOf('--baseline');
const BASELINE = baselineAt < 0 ? null : argv.splice(baselineAt, 2)[1];
const REPS = opt('--reps', 5);
const TOP_SECONDS = opt('--top-seconds', 10);
const SIZES = (argv.length ? argv.map(Number) : [100, 300, 1000]).sort((a, b) => a - b);
const INTERVAL_MS = 500; // ps's default --interval
const CLI = fileURLToPath(new URL('../dist/ctrscope.mjs', import.meta.url));
const PREFIX = `ctrscope-bench-${process.pid}`;

if (!SIZES.every((n) => Number.isInteger(n) && n > 0) || !(REPS >= 1) || !(TOP_SECONDS >= 1)) {
  console.error('usage: node scripts/bench.mjs [N...] [--reps R] [--top-seconds S] [--baseline FILE] [--floors]');
  process.exit(2);
}
if (process.geteuid?.() !== 0) {
  console.error('bench: needs root (namespaces, cgroups, veths)');
  process.exit(1);
}
if (!existsSync(CLI)) {
  console.error(`bench: ${CLI} missing; run npm run build first`);
  process.exit(1);
}

const containers = new HandmadeContainers(PREFIX);
let top = null;
function cleanup() {
  top?.kill('SIGKILL');
  containers.remove();
}
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    cleanup();
    process.exit(code);
  });
}

/** CPU time of reaped children (cutime + cstime of /proc/self/stat), in ms. */
function childCpuMs() {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

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
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const SETTLE_WINDOW_MS = 3000;
const SETTLE_IDLE_PCT = 80;
const SETTLE_MAX_MS = 180_000;
/** Idle and total jiffies of every CPU (/proc/stat's first line). */
function cpuJiffies() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
}
/**
 * Wait until the host is at least SETTLE_IDLE_PCT% idle over SETTLE_WINDOW_MS (at most
 * SETTLE_MAX_MS): growing the containers leaves work behind (their shells starting, the kernel
 * freeing what it tore down) that would otherwise load the first rounds, and the host measured
 * is one where the containers run, not one still starting them.
 */
async function settle() {
  const t0 = performance.now();
  for (;;) {
    const a = cpuJiffies();
    await sleep(SETTLE_WINDOW_MS);
    const b = cpuJiffies();
    const idlePct = ((b.idle - a.idle) / Math.max(1, b.total - a.total)) * 100;
    const waitedMs = performance.now() - t0;
    if (idlePct >= SETTLE_IDLE_PCT || waitedMs >= SETTLE_MAX_MS) return { idlePct, waitedMs };
  }
}

/** CPU of `top --batch --interval 1` per refresh, over TOP_SECONDS after 3 s of warm-up. */
async function measureTop() {
  const warm = 3;
  top = spawn(CLI, ['top', '--batch', '--interval', '1', '--count', String(warm + TOP_SECONDS + 10)], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await sleep(warm * 1000);
    const t0 = performance.now();
    const c0 = cpuTicks(top.pid);
    await sleep(TOP_SECONDS * 1000);
    const ticks = cpuTicks(top.pid) - c0;
    const secs = (performance.now() - t0) / 1000;
    return { pctOfCore: (ticks / 100 / secs) * 100, msPerRefresh: (ticks * 10) / secs };
  } finally {
    const exited = top.exitCode !== null ? Promise.resolve() : new Promise((r) => top.once('exit', r));
    top.kill('SIGTERM');
    await exited;
    top = null;
  }
}

/** Our containers as ctrscope ps --json sees them, and whether their listening sockets show. */
function checkSeen(n) {
  const r = spawnSync(CLI, ['ps', '--json', '--no-rates'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const found = JSON.parse(r.stdout).containers;
  const mine = found.filter((c) => String(c.command?.at(-1)).startsWith(`${PREFIX}-`));
  const withNet = containers.containers.filter((c) => c.veth).map((c) => c.name);
  const listens = mine.filter((c) => withNet.includes(c.command.at(-1)) && c.network?.listening?.some((s) => s.port === 8080)).length;
  return { all: found.length, mine: mine.length, listens, withNet: withNet.length, n };
}

async function measure(n) {
  const target = String(containers.containers[0].init);
  const commands = [
    ['lsns --json', 'lsns', ['--json']],
    ['ns --json', CLI, ['ns', '--json']],
    ['ps --no-rates', CLI, ['ps', '--no-rates']],
    ['ps --json --no-rates', CLI, ['ps', '--json', '--no-rates']],
    ['ps --json (rates, 0.5 s)', CLI, ['ps', '--json']],
    ['inspect <pid> --no-rates', CLI, ['inspect', target, '--no-rates']],
    ...(BASELINE
      ? [
          ['baseline: ns --json', BASELINE, ['ns', '--json']],
          ['baseline: ps --no-rates', BASELINE, ['ps', '--no-rates']],
          ['baseline: ps --json --no-rates', BASELINE, ['ps', '--json', '--no-rates']],
          ['baseline: ps --json (rates, 0.5 s)', BASELINE, ['ps', '--json']],
          ['baseline: inspect --no-rates', BASELINE, ['inspect', target, '--no-rates']],
        ]
      : []),
  ];
  for (const [, cmd, args] of commands) time(cmd, args); // page cache, dentries
  const runs = commands.map(() => []);
  for (let r = 0; r < REPS; r++) commands.forEach(([, cmd, args], i) => runs[i].push(time(cmd, args)));
  const rows = commands.map(([label], i) => ({ label, wall: median(runs[i].map((x) => x.wall)), cpu: median(runs[i].map((x) => x.cpu)), walls: runs[i].map((x) => Math.round(x.wall)) }));
  return { rows, top: await measureTop() };
}

function print(n, procs, seen, m, loadBefore) {
  const lsns = m.rows[0].wall;
  console.log(`\nN = ${n}: ${procs} processes on the host; ctrscope ps saw ${seen.mine} of our ${n} containers (${seen.all} in all), listening sockets in ${seen.listens} of the ${seen.withNet} with a veth; load ${loadBefore} before, ${load()} after`);
  const lsnsCpu = m.rows[0].cpu;
  console.log(`  ${'command'.padEnd(32)} ${'wall'.padStart(8)} ${'ratio'.padStart(6)} ${'CPU'.padStart(8)} ${'ratio'.padStart(6)} ${'ms/ctr'.padStart(7)}   wall of each run (ms)`);
  for (const r of m.rows) {
    const ratio = (a, b) => (r.label.startsWith('lsns') ? '' : `${(a / b).toFixed(2)}x`);
    console.log(`  ${r.label.padEnd(32)} ${`${r.wall.toFixed(0)} ms`.padStart(8)} ${ratio(r.wall, lsns).padStart(6)} ${`${r.cpu.toFixed(0)} ms`.padStart(8)} ${ratio(r.cpu, lsnsCpu).padStart(6)} ${`${(r.wall / n).toFixed(2)}`.padStart(7)}   ${r.walls.join(' ')}`);
  }
  const noRates = m.rows[3].wall;
  const rates = m.rows[4].wall;
  console.log(`  ps --json with rates - without - ${INTERVAL_MS} ms interval = ${(rates - noRates - INTERVAL_MS).toFixed(0)} ms (target <= 100 ms)`);
  const base = (label) => m.rows.find((r) => r.label === `baseline: ${label}`);
  if (base('ps --json --no-rates')) {
    const b = (label) => base(label.replace(' <pid>', ''));
    console.log(`  against the baseline build, same rounds (wall / CPU, this build's median over the baseline's):`);
    for (const r of m.rows.slice(1, 6)) console.log(`    ${r.label.padEnd(30)} ${(r.wall / b(r.label).wall).toFixed(2)}x / ${(r.cpu / b(r.label).cpu).toFixed(2)}x`);
    const bRates = base('ps --json (rates, 0.5 s)').wall - base('ps --json --no-rates').wall - INTERVAL_MS;
    console.log(`    baseline: ps --json with rates - without - ${INTERVAL_MS} ms = ${bRates.toFixed(0)} ms`);
  }
  console.log(`  top --batch --interval 1: ${m.top.msPerRefresh.toFixed(1)} ms CPU per refresh, ${m.top.pctOfCore.toFixed(2)}% of one core (${(m.top.msPerRefresh / m.rows[0].cpu).toFixed(2)}x one lsns run's CPU)`);
}

/** The floors beside this N's containers: each script's own table, indented. */
function printFloors() {
  const script = (name) => fileURLToPath(new URL(name, import.meta.url));
  for (const [name, args] of [['bench-floor.mjs', [String(REPS), '--cli', CLI]], ['bench-top-floor.mjs', ['5', '3', '1000']]]) {
    const r = spawnSync(process.execPath, [script(name), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
    console.log(`  ${name}:\n${r.stdout.trimEnd().replace(/^/gm, '    ')}`);
  }
}

function summary(results) {
  console.log('\nwall time, median, and ratio to lsns --json in the same run (CPU time ratio after the slash):');
  console.log(`| command | ${results.map((r) => `N = ${r.n}`).join(' | ')} |`);
  console.log(`|---|${results.map(() => '---').join('|')}|`);
  const labels = results[0].m.rows.map((r) => r.label);
  labels.forEach((label, i) => {
    const cells = results.map(({ m, n }) => {
      const r = m.rows[i];
      const s = `${(r.wall / 1000).toFixed(2)} s`;
      return i === 0 ? `${s} (CPU ${(r.cpu / 1000).toFixed(2)} s)` : `${s} (${(r.wall / m.rows[0].wall).toFixed(2)}x / ${(r.cpu / m.rows[0].cpu).toFixed(2)}x)`;
    });
    console.log(`| ${label} | ${cells.join(' | ')} |`);
  });
  console.log(`| ps rates: time beyond interval + no-rates run | ${results.map(({ m }) => `${(m.rows[4].wall - m.rows[3].wall - INTERVAL_MS).toFixed(0)} ms`).join(' | ')} |`);
  console.log(`| top --batch, CPU per 1 s refresh | ${results.map(({ m }) => `${m.top.msPerRefresh.toFixed(0)} ms (${m.top.pctOfCore.toFixed(1)}% of a core)`).join(' | ')} |`);
  console.log(`| ps --json --no-rates, ms per container | ${results.map(({ m, n }) => (m.rows[3].wall / n).toFixed(2)).join(' | ')} |`);
  console.log(`| load average (1 min) | ${results.map((r) => r.load).join(' | ')} |`);
}

try {
  const results = [];
  for (const n of SIZES) {
    const t0 = Date.now();
    await containers.grow(n);
    const procs = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
    console.log(`bench: ${n} containers up (${((Date.now() - t0) / 1000).toFixed(1)} s to grow)`);
    const seen = checkSeen(n);
    const settled = await settle();
    console.log(`bench: ${settled.idlePct.toFixed(0)}% idle over ${SETTLE_WINDOW_MS / 1000} s, ${(settled.waitedMs / 1000).toFixed(0)} s after the containers were up`);
    const loadBefore = load();
    const m = await measure(n);
    print(n, procs, seen, m, loadBefore);
    if (FLOORS) printFloors();
    results.push({ n, m, load: loadBefore });
  }
  summary(results);
} catch (e) {
  process.exitCode = 1;
  console.error(`bench: ${e instanceof Error ? e.message : e}`);
} finally {
  cleanup();
}
