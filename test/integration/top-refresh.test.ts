/**
 * top's frame source on the live host, refresh after refresh, with what it reuses between them:
 * a hand-made container that starts appears at the next refresh, a process that joins it too,
 * one that stops disappears, a memory limit set on its cgroup shows within SLOW_EVERY
 * refreshes, as `cat memory.limit_in_bytes` says, and an OOM kill shows at the refresh after the
 * killed process is gone, as memory.oom_control counts it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openHostRoot } from '../../collectors/host-root.js';
import { SLOW_EVERY } from '../../collectors/resources.js';
import { createFrameSource } from '../../src/cli/commands/top.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { childrenOf, describeWith, testPrefix, waitFor } from '../helpers/host.js';

describeWith(['root', 'unshare', 'nsenter'], 'top refreshes (hand-made containers)', () => {
  const prefix = testPrefix('top-refresh');
  const cg = `/sys/fs/cgroup/memory/${prefix}`;
  const cgOom = `${cg}-oom`;
  const tmp = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const kids: ChildProcess[] = [];
  const pids: number[] = [];

  afterAll(async () => {
    source.close();
    for (const k of kids) k.kill('SIGKILL');
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of [cg, cgOom]) {
      if (!existsSync(dir)) continue;
      await waitFor(() => (readFileSync(`${dir}/cgroup.procs`, 'utf8').trim() === '' ? true : undefined), 5000, 'the test cgroup to empty');
      rmdirSync(dir);
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  async function start(): Promise<number> {
    const k = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sleep', '600'], { stdio: 'ignore' });
    kids.push(k);
    const init = await waitFor(() => childrenOf(k.pid as number)[0]);
    pids.push(init);
    return init;
  }

  const source = createFrameSource(openHostRoot('/'), { out: () => {}, err: () => {}, euid: 0, now: () => Date.now(), columns: 200 });
  const owner = (pid: number) => source.next().model.containers.find((c) => c.processes.some((m) => m.pid === pid));

  it('a container that starts appears, a process that joins it too, and it disappears when it stops', async () => {
    source.next();
    source.next();
    const a = await start();
    const ca = owner(a);
    expect(ca?.id).toMatch(/^ns-pid-\d+$/);
    const joined = spawn('nsenter', ['-t', String(a), '-p', '-m', 'sleep', '600'], { stdio: 'ignore' });
    kids.push(joined);
    // nsenter forks to enter the pid namespace: the sleep is its child.
    const inner = await waitFor(() => childrenOf(joined.pid as number)[0]);
    pids.push(inner);
    const again = owner(a);
    expect(again && containerKey(again)).toBe(ca && containerKey(ca));
    expect(again?.processes.map((m) => m.pid)).toContain(inner);
    process.kill(a, 'SIGKILL');
    joined.kill('SIGKILL');
    // The kernel kills the rest of a pid namespace with its init: inner may be gone already.
    try {
      process.kill(inner, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
    await waitFor(() => (existsSync(`/proc/${a}`) ? undefined : true), 5000, 'the container init to exit');
    const keys = source.next().model.containers.map(containerKey);
    expect(ca && keys).not.toContain(ca && containerKey(ca));
  });

  it(`a memory limit set while top runs shows within ${SLOW_EVERY} refreshes`, async () => {
    const b = await start();
    mkdirSync(cg);
    writeFileSync(`${cg}/cgroup.procs`, String(b));
    const key = (): string => containerKey(owner(b) as NonNullable<ReturnType<typeof owner>>);
    const k = key();
    source.next();
    writeFileSync(`${cg}/memory.limit_in_bytes`, String(64 * 1024 * 1024));
    const expected = Number(readFileSync(`${cg}/memory.limit_in_bytes`, 'utf8'));
    let seen = -1;
    for (let i = 1; i <= SLOW_EVERY && seen < 0; i++) if (source.next().stats.get(k)?.memoryLimitBytes === expected) seen = i;
    expect(seen).toBeGreaterThan(0);
  });

  it('an OOM kill shows at the refresh after the killed process is gone', async () => {
    const c = await start();
    // An allocator that waits on a fifo (no fork), in the container and its 32 MiB memory cgroup.
    const fifo = join(tmp, 'go');
    execFileSync('mkfifo', [fifo]);
    const joined = spawn('nsenter', ['-t', String(c), '-p', '-m', 'sh', '-c', `read x < ${fifo}; a=aaaaaaaaaaaaaaaa; while :; do a=$a$a; done`], { stdio: 'ignore' });
    kids.push(joined);
    const hog = await waitFor(() => childrenOf(joined.pid as number)[0]);
    pids.push(hog);
    mkdirSync(cgOom);
    writeFileSync(`${cgOom}/memory.limit_in_bytes`, String(32 * 1024 * 1024));
    for (const pid of [c, hog]) writeFileSync(`${cgOom}/cgroup.procs`, String(pid));
    const owned = owner(c);
    expect(owned?.processes.map((m) => m.pid)).toContain(hog);
    const k = containerKey(owned as NonNullable<typeof owned>);
    // Steady: refreshes that find the host quiet carry the OOM counter over.
    for (let i = 0; i < 3; i++) source.next();
    expect(source.next().stats.get(k)?.oomKillsRecent).toBe(0);

    writeFileSync(fifo, 'go\n');
    await waitFor(() => (existsSync(`/proc/${hog}`) ? undefined : true), 20_000, 'the allocator to be OOM-killed');
    const kills = Number(/oom_kill (\d+)/.exec(readFileSync(`${cgOom}/memory.oom_control`, 'utf8'))?.[1]);
    expect(kills).toBeGreaterThanOrEqual(1);
    expect(source.next().stats.get(k)?.oomKillsRecent).toBe(kills);
  });

  it('an OOM kill of a process born and gone between two refreshes shows at the next one', async () => {
    // The cgroup of the previous test, its container's init still in it, 32 MiB.
    const owned = source.next().model.containers.find((c) => c.cgroup.path !== null && readFileSync(`${cgOom}/cgroup.procs`, 'utf8').split('\n').includes(String(c.pid)));
    expect(owned).toBeDefined();
    const k = containerKey(owned as NonNullable<typeof owned>);
    const oomKills = (): number => Number(/oom_kill (\d+)/.exec(readFileSync(`${cgOom}/memory.oom_control`, 'utf8'))?.[1]);
    for (let i = 0; i < 3; i++) source.next();
    expect(source.next().stats.get(k)?.oomKillsRecent).toBe(0);
    const before = oomKills();
    // Never listed by a scan: it joins the cgroup, allocates until the kernel kills it, and is
    // reaped before the next refresh.
    const hog = spawn('sh', ['-c', `echo $$ > ${cgOom}/cgroup.procs && a=aaaaaaaaaaaaaaaa && while :; do a=$a$a; done`], { stdio: 'ignore' });
    kids.push(hog);
    await new Promise((r) => hog.on('exit', r));
    expect(oomKills()).toBe(before + 1);
    expect(source.next().stats.get(k)?.oomKillsRecent).toBe(1);
  });
});
