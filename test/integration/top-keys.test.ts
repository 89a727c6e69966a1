/**
 * The dashboard's keys on real containers, in tmux at 80x24 and at 160x50 (issue 16): the
 * detail view's process tree and its cursor (`e` enters the selected process, `x` signals it
 * after a prompt naming it, and refuses one that is gone), `l` tails the log from the engine's
 * files (docker json-file, podman k8s-file, and a container that has none), events marked on
 * rows (an OOM kill, a `docker exec`, exits of a restarting container) and listed in the
 * detail view, and `c`'s column chooser.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { busyboxRootfs, CLI_MAIN, describeWith, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** Each step's time limit: the dashboard refreshes slowly on a host loaded with other suites. */
const STEP_MS = 180_000;
const SIZES = [
  [80, 24],
  [160, 50],
] as const;

/** Host pids whose parent is pid, with their command lines. */
function children(pid: number): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push({ pid: Number(e), cmd: readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

describeWith(['root', 'docker', 'podman', 'runc', 'tmux'], 'ctrscope top keys: process tree, signals, logs, events, columns (80x24 and 160x50)', () => {
  const p = testPrefix('topkeys');
  const img = `${p}-img:1`;
  const podImage = `localhost/${p}:latest`;
  // Short names: with a mark before it (`! `), a name still fits the NAME column uncut.
  const tree = (cols: number): string => `${p}-t${cols}`;
  const oom = (cols: number): string => `${p}-o${cols}`;
  const nolog = `${p}-nolog`;
  const podmanC = `${p}-pm`;
  const restarting = (cols: number): string => `${p}-r${cols}`;
  const sockets: string[] = [];
  let dir = '';
  let podEnv: NodeJS.ProcessEnv = {};
  const run = async (cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> => (await promisify(execFile)(cmd, args, env ? { env } : {})).stdout;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${p}-`));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]\n[engine]\nruntime = "runc"\n', { mode: 0o644 });
    podEnv = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') };
    busyboxRootfs(join(dir, 'rootfs'));
    await run('sh', ['-c', `tar -C "${join(dir, 'rootfs')}" -c . | docker import - ${img}`]);
    await run('sh', ['-c', `tar -C "${join(dir, 'rootfs')}" -c . | podman import - ${podImage}`], podEnv);
    // A shell with two children: a loop writing to stdout and stderr (and its sleeps), and a sleep.
    for (const [cols] of SIZES) {
      await run('docker', ['run', '-d', '--name', tree(cols), '--network', 'none', img, 'sh', '-c', `sh -c "while :; do echo tick-${cols}; echo tock-err >&2; sleep 1; done" & sleep 900 & wait`]);
    }
    await run('docker', ['run', '-d', '--name', nolog, '--network', 'none', '--log-driver', 'none', img, 'sleep', '900']);
    await run('podman', ['run', '-d', '--name', podmanC, '--network', 'none', podImage, 'sh', '-c', 'echo podman-line-1; echo podman-err >&2; sleep 900'], podEnv);
  }, 180_000);

  afterAll(() => {
    for (const s of sockets) {
      shQuiet('tmux', ['-L', s, 'kill-server']);
      rmSync(join(process.env['TMUX_TMPDIR'] ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, s), { force: true });
    }
    shQuiet('docker', ['rm', '-f', ...SIZES.flatMap(([c]) => [tree(c), oom(c), restarting(c)]), nolog]);
    shQuiet('docker', ['rmi', '-f', img]);
    shQuiet('podman', ['rm', '-f', podmanC]);
    shQuiet('podman', ['rmi', '-f', podImage]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  for (const [cols, lines] of SIZES) {
    describe(`at ${cols}x${lines}`, () => {
      const sock = `${p}-${cols}`;
      const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', sock, ...args], { encoding: 'utf8' });
      const screen = (): string => tmux('capture-pane', '-p', '-t', sock).replace(/\n$/, '');
      const keys = (...k: string[]): void => void tmux('send-keys', '-t', sock, ...k);
      const type = (t: string): void => void tmux('send-keys', '-t', sock, '-l', t);
      /** Wait for a screen f accepts; at the timeout, say what the last screen seen was. */
      const until = async (f: (s: string) => boolean, what: string, ms = 30_000): Promise<string> => {
        let last = '';
        try {
          return await waitFor(() => {
            last = screen();
            return f(last) ? last : undefined;
          }, ms, what);
        } catch (err) {
          throw new Error(`${(err as Error).message}; the last screen was:\n${last}`);
        }
      };
      const status = (s: string): string => s.split('\n').at(-1) ?? '';
      const isTable = (s: string): boolean => s.split('\n').some((l) => l.startsWith('NAME'));
      /** Show only the rows matching text, from the table. */
      const show = async (text: string): Promise<void> => {
        // An Escape still unread when `/` arrives reads as Alt-/: press until the prompt opens
        // (a `/` typed into it is cleared below).
        for (let knock = 0; knock < 20 && !status(screen()).startsWith('/'); knock++) {
          keys('/');
          for (let i = 0; i < 15 && !status(screen()).startsWith('/'); i++) await new Promise((r) => setTimeout(r, 200));
        }
        await until((x) => status(x).startsWith('/'), 'the filter prompt');
        keys('C-u');
        await until((x) => status(x).startsWith('/█'), 'an empty filter');
        type(text);
        await until((x) => status(x).includes(`/${text}█`), 'the typed filter');
        keys('Enter');
        await until((x) => status(x).includes(`filter "${text}"`), 'the filter to apply');
      };
      const back = async (): Promise<void> => {
        for (let i = 0; i < 3 && !isTable(screen()); i++) {
          keys('Escape');
          await new Promise((r) => setTimeout(r, 400));
        }
        await until(isTable, 'the table');
      };
      let init = 0;

      beforeAll(async () => {
        sockets.push(sock);
        init = Number(sh('docker', ['inspect', '-f', '{{.State.Pid}}', tree(cols)]).trim());
        tmux('new-session', '-d', '-s', sock, '-x', String(cols), '-y', String(lines), '-c', REPO, `node ${CLI_MAIN} top --filter ${p}`);
        await until((x) => x.includes(tree(cols)), 'the dashboard with the tree container', 120_000);
      }, 150_000);
      afterAll(() => {
        shQuiet('tmux', ['-L', sock, 'kill-server']);
      });
      // Back to the table from wherever a failed test left it.
      beforeEach(async () => {
        if (status(screen()).startsWith('/')) keys('Escape');
        await back();
      }, 60_000);

      it('the detail view shows the processes as a tree, and ↓ selects them one by one', async () => {
        await show(tree(cols));
        keys('Enter');
        await until((x) => x.includes('diagnosis'), 'the detail view');
        keys('Down');
        await until((x) => status(x).includes(`pid ${init} `), 'the first process selected');
        keys('End');
        const s = await until((x) => /(└─|mq) sleep 900/.test(x), 'the tree drawn to its end');
        // The loop's shell is a child of the init (├─), its sleep a grandchild (│  └─).
        expect(s).toMatch(/(├─|tq) sh -c while/);
        expect(s).toMatch(/^.*\b\d+\s+\d+\s+cgroup\s+\S+\s+S\s+1\s+sh -c sh -c/m);
        for (const l of s.split('\n')) expect(l.length).toBeLessThanOrEqual(cols);
        await back();
      }, STEP_MS);

      it('e enters the namespaces of the selected process, not only of the container', async () => {
        const loop = children(init).find((c) => c.cmd.includes('while'));
        expect(loop).toBeDefined();
        await show(tree(cols));
        keys('Enter');
        await until((x) => x.includes('diagnosis'), 'the detail view');
        keys('Down', 'Down');
        await until((x) => status(x).includes(`pid ${loop?.pid} `), 'the loop shell selected');
        keys('e');
        const s = await until((x) => /^\/ #/m.test(x), "the shell's prompt in the container");
        expect(s).toContain(`entering pid ${loop?.pid} in container ${tree(cols)}`);
        type('hostname');
        keys('Enter');
        const hostname = sh('docker', ['inspect', '-f', '{{.Config.Hostname}}', tree(cols)]).trim();
        await until((x) => x.split('\n').includes(hostname), 'the container hostname');
        type('exit');
        keys('Enter');
        await until((x) => x.includes('ctrscope top') && status(x).includes('x signal'), 'the detail view again');
        await back();
      }, STEP_MS);

      it('x asks before signalling the selected process, naming its pid and command; Esc cancels, y sends; a gone process is refused', async () => {
        const sleeper = children(init).find((c) => c.cmd === 'sleep 900');
        expect(sleeper).toBeDefined();
        const pid = sleeper?.pid as number;
        await show(tree(cols));
        keys('Enter');
        await until((x) => x.includes('diagnosis'), 'the detail view');
        // Down until it is selected (the loop's short sleeps come and go above it).
        for (let i = 0; i < 8 && !status(screen()).includes(`pid ${pid} `); i++) {
          keys('Down');
          await new Promise((r) => setTimeout(r, 400));
        }
        await until((x) => status(x).includes(`pid ${pid} `), `pid ${pid} selected`);
        keys('x');
        await until((x) => status(x).startsWith(`send SIGTERM to pid ${pid} (sleep 900)?`), 'the prompt');
        keys('Escape');
        await until((x) => status(x).includes('x signal'), 'the prompt cancelled');
        expect(alive(pid)).toBe(true);
        keys('x');
        await until((x) => status(x).startsWith('send SIGTERM'), 'the prompt');
        keys('Right');
        await until((x) => status(x).startsWith(`send SIGKILL to pid ${pid} (sleep 900)?`), 'SIGKILL offered');
        keys('y');
        await until((x) => status(x).includes(`sent SIGKILL to pid ${pid} (sleep 900)`), 'the signal sent');
        await waitFor(() => (alive(pid) ? undefined : true), 10_000, `pid ${pid} to die`);
        // Still selected, now gone: refused.
        keys('x');
        await until((x) => status(x).startsWith(`send SIGKILL to pid ${pid}`) || status(x).startsWith(`send SIGTERM to pid ${pid}`), 'the prompt for the gone process');
        keys('y');
        await until((x) => new RegExp(`not sent: pid ${pid} (is gone|has exited)`).test(status(x)), 'the refusal');
        await back();
      }, STEP_MS);

      it("l tails the log from docker's json-file, podman's k8s-file, and says when a container has none", async () => {
        await show(tree(cols));
        keys('Enter');
        await until((x) => x.includes('diagnosis'), 'the detail view');
        keys('l');
        // The loop's command line in the tree holds both words too: wait for the log view's label.
        let s = await until((x) => (x.split('\n')[3] ?? '').includes('log:') && x.includes(`tick-${cols}`) && x.includes('tock-err'), 'the log lines');
        const id = sh('docker', ['inspect', '-f', '{{.Id}}', tree(cols)]).trim();
        expect(s.split('\n')[3]).toContain(`log: ${tree(cols)}`);
        // stderr lines are marked E; each line has its time of day.
        expect(s).toMatch(/\d\d:\d\d:\d\d E tock-err/);
        expect(s).toMatch(new RegExp(`\\d\\d:\\d\\d:\\d\\d   tick-${cols}`));
        expect(status(s)).toContain('following');
        keys('Home');
        s = await until((x) => x.includes('json-file log'), 'the top of the tail');
        if (cols === 160) expect(s).toContain(id.slice(0, 20));
        keys('Escape');
        await until((x) => status(x).includes('x signal'), 'back to the detail view');
        await back();

        await show(podmanC);
        keys('l');
        s = await until((x) => x.includes('podman-line-1'), 'the podman log');
        expect(s).toMatch(/E podman-err/);
        keys('Home');
        await until((x) => x.includes('cri log') && x.includes('k8s-file'), 'the k8s-file note');
        keys('Escape');
        await until(isTable, 'the table');

        await show(nolog);
        keys('l');
        s = await until((x) => x.includes('No log file on disk'), 'the absence said');
        expect(s).toContain('--log-driver none');
        keys('Escape');
        await until(isTable, 'the table');
      }, STEP_MS);

      it('marks an OOM kill, a docker exec and exits on their rows, and lists them in the detail view', async () => {
        // After the dashboard watches: an OOM kill (tail of /dev/zero, which has no newline,
        // holds all it reads under a 16 MiB limit; alone, so that the kill frees the memory and
        // the container's shell lives on, where a `head | tail` pipe got the shell killed too),
        // triggered once the dashboard shows the container; a join (docker exec); and a
        // container that exits and is restarted.
        await run('docker', ['run', '-d', '--name', oom(cols), '--network', 'none', '--memory', '16m', '--memory-swap', '16m', img, 'sh', '-c', 'while [ ! -e /tmp/go ]; do sleep 0.2; done; tail /dev/zero; sleep 900']);
        await run('docker', ['run', '-d', '--name', restarting(cols), '--network', 'none', '--restart', 'always', img, 'sh', '-c', 'sleep 12; exit 3']);
        await show(p);
        // A row by its name, or as much of it as a cut NAME column shows.
        const row = (s: string, name: string): string => s.split('\n').find((l) => l.includes(name.slice(0, 29))) ?? '';
        await until((x) => row(x, oom(cols)) !== '', 'the OOM container on screen', 60_000);
        await new Promise((r) => setTimeout(r, 3000));
        const oomPid = Number(sh('docker', ['inspect', '-f', '{{.State.Pid}}', oom(cols)]).trim());
        writeFileSync(`/proc/${oomPid}/root/tmp/go`, '');
        await run('docker', ['exec', '-d', tree(cols), 'sleep', '120']);
        await until((x) => row(x, oom(cols)).startsWith(`! ${oom(cols)}`), 'the OOM mark', 150_000);
        await until((x) => row(x, tree(cols)).startsWith(`+ ${tree(cols)}`), 'the join mark', 60_000);
        // Marked by its exits (a restart is no OOM: the v1 OOM eventfd's removal signal is not
        // one), and its exits listed.
        await until((x) => row(x, restarting(cols)).startsWith(`↻ ${restarting(cols)}`), 'the restarting container marked', 150_000);
        await show(restarting(cols));
        keys('Enter');
        await until((x) => /↻ \d\d:\d\d:\d\d \(\d+m?\d*s ago\)\s+exit\s+pid \d+\s+exit code 3/.test(x), 'its exits listed in the detail view', 120_000);
        await back();
        await show(oom(cols));
        keys('Enter');
        const s = await until((x) => x.includes('oom-kill'), 'the events listed in the detail view');
        expect(s).toMatch(/! \d\d:\d\d:\d\d \((\d+m)?\d+s ago\)\s+oom-kill\s+pid \d+ \(tail\)/);
        await back();
      }, 420_000);

      it('c opens the column chooser: Space hides a column and shows it again', async () => {
        await show(p);
        const header = (s: string): string => s.split('\n').find((l) => l.startsWith('NAME')) ?? '';
        expect(header(screen())).toContain('ENGINE');
        keys('c');
        let s = await until((x) => x.includes('[x] ENGINE'), 'the chooser');
        expect(s).toContain('[x] NAME');
        expect(status(s)).toContain('Space show/hide');
        keys('Down', 'Down', 'Space');
        await until((x) => x.includes('[ ] ENGINE'), 'ENGINE unticked');
        keys('Escape');
        s = await until((x) => isTable(x) && !x.includes('[ ] ENGINE'), 'the table');
        expect(header(s)).not.toContain('ENGINE');
        for (const l of s.split('\n')) expect(l.length).toBeLessThanOrEqual(cols);
        keys('c');
        await until((x) => x.includes('[ ] ENGINE'), 'the chooser again');
        keys('Space', 'Escape');
        await until((x) => header(x).includes('ENGINE'), 'ENGINE shown again');
      }, STEP_MS);
    });
  }
});
