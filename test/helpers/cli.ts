/**
 * ctrscope as a real subprocess: the bundled bin that test/global-setup.ts builds. For commands that
 * change the process that runs them (enter joins namespaces and chroots), which must never run
 * inside the vitest worker.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { CLI_MAIN } from './host.js';

/** The bundled CLI, dist/ctrscope.mjs (what `npx ctrscope` runs). */
export function builtCli(): string {
  return CLI_MAIN;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Run node under this command (e.g. setpriv ... to drop privileges). */
  readonly wrapper?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly timeout?: number;
}

function argv(args: readonly string[], opts: CliOptions): { file: string; args: string[]; stdio: StdioOptions } {
  const full = [...(opts.wrapper ?? []), process.execPath, builtCli(), ...args];
  return { file: full[0] as string, args: full.slice(1), stdio: ['ignore', 'pipe', 'pipe'] };
}

/** Run ctrscope to completion. */
export function runCli(args: readonly string[], opts: CliOptions = {}): CliRun {
  const a = argv(args, opts);
  const r = spawnSync(a.file, a.args, { stdio: a.stdio, encoding: 'utf8', cwd: '/', timeout: opts.timeout ?? 60_000, ...(opts.env ? { env: opts.env } : {}) });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Start ctrscope and leave it running; `done` resolves when it ends. */
export function startCli(args: readonly string[], opts: CliOptions = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const a = argv(args, opts);
  const child = spawn(a.file, a.args, { stdio: a.stdio, cwd: '/', ...(opts.env ? { env: opts.env } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}
