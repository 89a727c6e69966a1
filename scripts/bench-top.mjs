#!/usr/bin/env node
/**
 * What steady-state `ctrscope top` costs, for issue #7's target: with 300 hand-made containers,
 * at most 3% of one core at a 1 s interval, and memory flat over 10 minutes.
 *
 * Builds N hand-made containers shaped like real ones (scripts/lib/handmade.mjs: own pid, mnt,
 * net, uts and ipc namespaces, v1 cpu, cpuacct, memory and pids cgroups with limits, 3 processes,
 * a third with a veth on a bridge and a listening socket), then measures, one
 * after the other (never both at once: the CPU figures would share the machine's cores):
 *   1. `top --batch --interval 1`, output discarded;
 *   2. the full-screen dashboard `top --interval 1` (blessed) in a 160x50 pane of a private tmux
 *      server (`tmux -L ctrscope-bench-top-<pid>`), after checking that it drew its header row
 *      and container rows.
 * Each skips the first WARMUP seconds (start-up and the first, uncached scan), then over DURATION
 * seconds reads the node process's CPU (utime + stime of all its threads, /proc/<pid>/stat) and
 * samples its RSS (VmRSS, /proc/<pid>/status) every few seconds. It prints CPU in percent of one
 * core and per refresh, and RSS at start and end, min, max and the least-squares slope in MiB
 * per minute: over a long window (`300 600`) a slope near 0 means memory is flat, a steady
 * positive slope means it grows. For the dashboard, the tmux server's own CPU (what drawing the
 * pane costs a terminal) is printed apart; it is not top's.
 * In the same run, lsns over the same host is timed (mean of LSNS_RUNS runs) as the reference,
 * and each top's CPU per refresh is printed as a multiple of one lsns run.
 * With `--baseline FILE` (another build's dist/ctrscope.mjs, e.g. of the main branch), each mode
 * is measured for that build too, right after this build's, over the same containers and under
 * the same load, and this build's CPU is printed as a multiple of the baseline's. `--rounds R`
 * repeats the whole sequence R times (the spread on a shared machine); the 1-minute load average
 * is printed with every figure. With `--paired` (and `--baseline`), only the dashboards are
 * measured, both at once, each in its own pane, over the same window of each round: on a host
 * that others keep busy, the two builds then see the same load, and their ratio holds.
 * Everything it makes (containers, cgroups, tmux server and socket) is named
 * ctrscope-bench-top-<pid>* and removed on exit, Ctrl-C, SIGTERM/SIGHUP and failure.
 * Needs root, tmux, lsns and `npm run build`.
 *
 * N = 0 makes no container: it measures the host as it is (containers kept by something else).
 *
 *   node scripts/bench-top.mjs [N=300] [DURATION=30] [--baseline FILE [--paired]] [--rounds R] [--json]
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { childrenByParent, cpuTicks, HandmadeContainers, slope } from './lib/handmade.mjs';

const argv = process.argv.slice(2);
const valueOf = (name) => {
  const i = argv.indexOf(name);
  return i < 0 ? null : argv.splice(i, 2)[1];
};
const BASELINE = valueOf('--baseline');
const ROUNDS = Number(valueOf('--rounds') ?? 1);
const PAIRED = argv.includes('--paired');
const args = argv.filter((a) => !a.startsWith('--'));
const N = Number(args[0] ?? 300);
const DURATION = Number(args[1] ?? 30);
const WARMUP = 5;
// RSS every 5 s over a long window, at least ~10 samples over a short one.
const SAMPLE_EVERY = Math.max(1, Math.min(5, DURATION / 10));
const LSNS_RUNS = 5;
const JSON_OUT = process.argv.includes('--json');
const MAIN = fileURLToPath(new URL('../dist/ctrscope.mjs', import.meta.url));
const prefix = `ctrscope-bench-top-${process.pid}`;
const TMUX = ['-f', '/dev/null', '-L', prefix];
const COLS = 160;
const LINES = 50;
const HZ = 100; // USER_HZ, as in collect.ts
const containers = new HandmadeContainers(prefix);
let batchTop = null;
let tmuxSocket = null;

if (!Number.isInteger(N) || N < 0 || !(DURATION >= 1) || !Number.isInteger(ROUNDS) || ROUNDS < 1 || (PAIRED && BASELINE === null)) {
  console.error('usage: node scripts/bench-top.mjs [N containers >= 0] [DURATION seconds >= 1] [--baseline FILE [--paired]] [--rounds R >= 1] [--json]');
  process.exit(2);
}
for (const bin of [MAIN, BASELINE]) {
  if (bin !== null && !existsSync(bin)) {
    console.error(`bench-top: ${bin} missing; build it first (npm run build)`);
    process.exit(1);
  }
}

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const MiB = (kib) => Number((kib / 1024).toFixed(1));
const tmux = (...a) => execFileSync('tmux', [...TMUX, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const load1 = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const rssKiB = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
const alive = (pid) => existsSync(`/proc/${pid}`);
const shq = (s) => `'${s.replaceAll("'", "'\\''")}'`;


/**
 * Skips WARMUP seconds, then measures `pid` over DURATION seconds. `others` are pids whose CPU
 * is read over the same window but reported apart (the tmux server).
 */
