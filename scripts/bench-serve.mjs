#!/usr/bin/env node
/**
 * What `ctrscope serve` costs, for issue #14's targets: with 300 realistic containers, a scrape
 * at most 0.5x the CPU of one `lsns --json` in the same run, and RSS at most 120 MiB and flat
 * over a soak.
 *
 * Builds N hand-made containers shaped like real ones (scripts/lib/handmade.mjs: own pid, mnt,
 * net, uts and ipc namespaces, own v1 cgroups with limits, a veth on every third), starts the
 * built `ctrscope serve` on a free 127.0.0.1 port, then:
 *   1. scrape cost: after WARMUP scrapes, SCRAPES scrapes spaced past the minimum interval (so
 *      each one observes the host again); the serve process's CPU (utime + stime) per scrape,
 *      and the wall time per scrape;
 *   2. the reference: `lsns --json` run LSNS_RUNS times over the same host, its CPU (the
 *      children's utime + stime of this process) per run; the scrape's CPU as a multiple of it;
 *   3. the client library: the same families (parsed from a real scrape) set and written by
 *      prom-client against ctrscope's own writer (views/metrics/exposition.ts), both in this
 *      process, CPU per exposition;
 *   4. the soak: a scrape every SOAK_EVERY seconds for SOAK seconds; RSS (VmRSS) every 5 s:
 *      start, end, min, max and the least-squares slope in MiB per minute.
 * serve runs under the Node.js options and malloc tunables the image and the DaemonSet give it
 * (SERVE_NODE_OPTIONS below: a smaller young generation and old-space limit; SERVE_GLIBC_TUNABLES:
 * a fixed mmap threshold and two arenas; both keep RSS down); set either in the environment to
 * measure others ('' for the defaults).
 * Everything it makes is named ctrscope-bench-serve-<pid>* and removed on exit, Ctrl-C, SIGTERM
 * and failure. Needs root, lsns, iproute2, busybox and `npm run build`.
 *
 *   node scripts/bench-serve.mjs [N=300] [SOAK=120] [--json]
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { cpuTicks, HandmadeContainers, slope } from './lib/handmade.mjs';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const N = Number(args[0] ?? 300);
const SOAK = Number(args[1] ?? 120);
const JSON_OUT = process.argv.includes('--json');
const WARMUP = 3;
const SCRAPES = 20;
/** Past serve's minimum interval between observations (500 ms). */
const SPACING_MS = 600;
const LSNS_RUNS = 5;
const SOAK_EVERY = 1;
const HZ = 100;
const MAIN = fileURLToPath(new URL('../dist/ctrscope.mjs', import.meta.url));
const EXPOSITION = new URL('../dist/views/metrics/exposition.js', import.meta.url);
const prefix = `ctrscope-bench-serve-${process.pid}`;
/** What deploy/kubernetes/daemonset.yaml and the Dockerfile set. */
const DEPLOYED_NODE_OPTIONS = '--max-semi-space-size=2 --max-old-space-size=96';
const SERVE_NODE_OPTIONS = process.env.SERVE_NODE_OPTIONS ?? DEPLOYED_NODE_OPTIONS;
const DEPLOYED_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2';
const SERVE_GLIBC_TUNABLES = process.env.SERVE_GLIBC_TUNABLES ?? DEPLOYED_GLIBC_TUNABLES;

if (!Number.isInteger(N) || N < 1 || !(SOAK >= 5)) {
  console.error('usage: node scripts/bench-serve.mjs [N containers >= 1] [SOAK seconds >= 5] [--json]');
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The host's load averages (1, 5, 15 min): this machine is shared, every figure is read with them. */
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
const rssKiB = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
const MiB = (kib) => Number((kib / 1024).toFixed(1));
const ms = (x) => Number(x.toFixed(1));
/** CPU of this process's waited-for children, in ms (stat fields cutime + cstime). */
function childrenCpuMs() {
  const st = readFileSync('/proc/self/stat', 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) / HZ) * 1000;
}
function selfCpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

const containers = new HandmadeContainers(prefix);
let serve = null;
const cleanup = () => {
  if (serve && serve.exitCode === null) serve.kill('SIGKILL');
  containers.remove();
};
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => (cleanup(), process.exit(130)));

