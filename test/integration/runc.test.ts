/**
 * A plain `runc run -d` container: no engine, no monitor, no engine cgroup. Only runc's state file
 * in /run/runc names it, and its private pid + mount namespaces would also make it an engine-less
 * container; ctrscope must label it runc, with runc's id, not `ns-pid-<inode>`.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, childrenOf, ctrscope, describeWith, psJson, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';
import { expectNamespacesOf, nsInode, onlyContainerWith } from '../helpers/kernel-view.js';

interface RuncState {
  id: string;
  pid: number;
  status: string;
  bundle: string;
  rootfs: string;
}

describeWith(['root', 'runc'], 'plain runc container', () => {
  const id = testPrefix('runc');
  const stateFile = `/run/runc/${id}/state.json`;
  let dir = '';
  let state: RuncState | undefined;

  /** runc with its stdio on a log file: a detached container keeps the fds runc was given. */
  const runc = (args: string[]): void => {
    const log = openSync(join(dir, 'runc.log'), 'a');
    try {
      const r = spawnSync('runc', args, { stdio: ['ignore', log, log], timeout: 60_000 });
      if (r.status !== 0) throw new Error(`runc ${args.join(' ')} exited ${r.status}: ${readFileSync(join(dir, 'runc.log'), 'utf8').slice(-500)}`);
    } finally {
      closeSync(log);
    }
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `${id}-`));
    busyboxRootfs(join(dir, 'rootfs'));
    sh('runc', ['spec', '--bundle', dir]);
    const configPath = join(dir, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { process: { terminal: boolean; args: string[] }; hostname: string };
    // `runc run -d` with a terminal would need a console socket; without one it passes our fds on.
    config.process.terminal = false;
    config.process.args = ['/bin/sh', '-c', 'sleep 600 & sleep 600 & wait'];
    config.hostname = id;
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    runc(['run', '--detach', '--bundle', dir, id]);
    state = JSON.parse(sh('runc', ['state', id])) as RuncState;
  });

  afterAll(() => {
    shQuiet('runc', ['kill', id, 'KILL']);
    shQuiet('runc', ['delete', '--force', id]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is one runc container with runc id, init pid, members and namespaces from the kernel', async () => {
    expect(state?.status).toBe('running');
    const init = state?.pid as number;
    await waitFor(() => (childrenOf(init).length === 2 ? true : undefined), 10_000, 'two sleeps in the container');

    const doc = await psJson();
    expect(schemaErrors(doc)).toEqual([]);
    const c = onlyContainerWith(doc, init);
    expect(c?.engine).toBe('runc');
    expect(c?.runtime).toBe('runc');
    expect(c?.idKind).toBe('engine');
    expect(c?.id).toBe(state?.id);
    expect(c?.name).toBe(state?.id);
    expect(c?.pid).toBe(init);
    expect(c?.processes.find((p) => p.pid === init)?.via).toBe('runtime-state');
    expect(c?.processes.find((p) => p.pid === init)?.nspid).toEqual([init, 1]);
    expect(new Set(c?.pids)).toEqual(new Set([init, ...childrenOf(init)]));
    expectNamespacesOf(c as NonNullable<typeof c>, init);
    // Its pid and mount namespaces are private: an engine-less reading would have made it this.
    expect(doc.containers.map((x) => x.id)).not.toContain(`ns-pid-${nsInode(init, 'pid')}`);
  });

  it('takes evidence, rootfs and cgroup from runc state.json', async () => {
    const raw = JSON.parse(readFileSync(stateFile, 'utf8')) as { init_process_pid: number; cgroup_paths: Record<string, string> };
    expect(raw.init_process_pid).toBe(state?.pid);
    const doc = await psJson();
    const c = doc.containers.find((x) => x.id === id);
    expect(c?.evidence).toContain(`runc state ${stateFile}`);
    expect(c?.metadataSources).toEqual([stateFile]);
    expect(c?.image).toBe(state?.rootfs);
    // runc records the cgroup it made per hierarchy; on this hybrid host '' is the unified one.
    const unified = raw.cgroup_paths[''] ?? raw.cgroup_paths['name=systemd'] ?? '';
    expect(unified.endsWith(c?.cgroup.path as string)).toBe(true);
    expect(c?.cgroup.path).not.toBe('/');
  });

  it('counts a `runc exec -d` process as a member, not a second container', async () => {
    const pidFile = join(dir, 'exec.pid');
    runc(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '600']);
    const execPid = await waitFor(() => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined));
    const doc = await psJson();
    const c = onlyContainerWith(doc, execPid);
    expect(c?.id).toBe(id);
    expect(c?.processes.find((p) => p.pid === execPid)?.via).toBe('namespaces');
    expect(doc.containers.filter((x) => x.namespaces['pid'] === nsInode(state?.pid as number, 'pid')).map((x) => x.id)).toEqual([id]);
  });

  it('inspect: identity and first process as runc state says, the runc exec\'d process as not descending from it', async () => {
    const st = JSON.parse(sh('runc', ['state', id])) as { id: string; pid: number; rootfs: string };
    const r = await ctrscope(['inspect', id, '--json', '--no-rates']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { container: { id: string; engine: string; runtime: string; pid: number; image: string }; processTree: Array<{ pid: number; innerPid: number }> };
    expect(doc.container).toMatchObject({ id: st.id, engine: 'runc', runtime: 'runc', pid: st.pid, image: st.rootfs });
    expect(doc.processTree.find((n) => n.pid === st.pid)?.innerPid).toBe(1);
    const text = (await ctrscope(['inspect', id, '--no-rates'])).stdout;
    expect(text).toContain(`Container ${id}  (runc)`);
    expect(text).toMatch(/found by .*runc state/);
  });
});
