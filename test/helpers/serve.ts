/**
 * `ctrscope serve` as a subprocess on 127.0.0.1, scraped over HTTP, and a real Prometheus
 * server (Debian's `prometheus` package) scraping it, for the serve tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, type CliOptions, type CliRun } from './cli.js';

/** A port nothing listens on right now, on 127.0.0.1 (the kernel picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Served {
  readonly url: string;
  readonly child: ChildProcess;
  readonly done: Promise<CliRun>;
  stop(): Promise<CliRun>;
}

/** Start `ctrscope serve` on a free 127.0.0.1 port and wait until it answers /healthz. */
export async function startServe(extra: readonly string[] = [], opts: CliOptions = {}): Promise<Served> {
  const port = await freePort();
  const { child, done } = startCli([...extra, 'serve', '--listen', `127.0.0.1:${port}`], opts);
  const url = `http://127.0.0.1:${port}`;
  let exited: CliRun | null = null;
  void done.then((r) => (exited = r));
  const end = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`ctrscope serve exited ${(exited as CliRun).code}: ${(exited as CliRun).stderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error('ctrscope serve did not answer /healthz within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    done,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const r = await done;
      clearTimeout(timer);
      return r;
    },
  };
}

/**
 * GET /metrics on a connection of its own. fetch() would reuse a kept-alive connection, and a
 * test that blocks its event loop between scrapes (promtool run synchronously) can then send on
 * a connection the server has closed meanwhile: a client-side race, not a failed scrape.
 */
export function scrape(url: string, accept?: string): Promise<{ status: number; type: string | null; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(`${url}/metrics`, { agent: false, headers: accept ? { accept } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? null, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** `promtool check metrics` on an exposition: its complaints, '' when it passes. */
export function promtoolCheck(body: string): string {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? '' : `exit ${r.status}: ${r.stdout}${r.stderr}`;
}

export interface SeriesSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a text exposition (label values without escapes, which the tests do not plant). */
export function parseSamples(body: string): SeriesSample[] {
  const out: SeriesSample[] = [];
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[p[1] as string] = p[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

export interface Prometheus {
  readonly url: string;
  /** An instant query's result vector. */
  query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop(): Promise<void>;
}

/** A real Prometheus on 127.0.0.1 scraping `target` (host:port) every second, with its own storage. */
export async function startPrometheus(target: string, prefix: string): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-prom-`));
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: ctrscope\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('close', () => r(clearTimeout(t)));
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const query = async (q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
    const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (r.status !== 'success') throw new Error(`query ${q}: ${r.error}`);
    return r.data.result;
  };
  try {
    // Up once it has scraped the target successfully.
    const end = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${log}`);
      try {
        const up = await query('up{job="ctrscope"}');
        if (up[0]?.value[1] === '1') break;
      } catch {
        // not ready yet
      }
      if (Date.now() > end) throw new Error(`prometheus did not scrape ${target} within 60 s: ${log}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, query, stop };
}
