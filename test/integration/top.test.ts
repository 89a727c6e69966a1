/**
 * `ctrscope top` against real containers: the full-screen dashboard driven in tmux (keys in,
 * capture-pane out, asserted on content, never on whole screens), and --batch --json checked
 * against the schema and against what docker itself says.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, CLI_MAIN, ctrscope, describeWith, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = CLI_MAIN;

const prefix = testPrefix('top');
const image = `${prefix}-img:1`;
const names = ['alpha', 'bravo', 'charlie'].map((n) => `${prefix}-${n}`);
const session = `${prefix}-tmux`;
/** Lines above the table and the detail pane: host, load, containers. */
const HEADER_LINES = 3;

/** A tmux server of our own: other suites' kill-server must not take our session down. */
function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', session, ...args], { encoding: 'utf8' });
}
/** Stop our tmux server and remove its socket, which tmux leaves behind in its directory. */
function stopTmux(): void {
  shQuiet('tmux', ['-L', session, 'kill-server']);
  rmSync(join(process.env['TMUX_TMPDIR'] ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, session), { force: true });
}
const screen = (): string => tmux('capture-pane', '-p', '-t', session).replace(/\n$/, '');
const keys = (...k: string[]): void => void tmux('send-keys', '-t', session, ...k);
const type = (text: string): void => void tmux('send-keys', '-t', session, '-l', text);
const until = (f: (s: string) => boolean, what: string, ms = 20_000): Promise<string> =>
  waitFor(() => {
    const s = screen();
    return f(s) ? s : undefined;
  }, ms, `${what}; screen was:\n${screen()}`);
/** Poll without yielding to the event loop (the poll sleeps in tmux, not in node). */
function waitForSync(f: () => boolean, ms: number): true | undefined {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return true;
    execFileSync('sleep', ['0.1']);
  }
  return undefined;
}
const row = (s: string, name: string): number => s.split('\n').findIndex((l) => l.includes(name));

function startImage(dir: string): void {
  busyboxRootfs(join(dir, 'rootfs'));
  execFileSync('sh', ['-c', `tar -C "${join(dir, 'rootfs')}" -c . | docker import - ${image}`], { stdio: 'ignore' });
  for (const n of names) sh('docker', ['run', '-d', '--name', n, '--network', 'none', image, 'sleep', '600']);
}

function cleanup(dir: string): void {
  stopTmux();
  for (const n of names) shQuiet('docker', ['rm', '-f', n]);
  shQuiet('docker', ['rmi', '-f', image]);
  if (dir) rmSync(dir, { recursive: true, force: true });
}

