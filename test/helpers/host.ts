/**
 * Integration-test helpers: capability checks that skip on a laptop and fail on CI, command
 * runners, and ctrscope run in-process against the live host.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { run } from '../../src/cli/program.js';

export type Need = 'root' | 'unshare' | 'docker' | 'podman' | 'runc' | 'lxc' | 'nspawn' | 'ctr' | 'nsenter' | 'tmux';

const probes: Record<Need, () => string | null> = {
  root: () => (process.geteuid?.() === 0 ? null : 'needs root'),
  unshare: () => (ok('unshare', ['--version']) ? null : 'unshare(1) not installed'),
  nsenter: () => (ok('nsenter', ['--version']) ? null : 'nsenter(1) not installed'),
  docker: () => (ok('docker', ['info']) ? null : 'docker daemon not reachable (run .ci/setup-host.sh)'),
  podman: () => (ok('podman', ['--version']) ? null : 'podman not installed'),
  runc: () => (ok('runc', ['--version']) ? null : 'runc not installed'),
  lxc: () => (ok('lxc-start', ['--version']) ? null : 'lxc not installed'),
  nspawn: () => (ok('systemd-nspawn', ['--version']) ? null : 'systemd-nspawn not installed'),
  ctr: () => (ok('ctr', ['--address', CTR_ADDRESS, 'version']) ? null : `containerd not reachable at ${CTR_ADDRESS}`),
  tmux: () => (ok('tmux', ['-V']) ? null : 'tmux not installed'),
};

/** The containerd that dockerd starts. */
export const CTR_ADDRESS = '/run/docker/containerd/containerd.sock';

function ok(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
  return r.status === 0;
}

/** Why the needs are not met, or null. */
export function missing(...needs: Need[]): string | null {
  for (const n of needs) {
    const why = probes[n]();
    if (why !== null) return why;
  }
  return null;
}

/**
 * describe() that runs only where the needs are met. Elsewhere it skips with the reason shown,
 * except under CI=true, where a missing engine or privilege is a failure.
 */
export function describeWith(needs: Need[], name: string, body: () => void): void {
  const why = missing(...needs);
  if (why === null) {
    describe(name, body);
  } else if (process.env['CI'] === 'true') {
    describe(name, () => {
      it(`has what it needs (${needs.join(', ')})`, () => {
        throw new Error(`${name}: ${why}`);
      });
    });
  } else {
    describe.skip(`${name} [skipped: ${why}]`, body);
  }
}

/**
 * Run a command, return stdout; throws with stderr on failure. Output may be large (`lsns --json`
 * on a host with thousands of processes passes the default 1 MiB limit).
 */
export function sh(cmd: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024, timeout: opts.timeout ?? 120_000, ...(opts.input !== undefined ? { input: opts.input } : {}), ...(opts.env ? { env: opts.env } : {}) });
}

/** Run a command and ignore failure (cleanup paths). */
export function shQuiet(cmd: string, args: readonly string[]): void {
  spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** ctrscope in-process, as the CLI would run it. */
export async function ctrscope(args: readonly string[], opts: { euid?: number | null; columns?: number } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    out: (s) => (stdout += s),
    err: (s) => (stderr += s),
    euid: opts.euid === undefined ? (process.geteuid?.() ?? null) : opts.euid,
    now: () => Date.now(),
    columns: opts.columns ?? Infinity,
  });
  return { code, stdout, stderr };
}

/** `ctrscope ps --json`, parsed. */
export async function psJson(extra: readonly string[] = []): Promise<PsJson> {
  const r = await ctrscope(['ps', '--json', ...extra]);
  if (r.code !== 0) throw new Error(`ctrscope ps --json exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as PsJson;
}

export interface PsJsonContainer {
  id: string;
  idKind: string;
  name: string | null;
  engine: string | null;
  runtime: string | null;
  image: string | null;
  pod: string | null;
  pid: number;
  pids: number[];
  processes: Array<{ pid: number; nspid: number[] | null; via: string }>;
  namespaces: Record<string, number | null>;
  hostNamespaces: string[];
  cgroup: { version: string | null; path: string | null };
  monitor: { pid: number; kind: string; id: string | null } | null;
  partialMembers: Array<{ pid: number; comm: string; shared: string[] }>;
  [k: string]: unknown;
}
export interface PsJson {
  schemaVersion: string;
  containers: PsJsonContainer[];
  pods: Array<{ key: string; kind: string; id: string; name: string | null; members: string[]; infra: string | null; sharedNamespaces: string[] }>;
  [k: string]: unknown;
}

/** A unique prefix for everything one test file creates, so cleanup can find it all. */
export function testPrefix(suite: string): string {
  return `ctrscope-it-${suite}-${process.pid}`;
}

/** Build a busybox root filesystem (static busybox + applet links) in dir. */
export function busyboxRootfs(dir: string): void {
  sh('sh', ['-c', `set -e; mkdir -p "${dir}/bin" "${dir}/proc" "${dir}/sys" "${dir}/dev" "${dir}/etc" "${dir}/tmp" "${dir}/root"
cp /bin/busybox "${dir}/bin/busybox"
for a in $("${dir}/bin/busybox" --list); do [ -e "${dir}/bin/$a" ] || ln -s busybox "${dir}/bin/$a"; done
[ -e "${dir}/dev/null" ] || mknod -m 666 "${dir}/dev/null" c 1 3
printf 'root:x:0:0:root:/root:/bin/sh\\n' > "${dir}/etc/passwd"`]);
}

/** Host pids whose parent is pid, from every process's stat (independent of the kernel's own children lists, which inspect reads). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      // exited while we looked
    }
  }
  return out.sort((a, b) => a - b);
}

/** Poll until f returns a value (not undefined), or fail after ms. */
export async function waitFor<T>(f: () => T | undefined, ms = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    let v: T | undefined;
    try {
      v = f();
    } catch {
      v = undefined;
    }
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The bundled CLI (test/global-setup.ts builds it), for tests that need a separate process. */
export const CLI_MAIN = fileURLToPath(new URL('../../dist/ctrscope.mjs', import.meta.url));

/**
 * Kill a spawned process and its children. `unshare --fork`'s child (pid 1 of a new pid
 * namespace, or a chrooted process) outlives a SIGKILLed unshare, so children go first.
 */
export function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const p of [...childrenOf(pid), pid]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
