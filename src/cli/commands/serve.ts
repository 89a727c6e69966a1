/**
 * `ctrscope serve`: a Prometheus exporter. GET /metrics answers with every container's metrics
 * (src/serve/exporter.ts), GET /healthz with `ok`; anything else is 404. SIGTERM and SIGINT close
 * the listener and end the command with status 0.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Exporter } from '../../serve/exporter.js';
import { CONTENT_TYPE, negotiateFormat } from '../../../views/metrics/exposition.js';
import { EXIT } from '../exit-codes.js';
import { checkSnapshot, ExitWith, openRoot, type Deps, type GlobalOptions } from '../context.js';

/**
 * The default port. The Prometheus exporters' default port allocations (the project wiki) have
 * given out all of 9100-9999 and continue above 10000; 10155 is past the allocations seen there.
 */
export const DEFAULT_PORT = 10155;
export const DEFAULT_LISTEN = `:${DEFAULT_PORT}`;

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface ListenAddress {
  /** null: every address (IPv6 and IPv4). */
  readonly host: string | null;
  readonly port: number;
}

/** HOST:PORT, [IPV6]:PORT or :PORT; null when it does not parse. */
export function parseListen(text: string): ListenAddress | null {
  const m = /^(?:\[([0-9a-fA-F:.%\w]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? null : host, port };
}

const listenArg = (v: string): ListenAddress => {
  const a = parseListen(v);
  if (!a) throw new ExitWith(EXIT.usage, `--listen ${v}: expected HOST:PORT, [IPV6]:PORT or :PORT with a port from 1 to 65535`);
  return a;
};

interface ServeOptions {
  listen: ListenAddress;
}

export function registerServe(program: Command, deps: Deps): void {
  program
    .command('serve')
    .description(`Prometheus exporter: GET /metrics (cAdvisor's metric names, every container of every engine), GET /healthz`)
    .addOption(new Option('--listen <host:port>', `address to listen on (default: ${DEFAULT_LISTEN}, every address)`).default(listenArg(DEFAULT_LISTEN), DEFAULT_LISTEN).argParser(listenArg))
    .action(async (opts: ServeOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const root = openRoot(g);
      // Loaded here, so that other commands do not load prom-client.
      const { createExporter } = await import('../../serve/exporter.js');
      const exporter = createExporter(root, { now: deps.now });
      try {
        // The first observation, now: it says once what a non-root run cannot see, and a root
        // with no processes at all stops here rather than serving nothing.
        const first = exporter.refresh();
        if (!first.ok) throw new ExitWith(EXIT.failure, first.message);
        checkSnapshot(root, first.observation.model.snapshot, deps);
        for (const w of exporter.warnings) deps.err(`ctrscope: ${w}\n`);
        await serve(exporter, opts.listen, deps);
      } finally {
        exporter.close();
      }
    });
}

const where = (a: ListenAddress): string => `${a.host === null ? '' : a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;

async function serve(exporter: Exporter, listen: ListenAddress, deps: Deps): Promise<void> {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    const known = path === '/metrics' || path === '/healthz';
    if (!known) return void res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics or /healthz\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok\n');
    const format = negotiateFormat(req.headers.accept);
    exporter.scrape(format).then(
      (body) => res.writeHead(200, { 'content-type': CONTENT_TYPE[format] }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${err instanceof Error ? err.message : String(err)}\n`),
    );
  };
  // Loaded here: node:http and what it pulls in cost every other command ~10 ms at start-up.
  const { createServer } = await import('node:http');
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.message;
      reject(new ExitWith(EXIT.failure, `--listen ${where(listen)}: ${why}`));
    });
    if (listen.host === null) server.listen(listen.port, resolve);
    else server.listen(listen.port, listen.host, resolve);
  });
  deps.err(`ctrscope: serving http://${where(listen)}/metrics\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      for (const s of STOP_SIGNALS) process.off(s, stop);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    for (const s of STOP_SIGNALS) process.on(s, stop);
  });
}
