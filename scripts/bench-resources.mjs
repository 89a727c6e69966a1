#!/usr/bin/env node
/**
 * How much reading limits and usage adds to `ps`. Builds N hand-made containers (unshare
 * --pid --mount, each in its own v1 cgroups for cpu, cpuacct, memory, pids, blkio and freezer),
 * then times, in-process on the compiled build, the scan that `ps --no-rates` does without
 * resources (collectSnapshot + buildHostModel + JSON) against the same plus resource reading
 * (both passes of a rate sample; the sleep between them is left out: it is a chosen interval,
 * not work). Prints the medians and the percentage added. Needs root and `npm run build`.
 *
 *   node scripts/bench-resources.mjs [N=300] [runs=7]
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { collectSnapshot } from '../dist/collectors/collect.js';
import { openHostRoot } from '../dist/collectors/host-root.js';
import { collectResources } from '../dist/collectors/resources.js';
import { buildHostModel } from '../dist/src/model/host-model.js';
import { psToJson } from '../dist/views/json/container.js';

const N = Number(process.argv[2] ?? 300);
const RUNS = Number(process.argv[3] ?? 7);
const CG = '/sys/fs/cgroup';
const CTRLS = ['cpu', 'cpuacct', 'memory', 'pids', 'blkio', 'freezer'].filter((c) => existsSync(`${CG}/${c}`));
const prefix = `ctrscope-bench-res-${process.pid}`;
const kids = [];

function childrenOf(pid) {
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch {}
  }
  return out;
}

function cleanup() {
  for (const k of kids) k.kill('SIGKILL');
  for (let i = 0; i < N; i++) {
    for (const c of CTRLS) {
      const d = `${CG}/${c}/${prefix}-${i}`;
      if (!existsSync(d)) continue;
      for (const p of readFileSync(`${d}/cgroup.procs`, 'utf8').split('\n').filter(Boolean)) {
        try { process.kill(Number(p), 'SIGKILL'); } catch {}
      }
    }
  }
  execFileSync('sleep', ['0.5']);
  for (let i = 0; i < N; i++) for (const c of CTRLS) { try { rmdirSync(`${CG}/${c}/${prefix}-${i}`); } catch {} }
}
process.on('SIGINT', () => { cleanup(); process.exit(130); });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  for (let i = 0; i < N; i++) {
    const k = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sleep', '900'], { stdio: 'ignore' });
    kids.push(k);
  }
  // Each container's sleep goes into its own cgroups.
  for (let i = 0; i < N; i++) {
    let init;
    for (let t = 0; t < 200 && init === undefined; t++) {
      init = childrenOf(kids[i].pid)[0];
      if (init === undefined) execFileSync('sleep', ['0.02']);
    }
    if (init === undefined) throw new Error(`container ${i} did not start`);
    for (const c of CTRLS) {
      const d = `${CG}/${c}/${prefix}-${i}`;
      mkdirSync(d);
      if (c === 'memory') writeFileSync(`${d}/memory.limit_in_bytes`, String(64 << 20));
      if (c === 'pids') writeFileSync(`${d}/pids.max`, '100');
      writeFileSync(`${d}/cgroup.procs`, String(init));
    }
  }
  const root = openHostRoot('/');
  const base = [];
  const onePass = [];
  const twoPass = [];
  let containers = 0;
  let measured = 0;
  for (let r = 0; r < RUNS; r++) {
    let t0 = performance.now();
    const model = buildHostModel(collectSnapshot(root, { nowMs: Date.now() }));
    JSON.stringify(psToJson(model));
    base.push(performance.now() - t0);
    t0 = performance.now();
    const one = await collectResources(root, model.snapshot.processes, model.containers, { intervalMs: null });
    JSON.stringify(psToJson(model, undefined, one));
    onePass.push(performance.now() - t0);
    t0 = performance.now();
    const two = await collectResources(root, model.snapshot.processes, model.containers, { intervalMs: 0, sleep: async () => {} });
    JSON.stringify(psToJson(model, undefined, two));
    twoPass.push(performance.now() - t0);
    containers = model.containers.length;
    measured = [...two.values()].filter((x) => x.cgroups.memory !== undefined).length;
  }
  const b = median(base);
  const pct = (x) => `+${((x / b) * 100).toFixed(0)}%`;
  console.log(`containers: ${containers} (${measured} with a cgroup of their own; ${N} built by this script)`);
  console.log(`ps scan without resources (snapshot + model + JSON): ${b.toFixed(1)} ms (median of ${RUNS})`);
  console.log(`limits + usage, one pass (--no-rates): ${median(onePass).toFixed(1)} ms = ${pct(median(onePass))}`);
  console.log(`limits + usage + rate counters, two passes (sleep excluded): ${median(twoPass).toFixed(1)} ms = ${pct(median(twoPass))} (target <= +50%)`);
  // Against what a user waits for: the whole command, node start-up and output included.
  const walls = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    execFileSync(process.execPath, [new URL('../dist/ctrscope.mjs', import.meta.url).pathname, 'ps', '--json', '--no-rates'], { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 28 });
    walls.push(performance.now() - t);
  }
  const wall = median(walls);
  const one = median(onePass);
  console.log(`whole command ps --json --no-rates: ${wall.toFixed(0)} ms, of which resources ~${one.toFixed(0)} ms = +${((one / (wall - one)) * 100).toFixed(0)}% over the command without them`);
} finally {
  cleanup();
}
