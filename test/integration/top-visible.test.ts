/**
 * What the dashboard reads when it says which rows are on screen (FrameSource.next's `shown`):
 * those rows in full, the others only as far as their sort column needs, and a row that comes
 * into view shows figures that match its cgroup files at the next refresh, with a CPU% taken
 * against the reading it had while off screen. Without `shown` (`top --batch`) every row is read
 * in full, as before. Two hand-made containers (own pid, mount and network namespaces) in v1
 * memory, cpuacct and pids cgroups of their own. Then the dashboard itself in a tmux pane with
 * room for 5 of 8 such containers: rows scrolled into view show '?' or their cgroup files'
 * figures, and those figures after the next refresh.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openHostRoot } from '../../collectors/host-root.js';
import { createFrameSource } from '../../src/cli/commands/top.js';
import type { Container } from '../../src/model/container.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { isUnknown } from '../../src/model/resources.js';
import { removeTestCgroups } from '../helpers/containers.js';
import { formatBytes } from '../../views/format.js';
import { childrenOf, CLI_MAIN, describeWith, testPrefix, waitFor } from '../helpers/host.js';

const CONTROLLERS = ['memory', 'cpuacct', 'pids'] as const;

/**
 * A hand-made container: `unshare --fork --pid --mount --mount-proc ARGS`, its init alone (not
 * its unshare launcher) moved into a cgroup `name` of its own in each of CONTROLLERS, after
 * `limits` are written there. Its launcher goes to `kids` and its directories to `dirs`, for
 * cleanup; returns the init's host pid.
 */
async function handmade(args: readonly string[], name: string, kids: ChildProcess[], dirs: string[], limits: Partial<Record<(typeof CONTROLLERS)[number], Record<string, string>>> = {}): Promise<number> {
  const k = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', ...args], { stdio: 'ignore' });
  kids.push(k);
  const init = await waitFor(() => childrenOf(k.pid as number)[0]);
  for (const c of CONTROLLERS) {
    const dir = `/sys/fs/cgroup/${c}/${name}`;
    mkdirSync(dir);
    dirs.push(dir);
    for (const [file, value] of Object.entries(limits[c] ?? {})) writeFileSync(`${dir}/${file}`, value);
    writeFileSync(`${dir}/cgroup.procs`, String(init));
  }
  return init;
}

