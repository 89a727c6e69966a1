/**
 * The cgroup v2 guest (test/vm/): a Debian 12 systemd machine under QEMU, built once per machine
 * and cached, booted once per test run. Tests run shell scripts in it as root through its agent,
 * and run ctrscope in it with the host's own node and the bundle test/global-setup.ts built.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
export const V2VM = `${repo}test/vm/v2vm.sh`;
/** The build cache, shared by every run on this machine. */
export const V2VM_DIR = process.env['V2VM_DIR'] ?? '/var/tmp/ctrscope-v2vm';
/** Where ctrscope is installed on the guest's disk (faster to start than from the 9p share). */
const GUEST_CTRSCOPE = '/opt/ctrscope/dist/ctrscope.mjs';

export interface GuestRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Why the guest cannot be built or booted here (no root, no QEMU...), or null. */
export function guestMissing(): string | null {
  const r = spawnSync('bash', [V2VM, 'check'], { encoding: 'utf8', env: { ...process.env, V2VM_DIR } });
  return r.status === 0 ? null : r.stdout.trim() || r.stderr.trim() || `v2vm.sh check exited ${r.status}`;
}

/**
 * describe() for the guest suite: skipped with the reason on a machine without root or QEMU, a
 * failure under CI=true (a guest that cannot be built or booted fails there too, in beforeAll).
 */
export function describeGuest(name: string, body: () => void): void {
  const why = guestMissing();
  // Every step goes through an emulated machine: minutes, not seconds, on a loaded host.
  if (why === null) describe(name, { timeout: 15 * 60_000 }, body);
  else if (process.env['CI'] === 'true') describe(name, () => it('has what the guest needs (root, QEMU, a Debian host to build it)', () => { throw new Error(`${name}: ${why}`); }));
  else describe.skip(`${name} [skipped: ${why}]`, body);
}

/** POSIX shell quoting of one word. */
export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * QEMU runs daemonized, so a test run that was killed leaves its guest running: stop the guests
 * of runs (`run-<pid>`, `run-record-<pid>`) whose process is gone.
 */
function stopOrphans(): void {
  let dirs: string[];
  try {
    dirs = readdirSync(V2VM_DIR);
  } catch {
    return;
  }
  for (const d of dirs) {
    const owner = /^run-(?:record-)?(\d+)$/.exec(d)?.[1];
    if (owner === undefined || existsSync(`/proc/${owner}`)) continue;
    spawnSync('bash', [V2VM, 'down'], { env: { ...process.env, V2VM_DIR, V2VM_RUN: `${V2VM_DIR}/${d}` }, stdio: 'ignore', timeout: 60_000 });
  }
}

export class Guest {
  readonly env: NodeJS.ProcessEnv;

  constructor(runDir = `${V2VM_DIR}/run-${process.pid}`) {
    this.env = { ...process.env, V2VM_DIR, V2VM_RUN: runDir };
  }

  /**
   * v2vm.sh without blocking the event loop: every guest call takes seconds to minutes under
   * emulation, and vitest's worker must answer its runner meanwhile, or the runner gives up on
   * it ("Timeout calling onTaskUpdate") and fails the run.
   */
  private v2vmAsync(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<GuestRun> {
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [V2VM, ...args], { env: { ...this.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`v2vm.sh ${args[0]}: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (signal) reject(new Error(`v2vm.sh ${args[0]}: killed by ${signal} after ${timeoutMs} ms\n${stderr}`));
        else resolve({ code, stdout, stderr });
      });
    });
  }

  private async must(args: string[], timeoutMs: number): Promise<GuestRun> {
    const r = await this.v2vmAsync(args, timeoutMs);
    if (r.code !== 0) throw new Error(`v2vm.sh ${args[0]} exited ${r.code}:\n${r.stderr}${r.stdout}`);
    return r;
  }

  /** Build (or reuse the cached image), boot, and install ctrscope and guest-containers.sh. */
  async start(): Promise<void> {
    stopOrphans();
    await this.must(['build'], 20 * 60_000);
    await this.must(['up'], 8 * 60_000);
    await this.must(['install', repo], 5 * 60_000);
  }

  /** Stop QEMU and remove this run's directory (the image is never written). */
  async stop(): Promise<void> {
    await this.v2vmAsync(['down'], 60_000);
  }

  /** The guest console's last lines, for a failure message. */
  async console(lines = 40): Promise<string> {
    return (await this.v2vmAsync(['console', String(lines)], 10_000)).stdout;
  }

  /** Run a bash script in the guest as root. */
  run(script: string, timeoutMs = 600_000): Promise<GuestRun> {
    return this.v2vmAsync(['run', script], timeoutMs + 10_000, { V2VM_TIMEOUT: String(Math.ceil(timeoutMs / 1000)) });
  }

  /** Run a bash script in the guest; its stdout, or an error with its stderr. */
  async sh(script: string, timeoutMs?: number): Promise<string> {
    const r = await this.run(script, timeoutMs);
    if (r.code !== 0) throw new Error(`guest script exited ${r.code}: ${script.slice(0, 300)}\n${r.stderr}`);
    return r.stdout;
  }

  /** ctrscope in the guest (cwd /), as `npx ctrscope` would run. */
  ctrscope(args: readonly string[], timeoutMs?: number): Promise<GuestRun> {
    return this.run(`cd / && exec node ${GUEST_CTRSCOPE} ${args.map(q).join(' ')}`, timeoutMs);
  }

  /** A ctrscope --json command in the guest, parsed; throws on a non-zero exit. */
  async ctrscopeJson<T>(args: readonly string[]): Promise<T> {
    const r = await this.ctrscope(args);
    if (r.code !== 0) throw new Error(`ctrscope ${args.join(' ')} exited ${r.code} in the guest: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }
}