describeWith(['root', 'docker', 'tmux'], 'ctrscope top (tmux, docker containers)', () => {
  let dir = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    startImage(dir);
    // A shell in the pane, so that after `q` we can see the terminal handed back to it.
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', 'sh');
    type(`cd ${REPO} && node ${MAIN} top; echo top-exit=$?`);
    keys('Enter');
  });

  afterAll(() => cleanup(dir));

  // Each step waits for the screen to show it took, so keys never race the dashboard's start.
  const filter = async (text: string): Promise<void> => {
    keys('/');
    await until((x) => x.includes('Enter keep'), 'the filter prompt');
    // `/` edits the filter kept so far: clear it first.
    keys('C-u');
    await until((x) => x.split('\n').at(-1)?.startsWith('/█') === true, 'an empty filter');
    type(text);
    await until((x) => x.includes(`/${text}█`), 'the typed filter');
    keys('Enter');
    await until((x) => x.includes(`filter "${text}"`), 'the filter to apply');
  };

  it('shows the host header, and a row per container once filtered to this suite', async () => {
    await until((x) => x.includes('ctrscope top') && x.split('\n').some((l) => l.startsWith('NAME')), 'the dashboard');
    // Keys typed while blessed still exchanges start-up queries with the terminal can be eaten:
    // knock with `?` until the help overlay answers, then close it.
    await waitFor(() => {
      keys('?');
      return waitForSync(() => screen().includes('any key closes this help'), 1000);
    }, 20_000, 'the help overlay');
    keys('Escape');
    await until((x) => !x.includes('any key closes this help'), 'the help to close');
    await filter(prefix);
    const s = await until((x) => names.every((n) => x.includes(n)), 'the three containers to appear');
    expect(s).toMatch(/cgroup (v1|v2|hybrid)/);
    expect(s).toMatch(/containers \d+ \(.*docker \d+/);
    const header = s.split('\n').find((l) => l.startsWith('NAME'));
    expect(header).toMatch(/NAME.*ID.*ENGINE.*CPU%.*MEM\/LIMIT.*UPTIME/);
    const r = s.split('\n')[row(s, names[0] as string)];
    expect(r).toContain('docker');
    expect(r).toContain(sh('docker', ['inspect', '-f', '{{.Id}}', names[0] as string]).trim().slice(0, 12));
  });

  it('filters by text: the others disappear', async () => {
    await filter(names[1] as string);
    const s = await until((x) => !x.includes(names[0] as string), 'the filter to hide the others');
    expect(s).toContain(names[1]);
    expect(s).not.toContain(names[2]);
    expect(s).toContain(`filter "${names[1]}"`);
  });

  it('sorts by NAME, and reverses', async () => {
    await filter(prefix);
    keys('N');
    let s = await until((x) => x.includes('NAME▲') && names.every((n) => x.includes(n)), 'the NAME sort mark');
    expect(row(s, names[0] as string)).toBeLessThan(row(s, names[1] as string));
    expect(row(s, names[1] as string)).toBeLessThan(row(s, names[2] as string));
    keys('r');
    s = await until((x) => x.includes('NAME▼'), 'the reversed sort mark');
    expect(row(s, names[2] as string)).toBeLessThan(row(s, names[1] as string));
    expect(row(s, names[1] as string)).toBeLessThan(row(s, names[0] as string));
  });

  it('opens the detail view on Enter, with identity, namespaces and processes, and closes it', async () => {
    const id = sh('docker', ['inspect', '-f', '{{.Id}}', names[2] as string]).trim();
    const pid = sh('docker', ['inspect', '-f', '{{.State.Pid}}', names[2] as string]).trim();
    keys('Home', 'Enter');
    // The pane may wrap a 64-character id; its first half identifies the container well enough.
    const s = await until((x) => x.includes(id.slice(0, 32)), 'the detail view of the first row');
    expect(s).toContain('namespaces');
    expect(s).toMatch(/net\s+\d+\s+private/);
    // The process list ends the pane: End scrolls to it.
    keys('End');
    const end = await until((x) => x.includes('processes ('), 'the process list');
    expect(end).toMatch(new RegExp(`\\b${pid}\\s+1\\s+cgroup\\b.*sleep 600`));
    keys('Escape');
    await until((x) => !x.includes(id.slice(0, 32)) && x.split('\n').some((l) => l.startsWith('NAME')), 'the table to come back');
  });

  it('e leaves the dashboard for a shell in the container (`enter --all`) and comes back when it exits', async () => {
    const hostname = sh('docker', ['inspect', '-f', '{{.Config.Hostname}}', names[2] as string]).trim();
    keys('Home', 'Enter');
    await until((x) => x.includes('namespaces'), 'the detail view');
    keys('e');
    await until((x) => /^\/ #$/m.test(x), "the container shell's prompt");
    type('hostname');
    keys('Enter');
    await until((x) => x.split('\n').includes(hostname), 'the container hostname');
    type('exit');
    keys('Enter');
    await until((x) => x.includes('ctrscope top') && x.includes('namespaces'), 'the dashboard after the shell exits');
    keys('Escape');
  });

  it('stays readable at 80x24', async () => {
    tmux('resize-window', '-t', session, '-x', '80', '-y', '24');
    const s = await until((x) => x.split('\n').some((l) => l.startsWith('NAME') && l.length <= 80 && l.includes('UPTIME')), 'the 80-column layout');
    const all = s.split('\n');
    expect(all.length).toBeLessThanOrEqual(24);
    for (const l of all) expect(l.length).toBeLessThanOrEqual(80);
    expect(s).toContain('ctrscope top');
    expect(s).toMatch(/CPUs \d+ +load/);
    for (const n of names) expect(s).toContain(n);
    expect(s).toMatch(/\? help/);
  });

  it('q quits, exits 0, and gives the terminal back', async () => {
    keys('q');
    const s = await until((x) => x.includes('top-exit='), 'the shell to get the terminal back');
    expect(s).toContain('top-exit=0');
    expect(s).not.toContain('NAME');
    expect(tmux('display', '-p', '-t', session, '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
  });
});

describeWith(['root', 'docker'], 'ctrscope top --batch', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-b-`));
    startImage(dir);
  });
  afterAll(() => cleanup(dir));

  it('--count 2 --json prints two NDJSON refreshes of schema-valid containers with their uptime', async () => {
    const r = await ctrscope(['top', '--batch', '--count', '2', '--interval', '0.5', '--json']);
    expect(r.code).toBe(0);
    const docs = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; seq: number; containers: { name: string; id: string; stats: { uptimeSec: number } }[] });
    expect(docs).toHaveLength(2);
    expect(docs.map((d) => d.seq)).toEqual([1, 2]);
    for (const d of docs) {
      expect(schemaErrors(d)).toEqual([]);
      expect(d.kind).toBe('top');
      const c = d.containers.find((x) => x.name === names[0]);
      expect(c?.id).toBe(sh('docker', ['inspect', '-f', '{{.Id}}', names[0] as string]).trim());
      const started = Date.parse(sh('docker', ['inspect', '-f', '{{.State.StartedAt}}', names[0] as string]).trim());
      expect(Math.abs((c?.stats.uptimeSec ?? -1) - (Date.now() - started) / 1000)).toBeLessThan(5);
    }
  });

  it('without a terminal, plain `top` points to --batch (exit 2)', async () => {
    const r = await ctrscope(['top']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--batch');
  });
});

describeWith(['root', 'docker', 'tmux'], 'ctrscope top with a busy --cpus 0.5 container', () => {
  let dir = '';
  const busy = `${prefix}-busy`;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-c-`));
    startImage(dir);
    sh('docker', ['run', '-d', '--name', busy, '--network', 'none', '--cpus', '0.5', image, 'sh', '-c', 'while :; do :; done']);
  });
  afterAll(() => {
    shQuiet('docker', ['rm', '-f', busy]);
    cleanup(dir);
  });

  it('batch: 40-60% of a host CPU and near 100% of its limit, in at least 2 of 3 refreshes', async () => {
    const r = await ctrscope(['top', '--batch', '--count', '4', '--interval', '1', '--json']);
    expect(r.code).toBe(0);
    // The first refresh has nothing to compare with; the next three have rates.
    const docs = r.stdout.trimEnd().split('\n').slice(1).map((l) => JSON.parse(l) as { containers: { name: string; stats: { cpuPercent: number | null; cpuLimitCpus: number | string | null } }[] });
    const stats = docs.map((d) => d.containers.find((c) => c.name === busy)?.stats);
    expect(stats.every((s) => s?.cpuLimitCpus === 0.5)).toBe(true);
    const good = stats.filter((s) => s?.cpuPercent != null && s.cpuPercent >= 40 && s.cpuPercent <= 60 && s.cpuPercent / 0.5 >= 85);
    expect(good.length, JSON.stringify(stats)).toBeGreaterThanOrEqual(2);
    // The idle ones use next to nothing.
    for (const d of docs) expect(d.containers.find((c) => c.name === names[0])?.stats.cpuPercent ?? 0).toBeLessThan(5);
  });

  it('dashboard: sorting by CPU% (the default) puts the busy container first', async () => {
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', '-c', REPO, `node ${MAIN} top`);
    await until((x) => x.includes('CPU%▼'), 'the dashboard');
    await waitFor(() => {
      keys('/');
      return waitForSync(() => screen().includes('Enter keep'), 1000);
    }, 20_000, 'the filter prompt');
    type(prefix);
    keys('Enter');
    const s = await until((x) => x.includes(`filter "${prefix}"`) && [busy, ...names].every((n) => x.includes(n)) && /\b\d+\.\d\b/.test(x.split('\n').find((l) => l.includes(busy)) ?? ''), 'four rows with a CPU figure');
    const rows = s.split('\n').filter((l) => l.includes(prefix));
    expect(rows[0]).toContain(busy);
  });
});

