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
 *               160x50 terminal) containers, the /proc listing and /proc/loadavg;
 *   + draw      visible, and a frame drawn with blessed as the dashboard draws one (views/tui/
 *               panels.ts: a 3-line header box, the inverse column header, the table box and
 *               the status line, tags on; one screen.render()): VISIBLE rows of the dashboard's
 *               columns, with bars and the cursor row, whose CPU% and uptime change at every
 *               refresh (uptime does on any host), to the pseudo-terminal of a 160x50 pane.
 * The whole measurement runs in a pane of a private tmux server (`tmux -L
 * ctrscope-floor-<pid>`, killed at the end), so drawing goes to a terminal as the dashboard's
 * does; the tmux server's own CPU (a terminal's) is not counted. Without tmux, only the variants
 * that draw nothing run, in this process.
 * It prints, per variant, CPU (user + system of this process, process.cpuUsage) per refresh in
 * ms and as % of one core at a 1 s refresh, median of ROUNDS rounds of REFRESHES refreshes each,
 * INTERVAL ms apart (1000 by default; less is quicker and reads the same files), the variants
 * alternating within each round.
 *
 *   node scripts/bench-top-floor.mjs [REFRESHES=10] [ROUNDS=3] [INTERVAL_MS=1000]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const [REFRESHES = 10, ROUNDS = 3, INTERVAL = 1000] = process.argv.slice(2).map(Number);
const BIN = fileURLToPath(new URL('../dist/ctrscope.mjs', import.meta.url));
if (!existsSync(BIN)) {
  console.error(`bench-top-floor: ${BIN} missing; build it first (npm run build)`);
  process.exit(1);
}
const COLS = 160;
const LINES = 50;
/** Set in the tmux pane: the file the pane's run writes its lines to. */
const PANE_OUT = process.env.BENCH_TOP_FLOOR_OUT;
const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
if (PANE_OUT === undefined && hasTmux) {
  // Run the measurement again in a COLSxLINES pane, and print what it wrote.
  const name = `ctrscope-floor-${process.pid}`;
  const out = `${tmpdir()}/${name}.out`;
  const tmux = (...a) => spawnSync('tmux', ['-f', '/dev/null', '-L', name, ...a], { encoding: 'utf8' });
  const shq = (x) => `'${String(x).replaceAll("'", "'\\''")}'`;
  writeFileSync(out, '');
  try {
    const cmd = [process.execPath, fileURLToPath(import.meta.url), REFRESHES, ROUNDS, INTERVAL].map(shq).join(' ');
    tmux('new-session', '-d', '-x', String(COLS), '-y', String(LINES), '-s', 'floor', `BENCH_TOP_FLOOR_OUT=${shq(out)} exec ${cmd} 2>>${shq(out)}`);
    const socket = tmux('display-message', '-p', '-t', 'floor', '#{socket_path}').stdout.trim();
    process.on('exit', () => {
      tmux('kill-server');
      rmSync(out, { force: true });
      if (socket) rmSync(socket, { force: true });
    });
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => process.exit(130));
    let shown = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const text = readFileSync(out, 'utf8');
      process.stdout.write(text.slice(shown));
      shown = text.length;
      if (text.includes('\n(done)\n') || tmux('has-session', '-t', 'floor').status !== 0) break;
    }
  } finally {
    process.exit(0);
  }
}
const say = (line) => (PANE_OUT === undefined ? console.log(line) : appendFileSync(PANE_OUT, `${line}\n`));

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
/** One pread; a container removed since (another's, on a shared host) is skipped, as top would show it gone. */
const pread = (fd) => {
  try {
    readSync(fd, buf, 0, buf.length, 0);
  } catch {
    // ENODEV (a network namespace's process gone), ENOENT (a cgroup removed)
  }
};
const fds = paths.map((p) => openSync(p, 'r'));
const readCounters = () => {
  for (const fd of fds) pread(fd);
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
    for (const i of cpuOnly) pread(fds[i]);
    for (const i of shown) pread(fds[i]);
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

if (PANE_OUT !== undefined) {
  const { default: blessed } = await import('blessed');
  // The dashboard's boxes (views/tui/panels.ts).
  const screen = blessed.screen({ smartCSR: true, title: 'ctrscope top', warnings: false, fullUnicode: false });
  const header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 3, tags: true });
  const columns = blessed.box({ parent: screen, top: 3, left: 0, width: '100%', height: 1, style: { inverse: true } });
  const body = blessed.box({ parent: screen, top: 4, left: 0, width: '100%', bottom: 1, tags: true });
  const status = blessed.box({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true });
  const W = COLS - 1;
  const shownRows = ps.containers.slice(0, VISIBLE);
  const bar = (f) => `{green-fg}[${'|'.repeat(Math.round(f * 8)).padEnd(8)}]{/green-fg}`;
  let n = 0;
  variants['+ draw'] = () => {
    variants.visible();
    n++;
    header.setContent(`{bold}ctrscope top{/bold}  host  kernel 6  cgroup hybrid  [live]\nCPUs 2  load 0.${n % 100}  mem 1.3G/24G  up 12h${n % 60}m\ncontainers ${ps.containers.length}  pods 0  processes 1284`);
    columns.setContent('NAME     ID                ENGINE POD        PID CPU%▼            %LIM THROT MEM/LIMIT            PIDS NET RX/TX    IO R/W UPTIME COMMAND'.padEnd(W));
    const lines = shownRows.map((c, i) => {
      const cpu = ((n * 7 + i * 13) % 1000) / 10;
      const cells = `${'-'.padEnd(8)} ${String(c.id).slice(0, 17).padEnd(17)} ${'-'.padEnd(6)} ${'-'.padEnd(8)} ${String(c.pid).padStart(6)} ${cpu.toFixed(1).padStart(5)} ${bar(cpu / 200)} ${(cpu / 2).toFixed(1).padStart(4)} ${'0.0%'.padStart(5)} ${`${400 + i}K/256M`.padStart(9)} ${bar(0.01)} ${'3/64'.padStart(4)} ${'0B/0B'.padStart(9)} ${'?/?'.padStart(9)} ${`${n % 60}m${i % 60}s`.padStart(6)} `;
      const line = cells + `sh -c read go; mount -t sysfs sysfs /sys`.padEnd(W - cells.length + 2 * 21).slice(0, W - cells.length + 2 * 21);
      return i === 0 ? `{inverse}${line}{/inverse}` : line;
    });
    body.setContent(lines.join('\n'));
    status.setContent(`1-${VISIBLE} of ${ps.containers.length}  {gray-fg}? help  / filter  s sort  Enter details  q quit{/gray-fg}`);
    screen.render();
  };
}

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
say(`${ps.containers.length} containers, ${netnsSeen.size} network namespaces, ${fds.length} files kept open; processes (running/all) ${processes}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
for (const [k, v] of Object.entries(results)) {
  const m = med(v);
  say(`${k.padEnd(10)} ${m.toFixed(2).padStart(7)} ms per refresh (${(m / 10).toFixed(2)}% of one core at 1 s; rounds ${v.map((x) => x.toFixed(1)).join(', ')})`);
}
if (PANE_OUT !== undefined) {
  say('(done)');
  process.exit(0);
}
