/**
 * `container_oom_events_total` across the end of the container an OOM kill ended: a docker
 * container (`--rm`) whose init the kernel OOM-kills is gone, cgroup and all, before the next
 * scrape. That scrape must still count the kill on the container's series (the kernel log names
 * it), while every other series of the container is gone; the kernel's own log is the reference.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MIN_OBSERVE_INTERVAL_MS } from '../../src/serve/exporter.js';
import { dockerImportBusybox } from '../helpers/containers.js';
import { describeWith, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';
import { parseSamples, promtoolCheck, scrape, startServe, type SeriesSample, type Served } from '../helpers/serve.js';

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describeWith(['root', 'docker'], 'serve: an OOM kill that ends its container is counted', () => {
  const prefix = testPrefix('serve-oom');
  const image = `${prefix}:1`;
  let dir = '';
  let served: Served | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    chmodSync(dir, 0o755);
    dockerImportBusybox(image, dir);
    served = await startServe();
  }, 120_000);

  afterAll(async () => {
    await served?.stop();
    shQuiet('docker', ['rm', '-f', `${prefix}-victim`, `${prefix}-survivor`]);
    shQuiet('docker', ['rmi', image]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** A scrape that observes the host again (past the minimum interval). */
  const freshScrape = async (): Promise<SeriesSample[]> => {
    await pause(MIN_OBSERVE_INTERVAL_MS + 50);
    const r = await scrape(served?.url as string);
    expect(r.status).toBe(200);
    expect(promtoolCheck(r.body)).toBe('');
    return parseSamples(r.body);
  };
  const series = (samples: SeriesSample[], name: string, id: string): number[] => samples.filter((s) => s.name === name && s.labels['id'] === id).map((s) => s.value);

  it('the kill of its init, container removed before the next scrape: counted once, other series gone', async () => {
    // The init waits for /go, then doubles a string until the kernel kills it at 32 MiB.
    const id = sh('docker', ['run', '-d', '--rm', '--name', `${prefix}-victim`, '--memory', '32m', '--memory-swap', '32m', image, 'sh', '-c', 'while [ ! -e /go ]; do sleep 0.1; done; a=aaaaaaaaaaaaaaaa; while :; do a=$a$a; done']).trim();
    const cgroup = `/sys/fs/cgroup/memory/docker/${id}`;
    const before = await freshScrape();
    expect(series(before, 'container_oom_events_total', id)).toEqual([0]);
    const started = before.find((s) => s.name === 'container_oom_events_total' && s.labels['id'] === id)?.labels['started'];
    shQuiet('docker', ['exec', id, 'touch', '/go']);
    // Killed, removed by docker, its cgroup gone: nothing of it is left to read.
    await waitFor(() => (spawnSync('docker', ['inspect', id]).status !== 0 && !existsSync(cgroup) ? true : undefined), 60_000, 'the container removed');
    // The kernel's own account of the kill: one OOM kill in the container's memory cgroup.
    const kernelLog = sh('dmesg', []);
    expect(kernelLog.match(new RegExp(`oom-kill:.*task_memcg=/docker/${id},`, 'g'))).toHaveLength(1);
    expect(kernelLog).toMatch(/Memory cgroup out of memory: Killed process \d+ \(sh\)/);

    const after = await freshScrape();
    const oom = after.filter((s) => s.name === 'container_oom_events_total' && s.labels['id'] === id);
    expect(oom.map((s) => s.value)).toEqual([1]);
    // The same series as before the kill (its labels, start time included), so it rose by one.
    expect(oom[0]?.labels['started']).toBe(started);
    expect(oom[0]?.labels['name']).toBe(`${prefix}-victim`);
    expect(after.filter((s) => s.labels['id'] === id && s.name !== 'container_oom_events_total')).toEqual([]);
    // And it stays, unchanged, for the scrapes after.
    expect(series(await freshScrape(), 'container_oom_events_total', id)).toEqual([1]);
    const logged = after.filter((s) => s.name === 'ctrscope_oom_kills_logged_total' && s.labels['owner'] === 'container');
    expect(logged[0]?.value).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('a kill inside a container that survives: its cgroup counter, no kill counted twice', async () => {
    const id = sh('docker', ['run', '-d', '--name', `${prefix}-survivor`, '--memory', '32m', '--memory-swap', '32m', image, 'sleep', '600']).trim();
    expect(series(await freshScrape(), 'container_oom_events_total', id)).toEqual([0]);
    // The allocator is a docker exec'd child: the kernel kills it, the container lives on.
    shQuiet('docker', ['exec', id, 'sh', '-c', 'a=aaaaaaaaaaaaaaaa; while :; do a=$a$a; done']);
    const oomControl = sh('cat', [`/sys/fs/cgroup/memory/docker/${id}/memory.oom_control`]);
    const kills = Number(/oom_kill (\d+)/.exec(oomControl)?.[1]);
    expect(kills).toBe(1);
    const after = await freshScrape();
    expect(series(after, 'container_oom_events_total', id)).toEqual([kills]);
    expect(series(after, 'container_last_seen', id)).toHaveLength(1);
  }, 120_000);
});