describeWith(['root', 'tmux'], 'ctrscope top on a host without containers', () => {
  const command = `unshare --pid --fork --mount-proc node ${MAIN} top`;
  const dashboards = (): string => spawnSync('pgrep', ['-f', `^node ${MAIN} top$`], { encoding: 'utf8' }).stdout.trim();
  afterAll(() => {
    stopTmux();
    shQuiet('pkill', ['-KILL', '-f', `^node ${MAIN} top$`]);
  });

  it('the built bin offers the bundled sample, d opens it, and a closed terminal ends it', async () => {
    // A fresh pid namespace with its own /proc: the dashboard sees one process and no container,
    // which is what the quick start's `npx ctrscope top` shows on an empty host. As that
    // namespace's init it also gets no default action for SIGHUP: only its own handler ends it.
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', '-c', REPO, command);
    await until((x) => x.includes('No containers on this host. Press d'), 'the offer of the recorded host');
    // Keys sent while blessed still talks to the terminal can be lost: press until it answers.
    await waitFor(() => {
      keys('d');
      return waitForSync(() => screen().includes('[recorded'), 1000);
    }, 20_000, 'the recorded host');
    const s = await until((x) => x.includes('sample-web'), 'the sample containers');
    expect(s).toContain('samples/hybrid-docker');
    expect(s).toMatch(/containers 3 \(docker 3\)/);

    // A recorded host does not change, so the dashboard soon has nothing to redraw; a write to
    // the closed terminal would fail and end it anyway. Wait for a still screen, then hang up:
    // only the SIGHUP handler can end it now.
    let last = '';
    await waitFor(() => {
      const now = screen();
      const still = now === last;
      last = now;
      return still || (execFileSync('sleep', ['1.5']), undefined);
    }, 20_000, 'a still screen');
    expect(dashboards()).not.toBe('');
    tmux('kill-server');
    await waitFor(() => dashboards() === '' || undefined, 10_000, 'the dashboard to exit after its terminal closed');
  });
});

