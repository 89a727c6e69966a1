/**
 * What the dashboard reads when it says which rows are on screen (FrameSource.next's `shown`):
 * those rows in full, the others only as far as their sort column needs, and a row that comes
 * into view shows figures that match its cgroup files at the next refresh, with a CPU% taken
 * against the reading it had while off screen. Without `shown` (`top --batch`) every row is read
 * in full, as before. Two hand-made containers (own pid, mount and network namespaces) in v1
 * memory, cpuacct and pids cgroups of their own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openHostRoot } from '../../collectors/host-root.js';
import { createFrameSource } from '../../src/cli/commands/top.js';
import type { Container } from '../../src/model/container.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { isUnknown } from '../../src/model/resources.js';
import { removeTestCgroups } from '../helpers/containers.js';
import { childrenOf, describeWith, testPrefix, waitFor } from '../helpers/host.js';

const CONTROLLERS = ['memory', 'cpuacct', 'pids'] as const;

describeWith(['root', 'unshare'], 'top reads the rows on screen (hand-made containers)', () => {
  const prefix = testPrefix('top-visible');
  const kids: ChildProcess[] = [];
  const dirs: string[] = [];
  const source = createFrameSource(openHostRoot('/'), { out: () => {}, err: () => {}, euid: 0, now: () => Date.now(), columns: 200 });
  const inits: Record<'a' | 'b', number> = { a: 0, b: 0 };

  async function start(name: 'a' | 'b'): Promise<void> {
    const k = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', '--net', 'sleep', '600'], { stdio: 'ignore' });
    kids.push(k);
    const init = await waitFor(() => childrenOf(k.pid as number)[0]);
    // The init alone in cgroups of its own (not its unshare launcher): its usage is its own.
    for (const c of CONTROLLERS) {
      const dir = `/sys/fs/cgroup/${c}/${prefix}-${name}`;
      mkdirSync(dir);
      dirs.push(dir);
      writeFileSync(`${dir}/cgroup.procs`, String(init));
    }
    inits[name] = init;
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

    // A on screen, B off it, sorted by CPU: B's CPU usage counter and pids are read, not its memory.stat.
    const second = source.next(null, { keys: new Set([ka]), sort: 'cpu' });
    const ra = second.observation.resources.get(ka);
    const rb = second.observation.resources.get(kb);
    expect(ra && !isUnknown(ra.usage.workingSetBytes)).toBe(true);
    expect(typeof second.stats.get(kb)?.cpuPercent).toBe('number');
    expect(second.stats.get(kb)?.pids).toBe(Number(file('b', 'pids', 'pids.current')));
    expect(rb && isUnknown(rb.usage.workingSetBytes) && rb.usage.workingSetBytes.unknown).toMatch(/not read/);
    expect(second.stats.get(kb)?.memoryBytes).toBeNull();
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
