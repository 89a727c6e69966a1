/**
 * `ctrscope top` against real containers: the full-screen dashboard driven in tmux (keys in,
 * capture-pane out, asserted on content, never on whole screens), and --batch --json checked
 * against the schema and against what docker itself says.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, CLI_MAIN, ctrscope, describeWith, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = CLI_MAIN;

const prefix = testPrefix('top');
const image = `${prefix}-img:1`;
const names = ['alpha', 'bravo', 'charlie'].map((n) => `${prefix}-${n}`);
const session = `${prefix}-tmux`;

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
    await until((x) => x.includes('Enter apply'), 'the filter prompt');
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
    expect(s).toMatch(new RegExp(`\\b${pid}\\s+1\\s+cgroup\\b.*sleep 600`));
    expect(s).toContain('processes');
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
      return waitForSync(() => screen().includes('Enter apply'), 1000);
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