/**
 * What a new user hit (issue 16), at 80x24 and 160x50: one dashboard per size over the same
 * containers, started with `--filter` on this suite's prefix. A busy container sorts first once
 * CPU figures exist, while the first refresh (no figures, sorted by name) has an idle one first;
 * 20 idle ones make the list longer than an 80x24 window; a podman pod has its POD name.
 */
describeWith(['root', 'docker', 'podman', 'runc', 'tmux'], 'ctrscope top: cursor, detail, layout, colour, filters (80x24 and 160x50)', () => {
  const p = testPrefix('topux');
  const img = `${p}-img:1`;
  const podImage = `localhost/${p}:latest`;
  const busy = `${p}-z-busy`;
  const idle = [`${p}-a-idle`, ...Array.from({ length: 20 }, (_, i) => `${p}-s${String(i).padStart(2, '0')}`)];
  const pod = `${p}-pod`;
  const podMember = `${p}-m-inpod`;
  const tmuxIn = (sock: string, ...args: string[]): string => execFileSync('tmux', ['-L', sock, ...args], { encoding: 'utf8' });
  const sockets: string[] = [];
  let dir = '';

  beforeAll(async () => {
    // Asynchronous, so the test worker keeps answering vitest while engines are slow.
    const run = async (cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> => void (await promisify(execFile)(cmd, args, env ? { env } : {}));
    dir = mkdtempSync(join(tmpdir(), `${p}-`));
    chmodSync(dir, 0o755);
    // podman needs runc and ulimits within this machine's hard limits, its pod's infra container too.
    writeFileSync(join(dir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]\n[engine]\nruntime = "runc"\n', { mode: 0o644 });
    const podEnv = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') };
    busyboxRootfs(join(dir, 'rootfs'));
    await run('sh', ['-c', `tar -C "${join(dir, 'rootfs')}" -c . | docker import - ${img}`]);
    await run('sh', ['-c', `tar -C "${join(dir, 'rootfs')}" -c . | podman import - ${podImage}`], podEnv);
    // Three processes under a pids limit of 3: inspect's diagnosis says fork() will fail.
    await run('docker', ['run', '-d', '--name', busy, '--network', 'none', '--cpus', '0.5', '--memory', '64m', '--pids-limit', '3', img, 'sh', '-c', 'sleep 600 & sleep 601 & while :; do :; done']);
    for (const n of idle) await run('docker', ['create', '--name', n, '--network', 'none', img, 'sleep', '600']);
    await run('docker', ['start', ...idle]);
    await run('podman', ['pod', 'create', '--name', pod], podEnv);
    await run('podman', ['run', '-d', '--pod', pod, '--name', podMember, podImage, 'sleep', '600'], podEnv);
  }, 180_000);

  afterAll(() => {
    for (const s of sockets) {
      shQuiet('tmux', ['-L', s, 'kill-server']);
      rmSync(join(process.env['TMUX_TMPDIR'] ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, s), { force: true });
    }
    shQuiet('docker', ['rm', '-f', busy, ...idle]);
    shQuiet('docker', ['rmi', '-f', img]);
    shQuiet('podman', ['pod', 'rm', '-f', pod]);
    shQuiet('podman', ['rmi', '-f', podImage]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  /** A dashboard in a tmux server of its own, at a size, with extra environment. */
  function open(name: string, cols: number, lines: number, args: string, env = ''): { screen: (escapes?: boolean) => string; keys: (...k: string[]) => void; type: (t: string) => void; until: (f: (s: string) => boolean, what: string, ms?: number) => Promise<string> } {
    const sock = `${p}-${name}`;
    sockets.push(sock);
    tmuxIn(sock, 'new-session', '-d', '-s', sock, '-x', String(cols), '-y', String(lines), '-c', REPO, `${env} node ${MAIN} top ${args}`);
    const scr = (escapes = false): string => tmuxIn(sock, 'capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', sock).replace(/\n$/, '');
    return {
      screen: scr,
      keys: (...k) => void tmuxIn(sock, 'send-keys', '-t', sock, ...k),
      type: (t) => void tmuxIn(sock, 'send-keys', '-t', sock, '-l', t),
      until: (f, what, ms = 30_000) =>
        waitFor(() => {
          const s = scr();
          return f(s) ? s : undefined;
        }, ms, `${what}; screen was:\n${scr()}`),
    };
  }
  const busyHasCpu = (s: string): boolean => /\b\d+(\.\d)?\b/.test((s.split('\n').find((l) => l.includes(busy)) ?? '').slice(busy.length));
  const statusOf = (s: string): string => s.split('\n').at(-1) ?? '';

  for (const [cols, lines] of [[80, 24], [160, 50]] as const) {
    describe(`at ${cols}x${lines}`, () => {
      let t!: ReturnType<typeof open>;
      beforeAll(() => {
        t = open(`${cols}`, cols, lines, `--filter ${p}`);
      });
      // Back to the table from wherever a failed test left it (Left is a no-op in the table).
      beforeEach(async () => {
        // An Escape followed at once by another key reads as Alt+key: wait for it to take.
        if (statusOf(t.screen()).startsWith('/')) {
          t.keys('Escape');
          await t.until((x) => !statusOf(x).startsWith('/'), 'the filter prompt to close');
        }
        t.keys('Left');
        await t.until((x) => x.split('\n').some((l) => l.startsWith('NAME')), 'the table');
      });
      const rowNames = (s: string): string[] => s.split('\n').flatMap((l) => [busy, ...idle, podMember].filter((n) => l.includes(n)).slice(0, 1));

      it('Enter opens the first row: the cursor stays on it while the busiest container sorts to the top', async () => {
        const s = await t.until((x) => busyHasCpu(x) && rowNames(x)[0] === busy, 'the busy container on the first row with a CPU figure');
        // Everything fits in the width: the title is not wrapped, no line is longer.
        for (const l of s.split('\n')) expect(l.length).toBeLessThanOrEqual(cols);
        expect(s.split('\n')[1]).toMatch(/^CPUs \d+/);
        t.keys('Enter');
        const d = await t.until((x) => x.includes('diagnosis'), 'the detail view');
        expect(d.split('\n')[HEADER_LINES]).toContain(busy);
        t.keys('Escape');
        await t.until((x) => x.split('\n').some((l) => l.startsWith('NAME')), 'the table');
      });

      it('the detail view reaches every section by scrolling, with the diagnosis of the CPU limit', async () => {
        t.keys('Home', 'Enter');
        let s = await t.until((x) => x.includes('diagnosis'), 'the detail view');
        const seen = new Set<string>();
        for (let i = 0; i < 20; i++) {
          for (const l of s.split('\n')) seen.add(l);
          for (const l of s.split('\n')) expect(l.length).toBeLessThanOrEqual(cols);
          const m = /lines (\d+)-(\d+)\/(\d+)/.exec(statusOf(s));
          if (m === null || m[2] === m[3]) break;
          const before = statusOf(s);
          t.keys('PageDown');
          s = await t.until((x) => statusOf(x) !== before, 'the pane to scroll');
        }
        const all = [...seen].join('\n');
        for (const label of ['uptime', 'cpu', 'throttled', 'memory', 'pids', 'oom kills', 'pressure', 'net rx/tx', 'io r/w', 'name', 'id', 'engine', 'image', 'pid', 'command', 'cgroup', 'mnt', 'net', 'user', 'PID', 'NSPID']) {
          expect(all, label).toMatch(new RegExp(`(^|[│|x ])${label.replace('/', '\\/')}\\s`, 'm'));
        }
        expect(all).toContain('while :; do :; done');
        expect(all).toContain(sh('docker', ['inspect', '-f', '{{.Id}}', busy]).trim().slice(0, 32));
        // inspect's diagnosis of 3 processes under a pids limit of 3.
        expect(all).toMatch(/!! 3 of 3 pids used: fork\(\) will fail at the limit/);
        t.keys('Escape');
        await t.until((x) => x.split('\n').some((l) => l.startsWith('NAME')), 'the table');
      });

      it('shows where the window is in a longer list, and how many rows the filter keeps', async () => {
        const s = await t.until((x) => statusOf(x).includes('/'), 'the status line');
        // The busy one, the idle ones, the pod member and the pod's infra container.
        const mine = 3 + idle.length;
        if (lines === 24) expect(statusOf(s)).toMatch(new RegExp(`^1-19 of ${mine} \\(${mine}/\\d+\\)`));
        else expect(statusOf(s)).toMatch(new RegExp(`^${mine}/\\d+ shown`));
        if (lines === 24) {
          t.keys('End');
          await t.until((x) => statusOf(x).startsWith(`${mine - 18}-${mine} of ${mine}`), 'the window at the end');
        }
      });

      it('Home and PgUp reach the first row in group-by-pod mode', async () => {
        t.keys('g');
        await t.until((x) => statusOf(x).includes('grouped by pod'), 'grouping by pod');
        for (const k of ['Home', 'PageUp']) {
          t.keys('End');
          await t.until((x) => (lines === 24 ? /^\d+-(\d+) of \1 /.test(statusOf(x)) : rowNames(x).length > 0), 'the end of the list');
          t.keys(k, ...(k === 'PageUp' ? ['PageUp', 'PageUp'] : []), 'Enter');
          const d = await t.until((x) => x.includes('diagnosis'), `the detail view after ${k}`);
          // The first row: a member of the pod (podman's), under its pod's heading; the last
          // row, where the cursor was, is one of the docker containers.
          expect(d.split('\n')[HEADER_LINES], k).toMatch(/ — podman /);
          t.keys('Escape');
          await t.until((x) => x.includes('not in a pod ('), 'the table');
        }
        t.keys('g');
        await t.until((x) => !statusOf(x).includes('grouped by pod'), 'the list without headings');
      });

      it('the o filter and the POD column say the same pod name, which inspect takes as a target', async () => {
        t.keys('o');
        const s = await t.until((x) => statusOf(x).includes(`pod ${pod}`), 'the pod filter by the name POD shows');
        expect(statusOf(s)).not.toMatch(/podman[:/][0-9a-f]{12}/);
        expect(rowNames(s)).toEqual([podMember]);
        const r = await ctrscope(['inspect', '--json', pod]);
        expect(r.code).toBe(0);
        t.keys('o');
        await t.until((x) => !statusOf(x).includes(`pod ${pod}`), 'the filters cleared');
      });

      it('filters as you type, by field, with shown/total; pod: does not match the engine podman', async () => {
        t.keys('/');
        await t.until((x) => statusOf(x).startsWith('/'), 'the filter prompt');
        t.type('name:z-bu');
        let s = await t.until((x) => rowNames(x).length === 1, 'the rows to match while typing');
        expect(rowNames(s)).toEqual([busy]);
        // `/` edits the filter kept so far (the --filter prefix).
        expect(statusOf(s)).toMatch(new RegExp(`^/${p} name:z-bu█ +1/\\d+`));
        t.keys('C-u');
        await t.until((x) => statusOf(x).startsWith('/█'), 'the draft cleared by Ctrl-U');
        t.type(`${p} pod:pod`);
        s = await t.until((x) => statusOf(x).includes('pod:pod█') && rowNames(x).length === 1, 'only the pod member');
        expect(rowNames(s)).toEqual([podMember]);
        t.keys('Escape');
        await t.until((x) => rowNames(x).length > 1, 'the filter before');
      });

      it('mouse: a click on a header sorts by it, a click on a row selects it and a second opens it', async () => {
        // SGR mouse reports (1-based column;line), press then release, as a terminal sends them.
        const click = (x: number, y: number): void => t.type(`\x1b[<0;${x + 1};${y + 1}M\x1b[<0;${x + 1};${y + 1}m`);
        let s = t.screen();
        const headerAt = s.split('\n').findIndex((l) => l.startsWith('NAME'));
        // By name, a stable order, so the row clicked twice stays on its line.
        click(1, headerAt);
        s = await t.until((x) => x.includes('NAME▲'), 'the sort by a clicked header');
        const line = s.split('\n').findIndex((l) => l.startsWith(`${p}-s05`));
        click(2, line);
        await t.until((x) => !x.includes('diagnosis'), 'the click to select');
        click(2, line);
        const d = await t.until((x) => x.includes('diagnosis'), 'the detail view of the clicked row');
        expect(d.split('\n')[HEADER_LINES]).toContain(`${p}-s05`);
        t.keys('Left');
        await t.until((x) => x.split('\n').some((l) => l.startsWith('NAME')), 'the table');
        t.keys('C', 'Home');
        await t.until((x) => x.includes('CPU%▼'), 'the CPU sort back');
      });

      it('keeps a sort column on screen with its mark, and says when columns are hidden', async () => {
        t.keys('T');
        const s = await t.until((x) => x.includes('THROT▼'), 'the THROT sort mark');
        const header = s.split('\n').find((l) => l.startsWith('NAME')) ?? '';
        // %LIM in at most 4 characters, the header's width: no "100.0" beside "101".
        // The column is as wide as its header: a wider value would have been cut with "…".
        const at = header.indexOf('%LIM');
        if (at >= 0) for (const l of s.split('\n').filter((x) => x.startsWith(p))) expect(l.slice(at, at + 4)).not.toContain('…');
        if (cols === 80) {
          expect(statusOf(s)).toMatch(/\d+ cols hidden/);
          expect(header).not.toMatch(/\bID\b/);
        } else expect(header).toMatch(/\bID\b.*\bPOD\b/);
        t.keys('C');
        await t.until((x) => x.includes('CPU%▼'), 'the CPU sort back');
      });
    });
  }

  it('--sort sets the start-up sort; NO_COLOR=1 draws no colour, without it there is colour', async () => {
    const plain = open('nocolor', 160, 50, `--filter ${p} --sort name`, 'NO_COLOR=1');
    const coloured = open('color', 160, 50, `--filter ${p} --sort name`);
    for (const t of [plain, coloured]) {
      const s = await t.until((x) => x.includes('NAME▲') && x.includes(busy), 'the dashboard sorted by name');
      const names = s.split('\n').filter((l) => l.startsWith(p)).map((l) => l.split(' ')[0]);
      expect(names.length).toBeGreaterThan(20);
      expect(names).toEqual([...names].sort());
      // With a figure the bars are drawn (green where colour is allowed).
      await t.until(busyHasCpu, 'CPU figures');
    }
    const sgrColours = (s: string): string[] => [...s.matchAll(/\x1b\[([0-9;]*)m/g)].flatMap((m) => (m[1] ?? '').split(';')).filter((c) => /^(3[0-7]|9[0-7]|4[0-7]|10[0-7]|38|48)$/.test(c));
    expect(sgrColours(coloured.screen(true)).length).toBeGreaterThan(0);
    expect(sgrColours(plain.screen(true))).toEqual([]);
    // Still readable: the cursor row in inverse video.
    expect(plain.screen(true)).toMatch(/\x1b\[[0-9;]*7[0-9;]*m/);
  });

  it('at 50 columns the title stays on its line', async () => {
    const t = open('narrow', 50, 24, `--filter ${p}`);
    const s = await t.until((x) => x.includes(busy.slice(0, 20)) || x.includes('NAME'), 'the dashboard');
    const all = s.split('\n');
    expect(all[0]).toMatch(/^ctrscope top/);
    expect(all[1]).toMatch(/^CPUs \d+/);
    expect(all[2]).toMatch(/^containers \d+/);
    expect(all[3]).toMatch(/^NAME/);
    for (const l of all) expect(l.length).toBeLessThanOrEqual(50);
  });
});