describeWith(['root', 'unshare'], 'top reads the rows on screen (hand-made containers)', () => {
  const prefix = testPrefix('top-visible');
  const kids: ChildProcess[] = [];
  const dirs: string[] = [];
  const source = createFrameSource(openHostRoot('/'), { out: () => {}, err: () => {}, euid: 0, now: () => Date.now(), columns: 200 });
  const inits: Record<'a' | 'b', number> = { a: 0, b: 0 };

  // The init alone in cgroups of its own (not its unshare launcher): its usage is its own.
  async function start(name: 'a' | 'b'): Promise<void> {
    inits[name] = await handmade(['--net', 'sleep', '600'], `${prefix}-${name}`, kids, dirs);
  }

  beforeAll(async () => {
    await start('a');
    await start('b');
  });

  afterAll(async () => {
    source.close();
    for (const k of kids) k.kill('SIGKILL');
    for (const p of Object.values(inits)) {
      try {
        if (p) process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await removeTestCgroups(dirs.filter((d) => existsSync(d)));
  });

  const file = (name: 'a' | 'b', controller: (typeof CONTROLLERS)[number], f: string): string => readFileSync(`/sys/fs/cgroup/${controller}/${prefix}-${name}/${f}`, 'utf8');
  /** The working set as the cgroup files say it: usage less inactive file pages. */
  const workingSet = (name: 'a' | 'b'): number => Number(file(name, 'memory', 'memory.usage_in_bytes')) - Number(/^total_inactive_file (\d+)$/m.exec(file(name, 'memory', 'memory.stat'))?.[1]);
  const find = (containers: readonly Container[], name: 'a' | 'b'): Container => {
    const c = containers.find((x) => x.pid === inits[name]);
    if (!c) throw new Error(`container ${name} (init ${inits[name]}) not found`);
    return c;
  };

  it('reads the rows on screen in full, the others for their sort column, and a row coming into view matches its cgroup files', async () => {
    const first = source.next();
    const a = find(first.model.containers, 'a');
    const b = find(first.model.containers, 'b');
    const [ka, kb] = [containerKey(a), containerKey(b)];

    // A on screen, B off it, sorted by CPU: of B only the CPU usage counter is read.
    const second = source.next(null, { keys: new Set([ka]), sort: 'cpu' });
    const ra = second.observation.resources.get(ka);
    const rb = second.observation.resources.get(kb);
    expect(ra && !isUnknown(ra.usage.workingSetBytes)).toBe(true);
    expect(second.stats.get(ka)?.pids).toBe(Number(file('a', 'pids', 'pids.current')));
    expect(typeof second.stats.get(kb)?.cpuPercent).toBe('number');
    expect(rb && isUnknown(rb.usage.workingSetBytes) && rb.usage.workingSetBytes.unknown).toMatch(/not read/);
    expect(second.stats.get(kb)?.memoryBytes).toBeNull();
    expect(second.stats.get(kb)?.pids).toBeNull();
    // Network counters of the rows on screen only.
    expect(second.observation.network.has(a.namespaces.net as number)).toBe(true);
    expect(second.observation.network.has(b.namespaces.net as number)).toBe(false);

    // B scrolls into view: at the next refresh its figures are its cgroup files'.
    await new Promise((r) => setTimeout(r, 200));
    const third = source.next(null, { keys: new Set([kb]), sort: 'cpu' });
    const sb = third.stats.get(kb);
    const rb3 = third.observation.resources.get(kb);
    expect(sb?.memoryBytes).toBe(workingSet('b'));
    expect(sb?.pids).toBe(Number(file('b', 'pids', 'pids.current')));
    expect(sb?.memoryLimitBytes).toBe('unlimited');
    // Its CPU% is taken against the reading it had off screen, over the interval since.
    const u2 = rb?.usage.cpuUsageUsec;
    const u3 = rb3?.usage.cpuUsageUsec;
    if (typeof u2 !== 'number' || typeof u3 !== 'number' || !rb3?.sampleIntervalMs) throw new Error('CPU usage counters were not read');
    expect(Number(file('b', 'cpuacct', 'cpuacct.usage')) / 1000).toBeGreaterThanOrEqual(u3);
    expect(rb3.sampleIntervalMs).toBeLessThan(third.observation.atMs - first.observation.atMs);
    expect(sb?.cpuPercent).toBeCloseTo(((u3 - u2) / (rb3.sampleIntervalMs * 1000)) * 100, 6);
    // Its network rate needs a second reading: left out ('-') on this first frame, never a number from before.
    expect(third.observation.network.has(b.namespaces.net as number)).toBe(true);
    expect(sb?.netRxBytesPerSec).toBeUndefined();
    const fourth = source.next(null, { keys: new Set([kb]), sort: 'cpu' });
    expect(fourth.stats.get(kb)?.netRxBytesPerSec).toBe(0);
    // A, now off screen, keeps its sort figure.
    expect(typeof fourth.stats.get(ka)?.cpuPercent).toBe('number');

    // Sorted by PIDS: the rows off screen have their pids read.
    const byPids = source.next(null, { keys: new Set([kb]), sort: 'pids' });
    expect(byPids.stats.get(ka)?.pids).toBe(Number(file('a', 'pids', 'pids.current')));
    expect(byPids.stats.get(ka)?.memoryBytes).toBeNull();

    // Sorted by a column no cgroup figure sorts: the rows off screen are not read at all.
    const byName = source.next(null, { keys: new Set([kb]), sort: 'name' });
    expect(byName.observation.resources.has(ka)).toBe(false);
    expect(byName.stats.get(kb)?.memoryBytes).toBe(workingSet('b'));

    // Without `shown` (top --batch), every row is read in full.
    const all = source.next();
    for (const k of [ka, kb]) {
      const r = all.observation.resources.get(k);
      expect(r && !isUnknown(r.usage.workingSetBytes)).toBe(true);
    }
    expect(all.stats.get(ka)?.memoryBytes).toBe(workingSet('a'));
  });
});

describeWith(['root', 'unshare', 'tmux'], 'the dashboard: a row scrolled into view (tmux, 5 table rows)', () => {
  const prefix = testPrefix('top-scroll');
  const COUNT = 8;
  const tmp = mkdtempSync(join(tmpdir(), `${prefix}-`));
  // A command of their own, for --filter, named after the prefix: a shell that starts its sleeps
  // once it is in its cgroups, so they charge memory to them (what was charged before stays
  // with the cgroup it was charged to).
  const sleeper = join(tmp, `${prefix}-sleep`);
  const kids: ChildProcess[] = [];
  const dirs: string[] = [];
  const inits: number[] = [];
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-f', '/dev/null', '-L', prefix, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    writeFileSync(sleeper, `#!/bin/sh\nuntil grep -q ${prefix} /proc/$$/cgroup; do sleep 0.1; done\nwhile :; do sleep 600; done\n`, { mode: 0o755 });
    for (let i = 0; i < COUNT; i++) inits.push(await handmade([sleeper], `${prefix}-${i}`, kids, dirs, { memory: { 'memory.limit_in_bytes': String(256 << 20) } }));
    // Each init's last `sleep 0.1` from before its move (in its launcher's cgroups) has ended.
    await new Promise((r) => setTimeout(r, 300));
  }, 60_000);

  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // not started
    }
    rmSync(join(process.env['TMUX_TMPDIR'] ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, prefix), { force: true });
    for (const k of kids) k.kill('SIGKILL');
    for (const p of inits) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await removeTestCgroups(dirs.filter((d) => existsSync(d)));
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  /** The working set of container i as its cgroup files say it, formatted as the MEM column. */
  const memText = (i: number): string => {
    const dir = `/sys/fs/cgroup/memory/${prefix}-${i}`;
    const inactive = Number(/^total_inactive_file (\d+)$/m.exec(readFileSync(`${dir}/memory.stat`, 'utf8'))?.[1]);
    return formatBytes(Number(readFileSync(`${dir}/memory.usage_in_bytes`, 'utf8')) - inactive);
  };
  /** Table rows on screen: the PID and the MEM/LIMIT cell of each, as used and limit. */
  const rows = (): { pid: number; mem: string; limit: string }[] =>
    tmux('capture-pane', '-p', '-t', 'top')
      .split('\n')
      .flatMap((l) => {
        const m = /^\S+\s+ns-\S+\s+\S+\s+\S+\s+(\d+)\s.*?\s(\?|[\d.]+[BKMGT]?)\/(256M|\?)\s/.exec(l);
        return m ? [{ pid: Number(m[1]), mem: m[2] as string, limit: m[3] as string }] : [];
      });
  /**
   * Each row's MEM is its cgroup's now ('?' allowed where `unread` says so), never a stale figure.
   * The kernel may move a cgroup's usage between the dashboard's read and this one (charges
   * cached per CPU are drained when another memory cgroup goes away): a mismatch is looked at
   * again after the next refresh, where a figure never read again would still be wrong.
   */
  const check = async (unread: boolean): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        checkNow(unread);
        return;
      } catch (e) {
        if (attempt === 3) throw e;
        await new Promise((r) => setTimeout(r, 1200));
      }
    }
  };
  const checkNow = (unread: boolean): void => {
    const before = inits.map((_, i) => memText(i));
    const shown = rows();
    const after = inits.map((_, i) => memText(i));
    expect(shown).toHaveLength(5);
    for (const r of shown) {
      const i = inits.indexOf(r.pid);
      expect(i).toBeGreaterThanOrEqual(0);
      if (unread && r.mem === '?') continue;
      expect(r.mem).not.toBe('0B');
      expect(r.limit).toBe('256M');
      expect([before[i], after[i]]).toContain(r.mem);
    }
  };

  it('shows, once the next refresh has read it, the figures of its cgroup files', async () => {
    tmux('new-session', '-d', '-x', '200', '-y', '10', '-s', 'top', `exec ${process.execPath} ${CLI_MAIN} top --interval 1 --filter cmd:${prefix}-sleep`);
    // 5 table rows of 8: the first refresh reads every row, later ones those on screen.
    await waitFor(() => (rows().length === 5 && /1-5 of 8/.test(tmux('capture-pane', '-p', '-t', 'top')) ? true : undefined), 30_000, 'the dashboard to show 5 of 8 rows');
    await new Promise((r) => setTimeout(r, 2500));
    await check(false);
    const first = rows().map((r) => r.pid);
    tmux('send-keys', '-t', 'top', 'End');
    await waitFor(() => (/4-8 of 8/.test(tmux('capture-pane', '-p', '-t', 'top')) ? true : undefined), 10_000, 'the window to scroll to rows 4-8');
    // Rows 6-8 came into view: until a refresh reads them, unread ('?') or right, never stale.
    await check(true);
    const scrolled = rows().map((r) => r.pid).filter((p) => !first.includes(p));
    expect(scrolled).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 2500));
    await check(false);
  }, 90_000);
});
