/**
 * `ctrscope events` when what it watches fails under it: the inotify watch limit reached (it
 * says so once and re-reads every container on a timer, so a limit change still shows), a
 * cgroup removed while watched (no crash, events go on), a `--filter` that does not parse.
 * Everything made is named under this file's prefix and removed in afterAll/finally; the
 * lowered fs.inotify.max_user_watches is restored in finally.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { dockerImportBusybox } from '../helpers/containers.js';
import { childrenOf, describeWith, killTree, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';
import { schemaErrors } from '../helpers/schema.js';

interface EventLine {
  action: string;
  container: { id: string; name: string | null; engine: string | null };
  pid: number | null;
  changes: Record<string, { from: unknown; to: unknown }> | null;
  source: string;
}

const WAIT_MS = 60_000;
const WATCHES = '/proc/sys/fs/inotify/max_user_watches';
const CG = '/sys/fs/cgroup';

/** rmdir a cgroup directory of ours; one already gone is fine. */
function removeDir(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // absent, or still in use (then afterAll tries again)
  }
}

type Watcher = { child: ChildProcess; done: Promise<CliRun>; lines: () => EventLine[]; stderr: () => string };

function watch(): Watcher {
  const w = startCli(['events', '--json']);
  let out = '';
  let err = '';
  w.child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  w.child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const lines = (): EventLine[] =>
    out
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as EventLine);
  return { ...w, lines, stderr: () => err };
}

async function stop(w: Watcher): Promise<CliRun> {
  w.child.kill('SIGTERM');
  const r = await w.done;
  for (const l of r.stdout.split('\n').filter((x) => x !== '')) expect(schemaErrors(JSON.parse(l))).toEqual([]);
  return r;
}

/** A hand-made container (unshare --pid --mount) running sleep; resolves with its init. */
async function handMade(into: ChildProcess[]): Promise<number> {
  const p = spawn('unshare', ['--fork', '--kill-child', '--pid', '--mount', '--mount-proc', 'sleep', '600'], { stdio: 'ignore' });
  into.push(p);
  return waitFor(() => childrenOf(p.pid as number)[0], 10_000, 'the unshare child');
}

/** Wait until the watcher's baseline is done: a hand-made container started then is reported (one started before is in the baseline). */
async function ready(w: Watcher, into: ChildProcess[]): Promise<void> {
  for (let t = 0; t < 24; t++) {
    const init = await handMade(into);
    const seen = await waitFor(() => w.lines().find((e) => e.action === 'start' && e.pid === init), 5000, 'a probe').catch(() => undefined);
    if (seen) return;
  }
  throw new Error('the watcher reported no probe container in 2 minutes');
}

describeWith(['root', 'docker', 'unshare'], 'ctrscope events: faults', () => {
  const prefix = testPrefix('events-faults');
  const image = `${prefix}-img:1`;
  let dir = '';
  const kids: ChildProcess[] = [];
  const cgroups: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    chmodSync(dir, 0o755);
    dockerImportBusybox(image, dir);
  }, 120_000);

  afterAll(() => {
    for (const k of kids) killTree(k.pid);
    const ids = sh('docker', ['ps', '-aq', '--filter', `name=${prefix}`]).split('\n').filter((l) => l !== '');
    if (ids.length > 0) shQuiet('docker', ['rm', '-f', ...ids]);
    shQuiet('docker', ['rmi', '-f', image]);
    for (const c of cgroups) removeDir(c);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('the inotify watch limit reached: said once, and a limit changed meanwhile is still reported (every container re-read)', async () => {
    const name = `${prefix}-limit`;
    const id = sh('docker', ['run', '-d', '--name', name, '--memory', '64m', image, 'sleep', '600']).trim();
    const original = readFileSync(WATCHES, 'utf8').trim();
    let w: Watcher | undefined;
    try {
      // Lowered only until the watcher has hit it (a few seconds): other programs of root's
      // cannot add watches meanwhile.
      writeFileSync(WATCHES, '1');
      w = watch();
      const warned = w;
      await waitFor(() => (warned.stderr().includes('inotify watch limit') ? true : undefined), WAIT_MS, 'the watch-limit warning');
    } finally {
      writeFileSync(WATCHES, original);
    }
    try {
      // Watching: a start after the baseline is reported (through the proc connector).
      const init = await handMade(kids);
      await waitFor(() => w.lines().find((e) => e.action === 'start' && e.pid === init), WAIT_MS, 'a start while past the watch limit');
      // No cgroup file is watched now: the limit change is found by the periodic re-read.
      sh('docker', ['update', '--memory', '96m', '--memory-swap', '192m', name]);
      const e = await waitFor(() => w.lines().find((x) => x.action === 'update' && x.container.id === id), WAIT_MS, `update of ${name}`);
      expect(e.changes?.['memoryBytes']).toEqual({ from: 64 * 1024 * 1024, to: 96 * 1024 * 1024 });
    } finally {
      const r = await stop(w);
      expect(r.code).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('inotify watch limit'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/fs\.inotify\.max_user_watches/);
      expect(warnings[0]).toMatch(/re-read every/);
    }
  }, 240_000);

  it('a cgroup removed while watched: its container exits, the watcher goes on', async () => {
    const w = watch();
    try {
      await ready(w, kids);
      // A hand-made container in cgroups of its own (memory, pids), watched once made.
      const dirs = ['memory', 'pids'].filter((c) => existsSync(`${CG}/${c}`)).map((c) => `${CG}/${c}/${prefix}-gone`);
      const child = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sh', '-c', 'read go; exec sleep 600'], { stdio: ['pipe', 'ignore', 'ignore'] });
      kids.push(child);
      const init = await waitFor(() => childrenOf(child.pid as number)[0], 10_000, 'the unshare child');
      for (const d of dirs) {
        mkdirSync(d);
        cgroups.push(d);
        writeFileSync(`${d}/cgroup.procs`, String(init));
      }
      child.stdin?.end('go\n');
      const start = await waitFor(() => w.lines().find((e) => e.action === 'start' && e.pid === init), WAIT_MS, 'start of the container in its own cgroups');
      // Its processes killed, its cgroups removed under the watches.
      killTree(child.pid);
      await waitFor(() => (dirs.every((d) => readFileSync(`${d}/cgroup.procs`, 'utf8').trim() === '') ? true : undefined), 10_000, 'the cgroups to empty');
      for (const d of dirs) removeDir(d);
      expect(dirs.some((d) => existsSync(d))).toBe(false);
      await waitFor(() => w.lines().find((e) => e.action === 'exit' && e.container.id === start.container.id), WAIT_MS, 'its exit');
      // An empty cgroup made and removed under a watch (IN_IGNORED for its own watch) is nothing.
      const empty = `${CG}/memory/${prefix}-empty`;
      if (existsSync(`${CG}/memory`)) {
        mkdirSync(empty);
        cgroups.push(empty);
        await new Promise((r) => setTimeout(r, 500));
        removeDir(empty);
      }
      // Still watching.
      const after = await handMade(kids);
      await waitFor(() => w.lines().find((e) => e.action === 'start' && e.pid === after), WAIT_MS, 'a start after the removals');
      expect(w.child.exitCode).toBeNull();
    } finally {
      const r = await stop(w);
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(/Error|EINVAL|EBADF/);
    }
  }, 240_000);

  it('a --filter that does not parse: one line naming it, exit 2, nothing watched', () => {
    for (const bad of ['colour=red', 'action=explode', 'name', 'engine=']) {
      const r = runCli(['events', '--filter', 'action=start', '--filter', bad]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`--filter ${bad}`);
    }
  }, 60_000);
});