async function measure(pid, others = {}) {
  await sleep(WARMUP);
  const t0 = performance.now();
  const c0 = cpuTicks(pid);
  const o0 = Object.fromEntries(Object.entries(others).map(([k, p]) => [k, cpuTicks(p)]));
  const samples = [];
  for (;;) {
    const t = (performance.now() - t0) / 1000;
    if (!alive(pid)) throw new Error(`the measured top (pid ${pid}) exited ${t.toFixed(1)} s into the window; run it by hand to see why`);
    samples.push([t, rssKiB(pid)]);
    if (t >= DURATION) break;
    await sleep(Math.min(SAMPLE_EVERY, DURATION - t));
  }
  const c1 = cpuTicks(pid);
  const secs = (performance.now() - t0) / 1000;
  const o1 = Object.fromEntries(Object.entries(others).map(([k, p]) => [k, cpuTicks(p)]));
  const rss = samples.map(([, r]) => r);
  const loadAvg1 = load1();
  const pct = (ticks) => Number(((ticks / HZ / secs) * 100).toFixed(2));
  return {
    loadAvg1,
    seconds: Number(secs.toFixed(1)),
    cpuPercentOfOneCore: pct(c1 - c0),
    cpuMsPerRefresh: Number((((c1 - c0) / HZ) * 1000 / secs).toFixed(1)),
    rssKiB: {
      start: rss[0],
      end: rss[rss.length - 1],
      min: Math.min(...rss),
      max: Math.max(...rss),
      slopeMiBPerMinute: Number(slope(samples.map(([t]) => t / 60), rss.map((r) => r / 1024)).toFixed(3)),
      samples: samples.map(([t, r]) => [Number(t.toFixed(1)), r]),
    },
    ...Object.fromEntries(Object.keys(others).map((k) => [`${k}CpuPercentOfOneCore`, pct(o1[k] - o0[k])])),
  };
}

async function measureBatch(bin) {
  batchTop = spawn(process.execPath, [bin, 'top', '--batch', '--interval', '1', '--count', String(WARMUP + DURATION + 30)], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    return await measure(batchTop.pid);
  } finally {
    // Gone before the dashboard starts, so the two never share the cores.
    const done = batchTop.exitCode !== null || batchTop.signalCode !== null;
    const exited = done ? Promise.resolve() : new Promise((r) => batchTop.once('exit', r));
    batchTop.kill('SIGTERM');
    if ((await Promise.race([exited, sleep(5).then(() => 'timeout')])) === 'timeout') batchTop.kill('SIGKILL');
    await exited;
    batchTop = null;
  }
}

/** Starts the dashboard of `bin` in tmux session `session` and waits until it has drawn rows. */
async function startDashboard(bin, session) {
  tmux('new-session', '-d', '-x', String(COLS), '-y', String(LINES), '-s', session, `exec ${[process.execPath, bin].map(shq).join(' ')} top --interval 1`);
  tmuxSocket = tmux('display-message', '-p', '-t', session, '#{socket_path}').trim();
  const serverPid = Number(tmux('display-message', '-p', '-t', session, '#{pid}'));
  const panePid = Number(tmux('display-message', '-p', '-t', session, '#{pane_pid}'));
  // `exec` makes the pane's process node itself; should a shell stay in between, take its child.
  let pid = panePid;
  if (!readFileSync(`/proc/${panePid}/cmdline`, 'utf8').includes(bin)) {
    pid = childrenByParent().get(panePid)?.[0];
    if (pid === undefined) throw new Error(`no ctrscope process under tmux pane pid ${panePid}`);
  }
  // It must have drawn before it is measured: the header row and container rows under it.
  let screen = '';
  for (let t = 0; t < 100; t++) {
    screen = tmux('capture-pane', '-p', '-t', session);
    const rows = screen.split('\n');
    const h = rows.findIndex((l) => /^NAME\s+ID\s/.test(l));
    if (h >= 0 && rows.slice(h + 1).filter((l) => /^\S+\s+\S+/.test(l)).length >= Math.min(N || 1, 10)) break;
    screen = '';
    await sleep(0.2);
  }
  if (screen === '') throw new Error(`the dashboard drew no NAME header with container rows within 20 s; see \`tmux -L ${prefix} attach\` while it runs`);
  return { pid, serverPid };
}

