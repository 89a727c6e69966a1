/**
 * `ctrscope events --json` against real engines: one events process watches while the tests
 * start, stop, kill, pause, exec into, update and OOM-kill containers, each named under this
 * file's prefix; every event asserted is checked against what the engine itself says (docker
 * inspect) and every line is validated against the schema.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startCli, type CliRun } from '../helpers/cli.js';
import { dockerImportBusybox } from '../helpers/containers.js';
import { busyboxRootfs, childrenOf, CLI_MAIN, describeWith, killTree, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';
import { PODMAN_RUN_FLAGS, podmanFiles, rootlessUser, type RootlessUser } from '../helpers/podman.js';
import { schemaErrors } from '../helpers/schema.js';

interface EventJson {
  schemaVersion: string;
  kind: string;
  time: string;
  timeNano: string;
  action: string;
  container: { id: string; name: string | null; engine: string | null; image: string | null; pod: string | null };
  pid: number | null;
  exitCode: number | null;
  exitSignal: number | null;
  exitSignalName: string | null;
  command: string | null;
  partial: boolean | null;
  namespaces: string[] | null;
  changes: Record<string, { from: unknown; to: unknown }> | null;
  source: string;
}

const WAIT_MS = 60_000;

describeWith(['root', 'docker', 'unshare', 'nsenter', 'runc', 'podman'], 'ctrscope events on real engines', () => {
  const prefix = testPrefix('events');
  const image = `${prefix}-img:1`;
  let dir = '';
  let watcher: { child: ChildProcess; done: Promise<CliRun> } | undefined;
  const extra: ChildProcess[] = [];
  const runcId = `${prefix}-runc`;
  let rootless: RootlessUser | undefined;

  let stdout = '';
  const events = (): EventJson[] =>
    stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as EventJson);
  const find = (pred: (e: EventJson) => boolean, what: string): Promise<EventJson> => waitFor(() => events().find(pred), WAIT_MS, what);
  const docker = (...args: string[]): string => sh('docker', args).trim();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    chmodSync(dir, 0o755);
    dockerImportBusybox(image, dir);
    watcher = startCli(['events', '--json']);
    watcher.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    // Its first observation is the baseline: wait until it is watching (a container started now is reported).
    docker('run', '-d', '--name', `${prefix}-ready`, image, 'sleep', '600');
    await find((e) => e.action === 'start' && e.container.name === `${prefix}-ready`, 'the watcher to report a first start').catch(async () => {
      // Started before the baseline: it is in it. Any later event proves the watcher is up.
      docker('rm', '-f', `${prefix}-ready`);
      docker('run', '-d', '--name', `${prefix}-ready2`, image, 'sleep', '600');
      await find((e) => e.action === 'start' && e.container.name === `${prefix}-ready2`, 'the watcher to report a start');
    });
  }, 180_000);

  afterAll(async () => {
    for (const p of extra) killTree(p.pid);
    const names = sh('docker', ['ps', '-aq', '--filter', `name=${prefix}`]).split('\n').filter((l) => l !== '');
    if (names.length > 0) shQuiet('docker', ['rm', '-f', ...names]);
    shQuiet('docker', ['rmi', '-f', image]);
    shQuiet('runc', ['kill', runcId, 'KILL']);
    shQuiet('runc', ['delete', '--force', runcId]);
    shQuiet('podman', ['rm', '-f', '-t', '0', `${prefix}-pm`]);
    shQuiet('podman', ['rmi', '-f', `localhost/${prefix}-pm:latest`]);
    await rootless?.remove();
    if (watcher) {
      watcher.child.kill('SIGTERM');
      const r = await watcher.done;
      // SIGTERM is a clean end.
      expect(r.code).toBe(0);
      for (const l of stdout.split('\n').filter((x) => x !== '')) expect(schemaErrors(JSON.parse(l))).toEqual([]);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('docker run: start, named and identified as docker inspect says', async () => {
    const name = `${prefix}-run`;
    const id = docker('run', '-d', '--name', name, image, 'sleep', '600');
    const pid = Number(docker('inspect', '-f', '{{.State.Pid}}', name));
    const e = await find((x) => x.action === 'start' && x.container.id === id, `start of ${name}`);
    expect(e).toMatchObject({ kind: 'event', container: { id, name, engine: 'docker', image, pod: null }, pid });
    expect(Number(BigInt(e.timeNano) / 1_000_000n)).toBe(Date.parse(e.time));
  }, 150_000);

  it("docker run sh -c 'exit 7': start and exit with the init's exit code 7, though it lived a few milliseconds", async () => {
    const name = `${prefix}-exit7`;
    spawnSync('docker', ['run', '--name', name, image, 'sh', '-c', 'exit 7']);
    const id = docker('inspect', '-f', '{{.Id}}', name);
    expect(docker('inspect', '-f', '{{.State.ExitCode}}', name)).toBe('7');
    const e = await find((x) => x.action === 'exit' && x.container.id === id, `exit of ${name}`);
    expect(e).toMatchObject({ exitCode: 7, exitSignal: null, exitSignalName: null, source: 'proc-connector', container: { id, name, engine: 'docker', image } });
    const start = await find((x) => x.action === 'start' && x.container.id === id, `start of ${name}`);
    expect(start).toMatchObject({ pid: e.pid, container: { id, name, engine: 'docker', image } });
  }, 150_000);

  it('docker kill: exit 137 and SIGKILL, as docker inspect says', async () => {
    const name = `${prefix}-kill`;
    const id = docker('run', '-d', '--name', name, image, 'sleep', '600');
    await find((x) => x.action === 'start' && x.container.id === id, `start of ${name}`);
    docker('kill', name);
    const e = await find((x) => x.action === 'exit' && x.container.id === id, `exit of ${name}`);
    await waitFor(() => (docker('inspect', '-f', '{{.State.Running}}', name) === 'false' ? true : undefined), WAIT_MS, `${name} to stop`);
    expect(String(e.exitCode)).toBe(docker('inspect', '-f', '{{.State.ExitCode}}', name));
    expect(e).toMatchObject({ exitCode: 137, exitSignal: 9, exitSignalName: 'SIGKILL', source: 'proc-connector' });
  }, 150_000);

  it('docker --restart on-failure: each run exits 3 and starts again, and a restart is no OOM', async () => {
    // docker removes the container's cgroup at each exit and makes it again under the same path;
    // the v1 OOM eventfd's removal signal must not read as an OOM of the new one.
    const name = `${prefix}-restart`;
    const id = docker('run', '-d', '--restart', 'on-failure:2', '--name', name, image, 'sh', '-c', 'sleep 1; exit 3');
    await waitFor(() => (docker('inspect', '-f', '{{.State.Running}} {{.RestartCount}}', name) === 'false 2' ? true : undefined), WAIT_MS, `${name} to stop for good`);
    await waitFor(() => (events().filter((x) => x.action === 'exit' && x.container.id === id).length >= 3 ? true : undefined), WAIT_MS, `three exits of ${name}`);
    const mine = events().filter((x) => x.container.id === id);
    expect(mine.filter((x) => x.action === 'exit').map((x) => x.exitCode)).toEqual([3, 3, 3]);
    expect(mine.filter((x) => x.action === 'start')).toHaveLength(3);
    expect(mine.filter((x) => x.action === 'oom' || x.action === 'oom-kill')).toEqual([]);
  }, 150_000);

  it('docker pause / unpause: pause then unpause from the freezer', async () => {
    const name = `${prefix}-pause`;
    const id = docker('run', '-d', '--name', name, image, 'sleep', '600');
    await find((x) => x.action === 'start' && x.container.id === id, `start of ${name}`);
    docker('pause', name);
    await find((x) => x.action === 'pause' && x.container.id === id, `pause of ${name}`);
    docker('unpause', name);
    await find((x) => x.action === 'unpause' && x.container.id === id, `unpause of ${name}`);
  }, 150_000);

  it('docker exec: a join (whole), the exec’d process named', async () => {
    const name = `${prefix}-exec`;
    const id = docker('run', '-d', '--name', name, image, 'sleep', '600');
    await find((x) => x.action === 'start' && x.container.id === id, `start of ${name}`);
    docker('exec', '-d', name, 'sleep', '301');
    const e = await find((x) => x.action === 'join' && x.container.id === id, `join of ${name}`);
    expect(e.partial).toBe(false);
    expect(readFileSync(`/proc/${e.pid}/cmdline`, 'utf8').split('\0')).toContain('301');
  }, 150_000);

  it('nsenter --net into a container: a partial join naming net', async () => {
    const name = `${prefix}-nsenter`;
    const id = docker('run', '-d', '--name', name, image, 'sleep', '600');
    await find((x) => x.action === 'start' && x.container.id === id, `start of ${name}`);
    const pid = docker('inspect', '-f', '{{.State.Pid}}', name);
    const p = spawn('nsenter', ['--net', '-t', pid, 'sleep', '302'], { stdio: 'ignore' });
    extra.push(p);
    const e = await find((x) => x.action === 'join' && x.container.id === id && x.partial === true, `partial join of ${name}`);
    expect(e.pid).toBe(p.pid);
    expect(e.namespaces).toEqual(['net']);
  }, 150_000);

  it('docker update --memory: update with the old and new limit', async () => {
    const name = `${prefix}-update`;
    const id = docker('run', '-d', '--name', name, '--memory', '64m', image, 'sleep', '600');
    await find((x) => x.action === 'start' && x.container.id === id, `start of ${name}`);
    docker('update', '--memory', '96m', '--memory-swap', '192m', name);
    const e = await find((x) => x.action === 'update' && x.container.id === id, `update of ${name}`);
    expect(e.changes?.['memoryBytes']).toEqual({ from: 64 * 1024 * 1024, to: 96 * 1024 * 1024 });
  }, 150_000);

  it('a real OOM kill in a 16 MiB container: oom-kill naming the victim (pid and command)', async () => {
    const name = `${prefix}-oom`;
    const id = docker('run', '-d', '--name', name, '--memory', '16m', '--memory-swap', '16m', image, 'sh', '-c', 'sleep 2; tail /dev/zero; sleep 600');
    const e = await find((x) => x.action === 'oom-kill' && x.container.id === id, `oom-kill in ${name}`);
    expect(e.command).toBe('tail');
    expect(e.source).toBe('kmsg');
    // The container lives on: the victim was not its init.
    expect(e.pid).not.toBe(Number(docker('inspect', '-f', '{{.State.Pid}}', name)));
    expect(readFileSync(`/sys/fs/cgroup/memory/docker/${id}/memory.oom_control`, 'utf8')).toMatch(/oom_kill [1-9]/);
    await find((x) => x.action === 'oom' && x.container.id === id, `oom in ${name}`);
  }, 150_000);

  it('a hand-made unshare container: start and exit, engine null, a derived ns- id', async () => {
    const p = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sh', '-c', 'sleep 3; exit 4'], { stdio: 'ignore' });
    extra.push(p);
    // unshare forks: the container's init is its child.
    const init = await waitFor(() => childrenOf(p.pid as number)[0], 10_000, 'the unshare child');
    const start = await find((x) => x.action === 'start' && x.pid === init, 'start of the unshare container');
    expect(start.container.engine).toBeNull();
    const exit = await find((x) => x.action === 'exit' && x.container.id === start.container.id, 'exit of the unshare container');
    expect(exit).toMatchObject({ exitCode: 4, pid: start.pid, container: { name: null, engine: null, image: null } });
    expect(start.container.id).toMatch(/^ns-(pid|mnt)-\d+$/);
  }, 150_000);

  it('plain runc: start with the runc id, exit with its code', async () => {
    const bundle = join(dir, 'runc');
    busyboxRootfs(join(bundle, 'rootfs'));
    sh('runc', ['spec', '--bundle', bundle]);
    const cfgPath = join(bundle, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as { process: { terminal: boolean; args: string[] } };
    cfg.process.terminal = false;
    cfg.process.args = ['/bin/sh', '-c', 'sleep 3; exit 5'];
    writeFileSync(cfgPath, JSON.stringify(cfg));
    spawnSync('runc', ['run', '--detach', '--bundle', bundle, runcId], { stdio: 'ignore', timeout: 60_000 });
    const start = await find((x) => x.action === 'start' && x.container.id === runcId, 'start of the runc container');
    expect(start.container.engine).toBe('runc');
    const exit = await find((x) => x.action === 'exit' && x.container.id === runcId, 'exit of the runc container');
    expect(exit.exitCode).toBe(5);
  }, 150_000);

  it('podman (rootful): start and exit with its code, named as podman says', async () => {
    // As test/integration/podman.test.ts: runc, and ulimits this host lets a container set.
    writeFileSync(join(dir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]\n[engine]\nruntime = "runc"\n', { mode: 0o644 });
    const podmanEnv = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') };
    const tar = join(dir, 'pm.tar');
    sh('sh', ['-c', `tar -C "${dir}/rootfs" --exclude=./dev/null -cf "${tar}" .`]);
    const img = `localhost/${prefix}-pm:latest`;
    sh('podman', ['import', tar, img], { env: podmanEnv });
    const name = `${prefix}-pm`;
    const id = sh('podman', ['run', '-d', '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000', '--name', name, img, 'sh', '-c', 'sleep 4; exit 6'], { env: podmanEnv }).trim();
    const start = await find((x) => x.action === 'start' && x.container.id === id, `start of ${name}`);
    expect(start.container).toMatchObject({ name, engine: 'podman', image: img });
    const exit = await find((x) => x.action === 'exit' && x.container.id === id, `exit of ${name}`);
    expect(exit.exitCode).toBe(6);
  });

  it('rootless podman (an ordinary user with subordinate ids, --network none): start and exit with its code, named as podman says', async () => {
    const rlDir = join(dir, 'rootless');
    mkdirSync(rlDir);
    const conf = podmanFiles(rlDir);
    rootless = rootlessUser(`ctrsit-ev-${process.pid}`, conf);
    const img = `localhost/${prefix}-rl:latest`;
    rootless.podman('import', `${rlDir}/rootfs.tar`, img);
    const name = `${prefix}-rl`;
    const id = rootless.podman('run', '-d', '--network', 'none', ...PODMAN_RUN_FLAGS, '--name', name, img, 'sh', '-c', 'sleep 4; exit 6');
    const start = await find((x) => x.action === 'start' && x.container.id === id, `start of ${name}`);
    expect(start.container).toMatchObject({ name, engine: 'podman', image: img });
    const exit = await find((x) => x.action === 'exit' && x.container.id === id, `exit of ${name}`);
    expect(exit).toMatchObject({ exitCode: 6, source: 'proc-connector' });
    expect(rootless.podman('inspect', '-f', '{{.State.ExitCode}}', name)).toBe('6');
  }, 150_000);
});

describeWith(['root', 'unshare'], 'ctrscope events: bad input and faults', () => {
  it('a --filter that does not parse: one line, exit 2', () => {
    const r = runCli(['events', '--filter', 'colour=red']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--filter colour=red');
  }, 150_000);

  it('SIGINT: exit 0', async () => {
    const w = startCli(['events']);
    await new Promise((r) => setTimeout(r, 3000));
    w.child.kill('SIGINT');
    const r = await w.done;
    expect(r.code).toBe(0);
  }, 150_000);

  it('not root: says once what it cannot watch, and goes on', async () => {
    const w = startCli(['events'], { wrapper: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] });
    await waitFor(() => (w.child.exitCode === null ? undefined : true), 8000, 'exit').catch(() => undefined);
    expect(w.child.exitCode).toBeNull();
    w.child.kill('SIGTERM');
    const r = await w.done;
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.includes('cannot watch'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('proc connector');
  }, 150_000);

  it('a closed stdout (| head -1): clean exit once an event is written', async () => {
    const r = spawn('sh', ['-c', `"${process.execPath}" "${CLI_MAIN}" events | head -1`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    r.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    r.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<number | null>((res) => r.on('close', (c) => res(c)));
    const children: ChildProcess[] = [];
    try {
      await new Promise((res) => setTimeout(res, 6000));
      // A hand-made container: its start is written and head exits; a second one, started only
      // then (both in one write would never meet the closed pipe), is written to a closed pipe.
      const handMade = (): ChildProcess => spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sleep', '60'], { stdio: 'ignore' });
      children.push(handMade());
      await waitFor(() => (out.includes('\n') ? true : undefined), 30_000, 'the first event');
      children.push(handMade());
      const code = await Promise.race([done, new Promise<string>((res) => setTimeout(() => res('timeout'), 60_000))]);
      expect(code).toBe(0);
      expect(out.split('\n').filter((l) => l !== '')).toHaveLength(1);
      expect(err).not.toMatch(/EPIPE|Error/);
    } finally {
      killTree(r.pid);
      for (const c of children) killTree(c.pid);
    }
  }, 90_000);
});
