#!/usr/bin/env node
/**
 * What steady-state `ctrscope top` costs. Builds N hand-made containers (unshare --pid --mount,
 * each in its own v1 cpu, cpuacct, memory and pids cgroups so the resource columns are read for
 * every one of them), runs `top --batch` at a 1 s interval on the compiled build, skips the
 * first WARMUP seconds (start-up and the first, uncached scan), then measures over DURATION
 * seconds: CPU used by top in percent of one core (utime + stime from /proc/<pid>/stat) and its
 * RSS at the start and end of the window. In the same run, one `lsns` pass over the same host is
 * timed as the reference. Needs root and `npm run build`.
 *
 *   node scripts/bench-top.mjs [N=300] [DURATION=30] [--json]
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const N = Number(args[0] ?? 300);
const DURATION = Number(args[1] ?? 30);
const WARMUP = 5;
const JSON_OUT = process.argv.includes('--json');
const MAIN = fileURLToPath(new URL('../dist/ctrscope.mjs', import.meta.url));
const CG = '/sys/fs/cgroup';
const CTRLS = ['cpu', 'cpuacct', 'memory', 'pids'].filter((c) => existsSync(`${CG}/${c}`));
const prefix = `ctrscope-bench-top-${process.pid}`;
const HZ = 100; // USER_HZ, as in collect.ts
const kids = [];

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

function cpuTicks(pid) {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}
const rssKiB = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

function parents() {
  const out = new Map();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'utf8');
      out.set(Number(e), Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  return out;
}

function cleanup() {
  for (const k of kids) k.kill('SIGKILL');
  execFileSync('sleep', ['0.5']);
  for (let i = 0; i < N; i++) {
    for (const c of CTRLS) {
      const d = `${CG}/${c}/${prefix}-${i}`;
      if (!existsSync(d)) continue;
      for (const p of readFileSync(`${d}/cgroup.procs`, 'utf8').split('\n').filter(Boolean)) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {}
      }
      for (let t = 0; t < 20; t++) {
        try {
          rmdirSync(d);
          break;
        } catch {
          execFileSync('sleep', ['0.1']);
        }
      }
    }
  }
}

async function main() {
  for (let i = 0; i < N; i++) kids.push(spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sleep', '3600'], { stdio: 'ignore' }));
  // unshare forks: the container is its child (pid 1 inside). Find them all in one /proc pass.
  let inits = [];
  for (let t = 0; t < 100; t++) {
    const pp = parents();
    inits = kids.map((k) => [...pp].find(([, ppid]) => ppid === k.pid)?.[0]).filter((x) => x !== undefined);
    if (inits.length === N) break;
    await sleep(0.2);
  }
  if (inits.length !== N) throw new Error(`only ${inits.length} of ${N} containers started`);
  inits.forEach((pid, i) => {
    for (const c of CTRLS) {
      mkdirSync(`${CG}/${c}/${prefix}-${i}`, { recursive: true });
      writeFileSync(`${CG}/${c}/${prefix}-${i}/cgroup.procs`, String(pid));
    }
  });

  const top = spawn(MAIN, ['top', '--batch', '--interval', '1', '--count', String(WARMUP + DURATION + 5)], { stdio: ['ignore', 'ignore', 'inherit'] });
  await sleep(WARMUP);
  const t0 = performance.now();
  const c0 = cpuTicks(top.pid);
  const r0 = rssKiB(top.pid);
  await sleep(DURATION);
  const c1 = cpuTicks(top.pid);
  const r1 = rssKiB(top.pid);
  const secs = (performance.now() - t0) / 1000;
  top.kill('SIGTERM');

  // lsns reference: its CPU time as the children's time of the shell that ran it.
  const ref = spawnSync('sh', ['-c', 'lsns >/dev/null 2>&1; cat /proc/$$/stat'], { encoding: 'utf8' });
  const f = ref.stdout.slice(ref.stdout.lastIndexOf(')') + 2).split(' ');
  const lsnsMs = ((Number(f[13]) + Number(f[14])) / HZ) * 1000;

  const result = {
    containers: N,
    seconds: Number(secs.toFixed(1)),
    topCpuPercentOfOneCore: Number(((((c1 - c0) / HZ) / secs) * 100).toFixed(2)),
    topCpuMsPerRefresh: Number(((((c1 - c0) / HZ) * 1000) / secs).toFixed(1)),
    topRssKiB: { start: r0, end: r1 },
    lsnsCpuMsPerRun: lsnsMs,
  };
  if (JSON_OUT) console.log(JSON.stringify(result));
  else {
    console.log(`ctrscope top --batch, ${N} hand-made containers, ${result.seconds} s after ${WARMUP} s of warm-up:`);
    console.log(`  CPU ${result.topCpuPercentOfOneCore}% of one core (${result.topCpuMsPerRefresh} ms per 1 s refresh)`);
    console.log(`  RSS ${(r0 / 1024).toFixed(1)} MiB at start, ${(r1 / 1024).toFixed(1)} MiB at end`);
    console.log(`  reference: one lsns run ${lsnsMs} ms CPU`);
  }
}

process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
try {
  await main();
} finally {
  cleanup();
}