async function scrape(url) {
  const r = await fetch(`${url}/metrics`);
  if (r.status !== 200) throw new Error(`scrape: HTTP ${r.status}`);
  return r.text();
}

/** The families of a text exposition: name, type, help and samples with their label text. */
function parseFamilies(text) {
  const out = [];
  let cur = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) {
      const [, name, help] = /^# HELP (\S+) (.*)$/.exec(line);
      cur = { name, help, type: 'untyped', samples: [] };
      out.push(cur);
    } else if (line.startsWith('# TYPE ')) cur.type = line.split(' ')[3];
    else if (line !== '') {
      const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      const labels = {};
      for (const p of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[p[1]] = p[2];
      cur.samples.push({ name: m[1], labelText: m[2] ?? '', labels, value: Number(m[3]) });
    }
  }
  return out.filter((f) => f.type === 'counter' || f.type === 'gauge');
}

/** CPU ms per exposition of the same container families, prom-client against ctrscope's writer. */
async function clientLibraries(text) {
  const { Registry, Gauge, Counter } = await import('prom-client');
  const { renderExposition } = await import(EXPOSITION);
  const families = parseFamilies(text).filter((f) => f.name.startsWith('container_') || f.name.startsWith('ctrscope_container') || f.name.startsWith('machine_'));
  const series = families.reduce((a, f) => a + f.samples.length, 0);
  const registry = new Registry();
  const metrics = families.map((f) => {
    const labelNames = [...new Set(f.samples.flatMap((s) => Object.keys(s.labels)))];
    const M = f.type === 'counter' ? Counter : Gauge;
    return { f, m: new M({ name: f.name, help: f.help, labelNames, registers: [registry] }) };
  });
  const promClient = async () => {
    for (const { f, m } of metrics) {
      m.reset();
      // A counter has no set(): after reset(), inc() by the value is the way to write one.
      for (const s of f.samples) f.type === 'counter' ? m.inc(s.labels, s.value) : m.set(s.labels, s.value);
    }
    return registry.metrics();
  };
  const ours = () => renderExposition(families.map((f) => ({ name: f.name, help: f.help, type: f.type, samples: f.samples.map((s) => ({ labels: s.labelText, value: s.value })) })), 'text');
  const time = async (f) => {
    for (let i = 0; i < 3; i++) await f();
    const c0 = selfCpuMs();
    for (let i = 0; i < 10; i++) await f();
    return (selfCpuMs() - c0) / 10;
  };
  return { series, promClientMs: ms(await time(promClient)), ctrscopeMs: ms(await time(ours)) };
}

