#!/usr/bin/env node
/**
 * What `ctrscope events` costs and how fast it is, for issue #15's targets:
 *   1. idle CPU with N (300) containers on the host: at most 0.5% of one core;
 *   2. an event printed at most 1 s after the kernel's change, against `docker events` in the
 *      same run;
 *   3. a burst of BURST (100) containers started within 1 s loses no event (counted).
 *
 * Builds N realistic hand-made containers (scripts/lib/handmade.mjs, as bench-top and bench-serve:
 * own pid, mount, net, UTS and IPC namespaces, v1 cgroups with limits, 3 processes, a third with
 * a veth and a listening socket), starts `ctrscope events --json` and
 * `docker events`, waits until ctrscope reports a probe container (its baseline is done), then:
 *   - idle: reads the events process's CPU (utime + stime, /proc/<pid>/stat) over IDLE seconds
 *     while nothing of ours changes, and counts the events it printed meanwhile (other
 *     containers on the host, not ours, may come and go);
 *   - latency: LAT times, `docker run -d` of a busybox image; for each start, when each tool's
 *     line arrived here, and ctrscope's own event time (the kernel's exec timestamp): the lag
 *     from the kernel's change to ctrscope's line, and ctrscope's line against docker's;
 *   - burst: BURST hand-made containers forked by one shell as fast as it can (the time it took
 *     is printed: within 1 s is the target's burst), then all killed; counts the start
 *     and exit events naming their init pids;
 *   - short-lived burst: BURST hand-made containers whose init exits at once with status 3
 *     (`unshare --fork --pid --mount sh -c 'exit 3'`), forked the same way: counts their starts
 *     and their exits with code 3.
 * Every figure is printed with the host's load average (/proc/loadavg) when it was taken: other
 * work on the host slows every observation.
 * Everything it makes is named ctrscope-bench-events-<pid>* and removed on exit, Ctrl-C and failure.
 * Needs root, docker, unshare and `npm run build`.
 *
 *   node scripts/bench-events.mjs [N=300] [IDLE=60] [BURST=100] [LAT=5] [--json]
 * With CTRSCOPE_BENCH_CPU_PROF=DIR the events process writes a V8 CPU profile there when it ends
 * (node --cpu-prof): what it did over the whole run, the idle stretch included.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HandmadeContainers } from './lib/handmade.mjs';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const N = Number(args[0] ?? 300);
const IDLE = Number(args[1] ?? 60);
const BURST = Number(args[2] ?? 100);
const LAT = Number(args[3] ?? 5);
const JSON_OUT = process.argv.includes('--json');
const MAIN = fileURLToPath(new URL('../dist/ctrscope.mjs', import.meta.url));
const prefix = `ctrscope-bench-events-${process.pid}`;
const IMAGE = `${prefix}-img:1`;
const HZ = 100;
const containers = new HandmadeContainers(prefix);
const kids = [];
const burstKids = [];
let events = null;
let dockerEvents = null;
let dir = null;
let cleaned = false;

if (![N, IDLE, BURST, LAT].every((x) => Number.isInteger(x) && x >= 0)) {
  console.error('usage: node scripts/bench-events.mjs [N] [IDLE seconds] [BURST] [LAT] [--json]');
  process.exit(2);
}

/** Processes forked on the host since boot (/proc/stat): what the proc connector hears. */
const forks = () => Number(/^processes (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))[1]);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const cpuTicks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
};
const parents = () => {
  const out = new Map();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = readFileSync(`/proc/${e}/stat`, 'utf8');
      out.set(Number(e), Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  return out;
};

/** Lines of a child's stdout, each with when it arrived here (ms, wall clock). */
function lines(child) {
  const got = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    const at = Date.now();
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (l.trim() !== '') got.push({ at, value: JSON.parse(l) });
    }
  });
  return got;
}

async function waitFor(f, seconds, what) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(0.05);
  }
}

/**
 * Bare hand-made containers (the probe, the burst), forked by one shell as fast as it can, in a
 * process group of their own: each unshare's child is pid 1 of its own pid namespace. Returns the
 * inits; spawned.seconds is how long the shell took to fork every unshare.
 */
