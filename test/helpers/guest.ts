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

  private v2vm(args: string[], timeoutMs: number): GuestRun {
    const r = spawnSync('bash', [V2VM, ...args], { encoding: 'utf8', env: this.env, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
    if (r.error) throw new Error(`v2vm.sh ${args[0]}: ${r.error.message}\n${r.stderr ?? ''}`);
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /**
   * v2vm.sh without blocking the event loop: the calls that take minutes (build, boot, starting
   * every engine's containers) must let vitest's worker answer its runner meanwhile, or the
   * runner gives up on it ("Timeout calling onTaskUpdate") and fails the run.
   */
  private v2vmAsync(args: string[], timeoutMs: number): Promise<GuestRun> {
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [V2VM, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
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

  /** A long guest script (minutes), run without blocking the event loop; its stdout. */
  async shLong(script: string, timeoutMs: number): Promise<string> {
    this.env['V2VM_TIMEOUT'] = String(Math.ceil(timeoutMs / 1000));
    const r = await this.v2vmAsync(['run', script], timeoutMs + 10_000);
    if (r.code !== 0) throw new Error(`guest script exited ${r.code}: ${script.slice(0, 300)}\n${r.stderr}`);
    return r.stdout;
  }

  /** Stop QEMU and remove this run's directory (the image is never written). */
  stop(): void {
    this.v2vm(['down'], 60_000);
  }

  /** The guest console's last lines, for a failure message. */
  console(lines = 40): string {
    return this.v2vm(['console', String(lines)], 10_000).stdout;
  }

  /** Run a bash script in the guest as root. */
  run(script: string, timeoutMs = 600_000): GuestRun {
    this.env['V2VM_TIMEOUT'] = String(Math.ceil(timeoutMs / 1000));
    return this.v2vm(['run', script], timeoutMs + 10_000);
  }

  /** Run a bash script in the guest; its stdout, or an error with its stderr. */
  sh(script: string, timeoutMs?: number): string {
    const r = this.run(script, timeoutMs);
    if (r.code !== 0) throw new Error(`guest script exited ${r.code}: ${script.slice(0, 300)}\n${r.stderr}`);
    return r.stdout;
  }

  json<T>(script: string): T {
    return JSON.parse(this.sh(script)) as T;
  }

  /** ctrscope in the guest (cwd /), as `npx ctrscope` would run. */
  ctrscope(args: readonly string[], timeoutMs?: number): GuestRun {
    return this.run(`cd / && exec node ${GUEST_CTRSCOPE} ${args.map(q).join(' ')}`, timeoutMs);
  }

  /** A ctrscope --json command in the guest, parsed; throws on a non-zero exit. */
  ctrscopeJson<T>(args: readonly string[]): T {
    const r = this.ctrscope(args);
    if (r.code !== 0) throw new Error(`ctrscope ${args.join(' ')} exited ${r.code} in the guest: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** The cgroup2 path of a guest process (its `0::` line). */
  cgroupOf(pid: number): string {
    return this.sh(`sed -n 's/^0:://p' /proc/${pid}/cgroup`).trim();
  }

  /** Cgroup files of a guest cgroup path, each file's text trimmed. */
  cgroupFiles(path: string, files: readonly string[]): Record<string, string> {
    const out = this.sh(files.map((f) => `printf '%s\\0' "$(cat ${q(`/sys/fs/cgroup${path}/${f}`)})"`).join('; '));
    const values = out.split('\0');
    return Object.fromEntries(files.map((f, i) => [f, (values[i] ?? '').trim()]));
  }
}