/** Sends q to the session's dashboard; true if it quit within 5 s. */
async function quitDashboard(session, pid) {
  tmux('send-keys', '-t', session, 'q');
  for (let t = 0; t < 50 && alive(pid); t++) await sleep(0.1);
  return !alive(pid);
}

async function measureDashboard(bin) {
  const { pid, serverPid } = await startDashboard(bin, 'bench');
  const result = await measure(pid, { tmuxServer: serverPid });
  result.quitOnQ = await quitDashboard('bench', pid);
  // The next dashboard gets a server of its own.
  spawnSync('tmux', [...TMUX, 'kill-server'], { stdio: 'ignore' });
  return result;
}

/**
 * --paired: this build's dashboard and the baseline's at the same time, each in a pane of its
 * own, measured over the same window: both see the same host, load and other benchmarks, so
 * their ratio holds on a host others keep busy. Which starts first alternates by round.
 */
async function measurePaired(round) {
  const order = round % 2 === 0 ? [MAIN, BASELINE] : [BASELINE, MAIN];
  const started = [];
  for (const [i, bin] of order.entries()) started.push({ bin, session: `pair${i}`, ...(await startDashboard(bin, `pair${i}`)) });
  const main = started.find((x) => x.bin === MAIN);
  const base = started.find((x) => x.bin === BASELINE);
  const result = await measure(main.pid, { baseline: base.pid, tmuxServer: main.serverPid });
  for (const x of started) await quitDashboard(x.session, x.pid);
  spawnSync('tmux', [...TMUX, 'kill-server'], { stdio: 'ignore' });
  const baselineMs = Number((result.baselineCpuPercentOfOneCore * 10).toFixed(1));
  return { loadAvg1: result.loadAvg1, seconds: result.seconds, cpuMsPerRefresh: result.cpuMsPerRefresh, baselineCpuMsPerRefresh: baselineMs, ratio: Number((result.cpuMsPerRefresh / baselineMs).toFixed(2)) };
}

const seenByPs = () => JSON.parse(execFileSync(MAIN, ['ps', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 })).containers.length;

function lsnsReference() {
  // Its CPU time as the children's time of the shell that ran it.
  const ref = spawnSync('sh', ['-c', `for i in $(seq ${LSNS_RUNS}); do lsns >/dev/null 2>&1; done; cat /proc/$$/stat`], { encoding: 'utf8' });
  const f = ref.stdout.slice(ref.stdout.lastIndexOf(')') + 2).split(' ');
  return Number((((Number(f[13]) + Number(f[14])) / HZ) * 1000 / LSNS_RUNS).toFixed(1));
}

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  batchTop?.kill('SIGKILL');
  spawnSync('tmux', [...TMUX, 'kill-server'], { stdio: 'ignore' });
  // tmux leaves its socket file behind when its server exits.
  rmSync(tmuxSocket ?? `${process.env.TMUX_TMPDIR ?? '/tmp'}/tmux-${process.getuid()}/${prefix}`, { force: true });
  containers.remove();
}

function print(r) {
  const ratio = (m) => (r.lsnsCpuMsPerRun > 0 ? `${(m.cpuMsPerRefresh / r.lsnsCpuMsPerRun).toFixed(2)}x one lsns run` : 'lsns took under a tick');
  const mode = (title, m, base) => {
    console.log(`${title}, ${m.seconds} s after ${WARMUP} s of warm-up (load ${m.loadAvg1}):`);
    const vsBase = base ? `; ${(m.cpuMsPerRefresh / base.cpuMsPerRefresh).toFixed(2)}x the baseline's` : '';
    console.log(`  CPU  ${m.cpuPercentOfOneCore}% of one core (${m.cpuMsPerRefresh} ms per 1 s refresh, ${ratio(m)}${vsBase})`);
    const s = m.rssKiB;
    console.log(`  RSS  start ${MiB(s.start)} MiB, end ${MiB(s.end)} MiB, min ${MiB(s.min)}, max ${MiB(s.max)} (${s.samples.length} samples), slope ${s.slopeMiBPerMinute} MiB/min`);
  };
  const dash = (m) => `  tmux server drawing it: ${m.tmuxServerCpuPercentOfOneCore}% of one core (not counted above)${m.quitOnQ ? '' : '; top did NOT quit on q within 5 s'}`;
  const seen = r.containersSeen === r.containersSeenAtEnd ? '' : `, ${r.containersSeenAtEnd} at the end (NOT comparable: others came or went)`;
  console.log(`${N} hand-made containers of this run; ctrscope saw ${r.containersSeen} containers on the host${seen}`);
  for (const [i, round] of r.rounds.entries()) {
    if (r.rounds.length > 1) console.log(`round ${i + 1} of ${r.rounds.length}:`);
    mode('ctrscope top --batch --interval 1', round.batch, round.baselineBatch);
    if (round.baselineBatch) mode(`baseline ${BASELINE} top --batch --interval 1`, round.baselineBatch);
    mode(`ctrscope top --interval 1 (dashboard, tmux ${COLS}x${LINES})`, round.dashboard, round.baselineDashboard);
    console.log(dash(round.dashboard));
    if (round.baselineDashboard) {
      mode(`baseline ${BASELINE} top --interval 1 (dashboard)`, round.baselineDashboard);
      console.log(dash(round.baselineDashboard));
    }
  }
  console.log(`reference: one lsns run ${r.lsnsCpuMsPerRun} ms CPU (mean of ${LSNS_RUNS})`);
}