async function handMade(count, into, spawned = {}) {
  const sh = spawn('sh', ['-c', `t0=$(date +%s%N); for i in $(seq ${count}); do unshare --fork --kill-child --pid --mount --mount-proc sleep 3600 & done; echo $(( ($(date +%s%N) - t0) / 1000000 )); wait`], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  into.push(sh);
  spawned.seconds = (await new Promise((res) => sh.stdout.once('data', (d) => res(Number(String(d).trim()))))) / 1000;
  let inits = [];
  for (let t = 0; t < 200; t++) {
    const pp = parents();
    const unshares = new Set([...pp].filter(([, ppid]) => ppid === sh.pid).map(([pid]) => pid));
    inits = [...pp].filter(([, ppid]) => unshares.has(ppid)).map(([pid]) => pid);
    if (inits.length === count) break;
    await sleep(0.1);
  }
  return inits;
}

/** A spawner of handMade and everything in its process group (the unshares, and through --kill-child their inits). */
function killGroup(k) {
  try {
    process.kill(-k.pid, 'SIGKILL');
  } catch {}
}

/**
 * Hand-made containers whose init exits at once with status 3, forked by one shell as fast as it
 * can. Their inits live too briefly to be found in /proc: each unshare's exit status (it passes
 * its child's on) says each ran. Resolves when all have ended, with how many ran with status 3
 * and how long the shell took to fork them all.
 */
function shortLived(count) {
  return new Promise((res) => {
    const sh = spawn('sh', ['-c', `t0=$(date +%s%N); for i in $(seq ${count}); do (unshare --fork --pid --mount --mount-proc sh -c 'exit 3'; echo "status $?") & done; echo "spawned $(( ($(date +%s%N) - t0) / 1000000 ))"; wait`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    sh.stdout.on('data', (d) => (out += d));
    sh.on('close', () => res({ ran: (out.match(/^status 3$/gm) ?? []).length, seconds: Number(/^spawned (\d+)$/m.exec(out)?.[1]) / 1000 }));
  });
}

function buildImage() {
  dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const root = join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  execFileSync('chmod', ['755', join(root, 'bin/busybox')]);
  for (const a of execFileSync(join(root, 'bin/busybox'), ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (!existsSync(join(root, 'bin', a))) symlinkSync('busybox', join(root, 'bin', a));
  }
  execFileSync('sh', ['-c', `tar -C "${root}" -c . | docker import - "${IMAGE}" >/dev/null`]);
}

function cleanup() {
  if (cleaned) return;
  cleaned = true;
  events?.kill('SIGTERM');
  dockerEvents?.kill('SIGKILL');
  for (const k of kids) k.kill('SIGKILL');
  for (const k of burstKids) killGroup(k);
  const ids = spawnSync('docker', ['ps', '-aq', '--filter', `name=${prefix}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  spawnSync('docker', ['rmi', '-f', IMAGE], { stdio: 'ignore' });
  if (dir) rmSync(dir, { recursive: true, force: true });
  containers.remove();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s[Math.floor((s.length - 1) / 2)];
};

async function main() {
  buildImage();
  await containers.grow(N);
  events = spawn(process.execPath, [...(process.env.CTRSCOPE_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CTRSCOPE_BENCH_CPU_PROF}`] : []), MAIN, 'events', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  events.stderr.on('data', (d) => (stderr += d.toString()));
  const ours = lines(events);
  dockerEvents = spawn('docker', ['events', '--format', '{{json .}}', '--filter', 'type=container', '--filter', 'event=start'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const theirs = lines(dockerEvents);

  // The baseline is done when a container started after it is reported. A probe the baseline
  // itself saw is never reported: start another every 5 s until one is.
  const started = Date.now();
  const probes = new Set();
  for (let t = 0; ; t++) {
    if (t >= 60) throw new Error('ctrscope events reported no probe container in 300 s');
    const [probeInit] = await handMade(1, burstKids);
    probes.add(probeInit);
    const seen = await waitFor(() => ours.find((l) => l.value.action === 'start' && probes.has(l.value.pid)), 5, 'a probe').catch(() => undefined);
    if (seen) break;
  }
  const baselineSeconds = (Date.now() - started) / 1000;

  // 1. Idle.
  const before = ours.length;
  const t0 = cpuTicks(events.pid);
  const f0 = forks();
  await sleep(IDLE);
  const hostForksPerSec = Number(((forks() - f0) / IDLE).toFixed(1));
  const idleTicks = cpuTicks(events.pid) - t0;
  const idle = { seconds: IDLE, cpuPercentOfOneCore: Number(((idleTicks / HZ / IDLE) * 100).toFixed(2)), eventsMeanwhile: ours.length - before, hostForksPerSec, load: load() };

  // 2. Latency against docker events.
  const latency = [];
  for (let i = 0; i < LAT; i++) {
    const id = execFileSync('docker', ['run', '-d', '--name', `${prefix}-lat-${i}`, IMAGE, 'sleep', '600'], { encoding: 'utf8' }).trim();
    const mine = await waitFor(() => ours.find((l) => l.value.action === 'start' && l.value.container.id === id), 60, `ctrscope start of ${id}`);
    const docker = await waitFor(() => theirs.find((l) => l.value.id === id || l.value.Actor?.ID === id), 60, `docker start of ${id}`);
    const kernelMs = Number(BigInt(mine.value.timeNano) / 1_000_000n);
    latency.push({ kernelToCtrscopeMs: mine.at - kernelMs, ctrscopeMinusDockerMs: mine.at - docker.at, dockerTimeMinusKernelMs: Number(BigInt(docker.value.timeNano) / 1_000_000n) - kernelMs, load: load() });
    await sleep(1);
  }

  // 3. Burst.
  const burstStart = Date.now();
  const spawned = {};
  const burstInits = await handMade(BURST, burstKids, spawned);
  const spawnSeconds = spawned.seconds;
  const want = new Set(burstInits);
  const startsOf = () => new Set(ours.filter((l) => l.value.action === 'start' && want.has(l.value.pid)).map((l) => l.value.pid));
  await waitFor(() => (startsOf().size === want.size ? true : undefined), 120, 'every burst start').catch(() => undefined);
  const startsSeen = startsOf().size;
  const burstStartLagMs = Math.max(...ours.filter((l) => l.value.action === 'start' && want.has(l.value.pid)).map((l) => l.at)) - burstStart;
  for (const k of burstKids.splice(0)) killGroup(k);
  for (const pid of burstInits) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  const exitsOf = () => new Set(ours.filter((l) => l.value.action === 'exit' && want.has(l.value.pid)).map((l) => l.value.pid));
  await waitFor(() => (exitsOf().size === want.size ? true : undefined), 120, 'every burst exit').catch(() => undefined);
  const burst = { containers: BURST, spawnedInSeconds: spawnSeconds, startsSeen, exitsSeen: exitsOf().size, lastStartAfterMs: burstStartLagMs, load: load() };

  // 4. Short-lived burst: inits that exit at once with status 3. Their pids are not known here
  // (gone before /proc could be read); the events' own pids pair each start with its exit.
  const fromLine = ours.length;
  const ended = await shortLived(BURST);
  const isShort = (v) => v.container.engine === null && v.container.id.startsWith('ns-');
  const shortOf = (action) => ours.slice(fromLine).filter((l) => l.value.action === action && isShort(l.value));
  const shortStarts = () => new Set(shortOf('start').map((l) => l.value.pid));
  const shortExits = () => new Set(shortOf('exit').filter((l) => l.value.exitCode === 3 && shortStarts().has(l.value.pid)).map((l) => l.value.pid));
  await waitFor(() => (shortExits().size >= BURST ? true : undefined), 60, 'every short-lived exit').catch(() => undefined);
  const shortLivedBurst = { containers: BURST, ran: ended.ran, spawnedInSeconds: ended.seconds, startsSeen: shortStarts().size, exitsWithCodeSeen: shortExits().size, load: load() };

  const result = { containers: N, baselineSeconds, idle, latency, burst, shortLivedBurst, warnings: stderr.split('\n').filter(Boolean) };
  if (JSON_OUT) console.log(JSON.stringify(result));
  else {
    console.log(`${N} hand-made containers of this run (plus whatever else runs on the host); events' baseline took ${baselineSeconds.toFixed(1)} s`);
    console.log(`idle: ${idle.cpuPercentOfOneCore}% of one core over ${IDLE} s (${idle.eventsMeanwhile} events printed meanwhile, of others' containers; ${idle.hostForksPerSec} forks/s on the host; load ${idle.load})`);
    for (const l of latency) console.log(`latency: kernel exec -> ctrscope line ${l.kernelToCtrscopeMs} ms; ctrscope line - docker line ${l.ctrscopeMinusDockerMs} ms; docker's own time - kernel exec ${l.dockerTimeMinusKernelMs} ms (load ${l.load})`);
    console.log(`latency median: kernel -> ctrscope ${median(latency.map((l) => l.kernelToCtrscopeMs))} ms, ctrscope - docker ${median(latency.map((l) => l.ctrscopeMinusDockerMs))} ms`);
    console.log(`burst: ${BURST} containers spawned in ${spawnSeconds.toFixed(2)} s: ${burst.startsSeen} starts and ${burst.exitsSeen} exits reported (last start line ${burstStartLagMs} ms after the first spawn; load ${burst.load})`);
    const sl = shortLivedBurst;
    console.log(`short-lived burst: ${sl.containers} containers exiting at once (${sl.ran} ran with status 3) spawned in ${sl.spawnedInSeconds.toFixed(2)} s: ${sl.startsSeen} starts and ${sl.exitsWithCodeSeen} exits with code 3 reported (load ${sl.load})`);
    for (const w of result.warnings) console.log(`stderr: ${w}`);
  }
}

for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    cleanup();
    process.exit(code);
  });
}
main()
  .then(() => {
    cleanup();
    process.exit(0);
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    cleanup();
    process.exit(1);
  });