let serveStderr = '';
try {
  const loadStart = loadavg();
  const t0 = performance.now();
  await containers.grow(N);
  const built = (performance.now() - t0) / 1000;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  serve = spawn(process.execPath, [MAIN, 'serve', '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: SERVE_NODE_OPTIONS, GLIBC_TUNABLES: SERVE_GLIBC_TUNABLES } });
  serve.stderr.on('data', (d) => (serveStderr = (serveStderr + d).slice(-2000)));
  for (let i = 0; ; i++) {
    if (serve.exitCode !== null) throw new Error(`serve exited ${serve.exitCode}: ${serveStderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (i > 600) throw new Error('serve did not answer /healthz within 60 s');
    await sleep(100);
  }

  // 1. Scrape cost.
  let body = '';
  for (let i = 0; i < WARMUP; i++) {
    body = await scrape(url);
    await sleep(SPACING_MS);
  }
  const seen = (body.match(/^ctrscope_container_info\{/gm) ?? []).length;
  const series = body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  const c0 = cpuTicks(serve.pid);
  let wall = 0;
  for (let i = 0; i < SCRAPES; i++) {
    const w = performance.now();
    await scrape(url);
    wall += performance.now() - w;
    await sleep(SPACING_MS);
  }
  const scrapeCpuMs = ((cpuTicks(serve.pid) - c0) / HZ / SCRAPES) * 1000;

  // 2. lsns --json over the same host.
  const l0 = childrenCpuMs();
  const lw = performance.now();
  for (let i = 0; i < LSNS_RUNS; i++) {
    const r = spawnSync('lsns', ['--json'], { stdio: ['ignore', 'ignore', 'ignore'] });
    if (r.status !== 0) throw new Error(`lsns --json exited ${r.status}`);
  }
  const lsnsCpuMs = (childrenCpuMs() - l0) / LSNS_RUNS;
  const lsnsWallMs = (performance.now() - lw) / LSNS_RUNS;

  // 3. prom-client against the direct writer, on this scrape's families.
  const libs = await clientLibraries(body);

  // 4. Soak.
  const rss = [];
  const s0 = performance.now();
  let nextSample = 0;
  let scrapes = 0;
  for (;;) {
    const t = (performance.now() - s0) / 1000;
    if (t >= nextSample) {
      rss.push([t, rssKiB(serve.pid)]);
      nextSample += 5;
    }
    if (t >= SOAK) break;
    await scrape(url);
    scrapes++;
    await sleep(SOAK_EVERY * 1000);
  }
  rss.push([(performance.now() - s0) / 1000, rssKiB(serve.pid)]);
  const kib = rss.map(([, r]) => r);
  const result = {
    load: { start: loadStart, end: loadavg() },
    nodeOptions: SERVE_NODE_OPTIONS,
    glibcTunables: SERVE_GLIBC_TUNABLES,
    containers: { built: N, seen, buildSeconds: Number(built.toFixed(1)) },
    series,
    scrape: { cpuMsPerScrape: ms(scrapeCpuMs), wallMsPerScrape: ms(wall / SCRAPES), scrapes: SCRAPES },
    lsns: { cpuMsPerRun: ms(lsnsCpuMs), wallMsPerRun: ms(lsnsWallMs), runs: LSNS_RUNS },
    ratio: Number((scrapeCpuMs / lsnsCpuMs).toFixed(2)),
    exposition: libs,
    soak: {
      seconds: SOAK,
      scrapes,
      rssMiB: { start: MiB(kib[0]), end: MiB(kib[kib.length - 1]), min: MiB(Math.min(...kib)), max: MiB(Math.max(...kib)) },
      slopeMiBPerMinute: Number((slope(rss.map(([t]) => t / 60), kib.map((k) => k / 1024))).toFixed(2)),
    },
  };
  if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`serve's NODE_OPTIONS '${SERVE_NODE_OPTIONS}', GLIBC_TUNABLES '${SERVE_GLIBC_TUNABLES}'; load average at start ${result.load.start.join(' ')}, at end ${result.load.end.join(' ')}`);
    console.log(`ctrscope serve, ${N} hand-made containers built in ${result.containers.buildSeconds} s (${seen} containers on the host, ${series} series per scrape)`);
    console.log(`scrape:  ${result.scrape.cpuMsPerScrape} ms CPU, ${result.scrape.wallMsPerScrape} ms wall (mean of ${SCRAPES}, each observing again)`);
    console.log(`lsns --json: ${result.lsns.cpuMsPerRun} ms CPU, ${result.lsns.wallMsPerRun} ms wall (mean of ${LSNS_RUNS})`);
    console.log(`scrape CPU / lsns CPU: ${result.ratio}x (target <= 0.5)`);
    console.log(`exposition of ${libs.series} container series: prom-client ${libs.promClientMs} ms CPU, ctrscope's writer ${libs.ctrscopeMs} ms CPU`);
    const s = result.soak;
    console.log(`soak ${SOAK} s, ${scrapes} scrapes: RSS start ${s.rssMiB.start} MiB, end ${s.rssMiB.end}, min ${s.rssMiB.min}, max ${s.rssMiB.max} (target <= 120), slope ${s.slopeMiBPerMinute} MiB/min`);
  }
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('close', r));
} catch (err) {
  const died = serve && (serve.exitCode !== null || serve.signalCode !== null) ? ` (serve exited ${serve.exitCode ?? serve.signalCode}: ${serveStderr.trim()})` : '';
  console.error(`bench-serve: ${err instanceof Error ? err.message : String(err)}${died}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
