/**
 * Hand-made containers that no engine knows: unshare + a busybox root. ctrscope must find them
 * from their private namespaces alone, and tell members, joined and partial processes apart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, childrenOf, describeWith, psJson, testPrefix, waitFor } from '../helpers/host.js';
import { nsInode } from '../helpers/kernel-view.js';

const children = childrenOf;

describeWith(['root', 'unshare', 'nsenter'], 'hand-made unshare container', () => {
  const prefix = testPrefix('unshare');
  let dir = '';
  let unshare: ChildProcess | undefined;
  let initPid = 0;
  const extra: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    busyboxRootfs(join(dir, 'rootfs'));
    // unshare forks; the child is pid 1 of a new pid namespace, chrooted into the busybox root.
    unshare = spawn('unshare', ['--fork', '--pid', '--mount', '--uts', '--net', '--ipc', '--mount-proc', `--root=${join(dir, 'rootfs')}`, '/bin/sh', '-c', 'sleep 600 & sleep 600 & wait'], { stdio: 'ignore' });
    initPid = await waitFor(() => {
      const c = children(unshare?.pid as number);
      return c.length > 0 && children(c[0] as number).length === 2 ? c[0] : undefined;
    });
  });

  afterAll(() => {
    for (const p of [...extra, unshare]) p?.kill('SIGKILL');
    if (initPid) {
      try {
        process.kill(initPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is one container with a derived id, its init and both children, and a valid schema', async () => {
    const doc = await psJson();
    expect(schemaErrors(doc)).toEqual([]);
    const c = doc.containers.find((x) => x.pids.includes(initPid));
    expect(c, 'container with the unshare child as a member').toBeDefined();
    expect(c?.engine).toBeNull();
    expect(c?.idKind).toBe('derived');
    expect(c?.id).toBe(`ns-pid-${nsInode(initPid, 'pid')}`);
    expect(c?.pid).toBe(initPid);
    expect(new Set(c?.pids)).toEqual(new Set([initPid, ...children(initPid)]));
    const init = c?.processes.find((p) => p.pid === initPid);
    expect(init?.nspid).toEqual([initPid, 1]);
    expect(c?.namespaces['net']).toBe(nsInode(initPid, 'net'));
    expect(c?.hostNamespaces).toContain('user');
    expect(c?.hostNamespaces).not.toContain('net');
    expect(c?.hostNamespaces).not.toContain('pid');
  });

  it('counts an nsenter --all process as a member, and an nsenter --net one as partial', async () => {
    const all = spawn('nsenter', ['-t', String(initPid), '-a', '/bin/sleep', '600'], { stdio: 'ignore' });
    const net = spawn('nsenter', ['-t', String(initPid), '-n', 'sleep', '600'], { stdio: 'ignore' });
    extra.push(all, net);
    // nsenter forks for the pid namespace (-a includes it); the sleeper is its child.
    const joined = await waitFor(() => children(all.pid as number)[0]);
    await waitFor(() => (readlinkSync(`/proc/${net.pid}/exe`).endsWith('sleep') ? true : undefined));
    const doc = await psJson();
    const c = doc.containers.find((x) => x.pid === initPid);
    expect(c?.processes.find((p) => p.pid === joined)?.via).toBe('namespaces');
    expect(c?.pids).not.toContain(net.pid);
    const partial = c?.partialMembers.find((p) => p.pid === net.pid);
    expect(partial?.shared).toEqual(['net']);
    // No process is a container on its own because of the join.
    expect(doc.containers.filter((x) => x.pids.includes(joined))).toHaveLength(1);
  });
});
