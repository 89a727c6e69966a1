/**
 * `ctrscope serve` as a process: its routes, its exits (bad --listen, a port in use, SIGTERM and
 * SIGINT), scrapes while containers come and go, a run without root, and an observation that
 * fails under it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { childrenOf, describeWith, killTree, testPrefix, waitFor } from '../helpers/host.js';
import { freePort, parseSamples, promtoolCheck, scrape, startServe, type Served } from '../helpers/serve.js';

const SAMPLE = fileURLToPath(new URL('../../samples/hybrid-docker', import.meta.url));

describeWith(['root', 'unshare'], 'ctrscope serve', () => {
  const prefix = testPrefix('serve-faults');
  const running: Served[] = [];
  const hands: ChildProcess[] = [];
  const dirs: string[] = [];

  afterAll(async () => {
    for (const s of running) await s.stop();
    for (const h of hands) killTree(h.pid);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const serve = async (extra: readonly string[] = [], wrapper?: readonly string[]): Promise<Served> => {
    const s = await startServe(extra, wrapper ? { wrapper } : {});
    running.push(s);
    return s;
  };

  it('--listen that does not parse: one line, exit 2', () => {
    for (const bad of ['nonsense', '127.0.0.1:99999', '127.0.0.1:', 'host:port:1']) {
      const r = runCli(['serve', '--listen', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr.trim().split('\n'), bad).toHaveLength(1);
      expect(r.stderr).toContain(`--listen ${bad}`);
    }
  });

  it('a port in use: one line, non-zero exit', async () => {
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const r = runCli(['serve', '--listen', `127.0.0.1:${port}`]);
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      expect(r.stderr.trim().split('\n')).toEqual([`ctrscope: --listen 127.0.0.1:${port}: address already in use`]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('GET /metrics and /healthz answer, anything else is 404; SIGTERM and SIGINT exit 0', async () => {
    // One container of our own, whatever else the host runs.
    const h = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sleep', '600'], { stdio: 'ignore' });
    hands.push(h);
    await waitFor(() => childrenOf(h.pid as number)[0], 15_000, 'the hand-made container');
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const s = await startServe();
      const m = await scrape(s.url);
      expect(m.status).toBe(200);
      expect(m.body).toContain('ctrscope_container_info{');
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      for (const path of ['/', '/metrics/x', '/favicon.ico', '/healthz/']) expect((await fetch(`${s.url}${path}`)).status, path).toBe(404);
      expect((await fetch(`${s.url}/metrics`, { method: 'POST' })).status).toBe(405);
      s.child.kill(signal);
      const r = await s.done;
      expect(r.code, `${signal}: ${r.stderr}`).toBe(0);
      expect(r.signal).toBeNull();
    }
  });

  it('scrapes while containers come and go: always a valid exposition, never a 500', async () => {
    const s = await serve();
    let stop = false;
    // Hand-made containers started and killed as fast as the host allows, while we scrape.
    const churn = (async () => {
      for (let i = 0; !stop && i < 200; i++) {
        const h = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sh', '-c', 'sleep 0.3'], { stdio: 'ignore' });
        hands.push(h);
        await new Promise((r) => setTimeout(r, 100));
        if (i % 2 === 0) killTree(h.pid);
      }
    })();
    try {
      for (let i = 0; i < 15; i++) {
        const r = await scrape(s.url);
        expect(r.status).toBe(200);
        expect(promtoolCheck(r.body), `scrape ${i}`).toBe('');
        parseSamples(r.body);
        // Past the minimum interval, so that each scrape observes again.
        await new Promise((res) => setTimeout(res, 550));
      }
    } finally {
      stop = true;
      await churn;
    }
  }, 120_000);

  it('a container that is gone is absent from the next scrape', async () => {
    const s = await serve();
    const h = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sleep', '600'], { stdio: 'ignore' });
    hands.push(h);
    const init = await waitFor(() => childrenOf(h.pid as number)[0], 15_000, 'the hand-made container');
    await new Promise((r) => setTimeout(r, 600));
    const first = parseSamples((await scrape(s.url)).body);
    const before = first.find((x) => x.name === 'ctrscope_container_info' && x.labels['pid'] === String(init));
    expect(before?.labels['id']).toMatch(/^ns-/);
    const startedAt = first.find((x) => x.name === 'container_start_time_seconds' && x.labels['id'] === before?.labels['id'])?.value;
    killTree(h.pid);
    // Gone: reaped, not a zombie that /proc still lists.
    await waitFor(() => (existsSync(`/proc/${init}`) ? undefined : true), 15_000, 'the container init reaped');
    await new Promise((r) => setTimeout(r, 600));
    const after = parseSamples((await scrape(s.url)).body);
    expect(after.filter((x) => x.name === 'ctrscope_container_info' && x.labels['pid'] === String(init))).toEqual([]);
    // The kernel hands a freed namespace inode to the next namespace made (other suites make
    // many), so the derived id may come back at once for another container: what must be gone
    // is this container's series, the ones with its start time.
    expect(after.filter((x) => x.name === 'container_start_time_seconds' && x.labels['id'] === before?.labels['id'] && x.value === startedAt)).toEqual([]);
  });

  it('not root: serves what it can read, and says once what is hidden', async () => {
    const s = await serve([], ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']);
    const r1 = await scrape(s.url);
    await new Promise((r) => setTimeout(r, 600));
    const r2 = await scrape(s.url);
    for (const r of [r1, r2]) {
      expect(r.status).toBe(200);
      expect(promtoolCheck(r.body)).toBe('');
    }
    const hidden = parseSamples(r2.body).find((x) => x.name === 'ctrscope_hidden_processes' && x.labels['reason'] === 'denied');
    expect(hidden?.value).toBeGreaterThan(0);
    const out = await s.stop();
    expect(out.code).toBe(0);
    expect(out.stderr.match(/not root/g)).toHaveLength(1);
  });

  it('a failing observation: the container series go, the failure shows in the self-metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    dirs.push(dir);
    cpSync(SAMPLE, join(dir, 'host'), { recursive: true, verbatimSymlinks: true });
    const s = await serve(['--root', join(dir, 'host')]);
    const good = parseSamples((await scrape(s.url)).body);
    expect(good.filter((x) => x.name === 'ctrscope_container_info').length).toBeGreaterThan(0);
    expect(good.find((x) => x.name === 'ctrscope_last_observation_success')?.value).toBe(1);
    // The host tree goes away under the running exporter.
    rmSync(join(dir, 'host'), { recursive: true, force: true });
    await new Promise((r) => setTimeout(r, 600));
    const r = await scrape(s.url);
    expect(r.status).toBe(200);
    expect(promtoolCheck(r.body)).toBe('');
    const bad = parseSamples(r.body);
    expect(bad.filter((x) => x.name.startsWith('container_') || x.name === 'ctrscope_container_info')).toEqual([]);
    expect(bad.find((x) => x.name === 'ctrscope_last_observation_success')?.value).toBe(0);
    const errors = bad.filter((x) => x.name === 'ctrscope_observation_errors_total');
    expect(errors.reduce((a, x) => a + x.value, 0)).toBeGreaterThanOrEqual(1);
    expect(errors[0]?.labels['reason']).toMatch(/^[a-z-]+$/);
  });
});