async function main() {
  if (N > 0) await containers.grow(N);
  if (PAIRED) {
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = await measurePaired(i);
      rounds.push(r);
      if (!JSON_OUT) console.log(`round ${i + 1}: dashboard ${r.cpuMsPerRefresh} ms per 1 s refresh, baseline's ${r.baselineCpuMsPerRefresh} ms, in the same ${r.seconds} s (load ${r.loadAvg1}): ${r.ratio}x`);
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const result = { containers: N, containersSeen: seenByPs(), baseline: BASELINE, paired: rounds, medianRatio: med(rounds.map((r) => r.ratio)), medianCpuMsPerRefresh: med(rounds.map((r) => r.cpuMsPerRefresh)), medianBaselineCpuMsPerRefresh: med(rounds.map((r) => r.baselineCpuMsPerRefresh)) };
    if (JSON_OUT) console.log(JSON.stringify(result));
    else console.log(`median over ${ROUNDS} rounds: ${result.medianCpuMsPerRefresh} ms against ${result.medianBaselineCpuMsPerRefresh} ms per refresh, ${result.medianRatio}x the baseline's (ctrscope saw ${result.containersSeen} containers)`);
    return;
  }
  // Other containers on the host cost top (and lsns) too: say how many there were, at both ends
  // of the run, since a change between makes the figures incomparable.
  const containersSeen = seenByPs();
  // One mode at a time, this build then the baseline's, so neither shares the cores with another.
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    const round = { batch: await measureBatch(MAIN) };
    if (BASELINE) round.baselineBatch = await measureBatch(BASELINE);
    round.dashboard = await measureDashboard(MAIN);
    if (BASELINE) round.baselineDashboard = await measureDashboard(BASELINE);
    rounds.push(round);
  }
  const lsnsCpuMsPerRun = lsnsReference();
  const containersSeenAtEnd = seenByPs();
  const times = (m) => (lsnsCpuMsPerRun > 0 ? Number((m.cpuMsPerRefresh / lsnsCpuMsPerRun).toFixed(2)) : null);
  const vsBaseline = (m, b) => (b ? Number((m.cpuMsPerRefresh / b.cpuMsPerRefresh).toFixed(2)) : null);
  const withRatios = (r) => ({
    batch: { ...r.batch, perRefreshInLsnsRuns: times(r.batch), perRefreshInBaselines: vsBaseline(r.batch, r.baselineBatch) },
    dashboard: { ...r.dashboard, perRefreshInLsnsRuns: times(r.dashboard), perRefreshInBaselines: vsBaseline(r.dashboard, r.baselineDashboard), columns: COLS, lines: LINES },
    ...(r.baselineBatch ? { baselineBatch: { ...r.baselineBatch, perRefreshInLsnsRuns: times(r.baselineBatch) } } : {}),
    ...(r.baselineDashboard ? { baselineDashboard: { ...r.baselineDashboard, perRefreshInLsnsRuns: times(r.baselineDashboard) } } : {}),
  });
  const first = withRatios(rounds[0]);
  const batch = rounds[0].batch;

  const result = {
    containers: N,
    containersSeen,
    containersSeenAtEnd,
    // The batch figures under their original names, for earlier readers of --json.
    seconds: batch.seconds,
    topCpuPercentOfOneCore: batch.cpuPercentOfOneCore,
    topCpuMsPerRefresh: batch.cpuMsPerRefresh,
    topRssKiB: { start: batch.rssKiB.start, end: batch.rssKiB.end },
    lsnsCpuMsPerRun,
    baseline: BASELINE,
    // The first round under the names of a one-round run; every round in `rounds`.
    batch: first.batch,
    dashboard: first.dashboard,
    rounds: rounds.map(withRatios),
  };
  if (JSON_OUT) console.log(JSON.stringify(result));
  else print(result);
}

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    cleanup();
    process.exit(code);
  });
}
try {
  await main();
} catch (e) {
  process.exitCode = 1;
  console.error(`bench-top: ${e instanceof Error ? e.message.trim().replaceAll('\n', '; ') : e}`);
} finally {
  cleanup();
}
