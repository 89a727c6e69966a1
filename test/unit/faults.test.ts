/**
 * Bad input and races: a clear one-line error naming the path (exit 1) for a missing, partial or
 * damaged --root, never a stack trace; a process that exits mid-scan is counted, not fatal.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../collectors/collect.js';
import { openHostRoot } from '../../collectors/host-root.js';
import { ProcessScanner } from '../../collectors/processes.js';
import { ctrscope } from '../helpers/host.js';

const tmp = mkdtempSync(join(tmpdir(), 'ctrscope-unit-faults-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, mentions: string): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain(mentions);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('--root faults', () => {
  it('a missing directory', async () => {
    const dir = join(tmp, 'does-not-exist');
    expectOneLineError(await ctrscope(['--root', dir, 'ps']), dir);
  });

  it('a tree without proc/', async () => {
    const dir = join(tmp, 'no-proc');
    mkdirSync(join(dir, 'sys'), { recursive: true });
    expectOneLineError(await ctrscope(['--root', dir, 'ps', '--json']), join(dir, 'proc'));
  });

  it('a recorded tree with a malformed stat file names that file', async () => {
    const dir = join(tmp, 'malformed');
    cpSync('samples/hybrid-docker', dir, { recursive: true, verbatimSymlinks: true });
    const stat = join(dir, 'proc/678/stat');
    writeFileSync(stat, '678 (sleep) S 656\n');
    const r = await ctrscope(['--root', dir, 'ps']);
    expectOneLineError(r, stat);
    expect(r.stderr).toContain('malformed');
    expectOneLineError(await ctrscope(['--root', dir, 'ns']), stat);
  });

  it('an archive that is not a snapshot', async () => {
    const file = join(tmp, 'garbage.tar.gz');
    writeFileSync(file, 'not gzip at all');
    const unpacked = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith('ctrscope-root-'));
    const before = unpacked();
    expectOneLineError(await ctrscope(['--root', file, 'ps']), file);
    // The directory it was to be unpacked into is gone with the command, not left for process exit.
    expect(unpacked().filter((d) => !before.includes(d))).toEqual([]);
  });
});

describe('a process that exits mid-scan', () => {
  it('is counted as vanished and the scan goes on', () => {
    // An orphaned sleep (re-parented to init), so that init reaps it the moment it is killed and
    // its /proc directory disappears while this (synchronous) scan is still running.
    const pid = Number(spawnSync('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' }).stdout.trim());
    expect(existsSync(`/proc/${pid}/stat`)).toBe(true);
    const root = openHostRoot('/');
    let killedAt: string | null = null;
    root.onRead = (path) => {
      // Kill it right after its stat was read, before status, cmdline and ns links.
      if (killedAt === null && path === `/proc/${pid}/status`) {
        killedAt = path;
        process.kill(pid, 'SIGKILL');
        const end = Date.now() + 5000;
        while (existsSync(`/proc/${pid}`) && Date.now() < end) spawnSync('sleep', ['0.01']);
      }
    };
    const scan = new ProcessScanner(root).scan();
    expect(killedAt).toBe(`/proc/${pid}/status`);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(scan.processes.map((p) => p.pid)).not.toContain(pid);
    expect(scan.stats.vanished).toBeGreaterThanOrEqual(1);
    expect(scan.malformed).toEqual([]);
    expect(scan.processes.find((p) => p.pid === process.pid)?.comm).toBeDefined();
    // And the whole collection pass, with engine metadata and layout, still completes.
    delete root.onRead;
    expect(collectSnapshot(root, { nowMs: Date.now() }).processes.length).toBeGreaterThan(1);
  });
});

describe('bad --interval values', () => {
  it.each([
    [['ps', '--interval', 'abc']],
    [['ps', '--interval', '-1']],
    [['ps', '--interval', '']],
    [['--root', 'samples/hybrid-docker', 'inspect', 'sample-web', '--interval', '999']],
  ])('ctrscope %j: one line naming the option, exit 2', async (args) => {
    const r = await ctrscope(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ctrscope: --interval .*: expected seconds from 0 to 60/);
  });
});

describe('usage errors: one line each, worded like every other error, exit 2', () => {
  it.each([
    [['ps', '--foo'], /^ctrscope: unknown option '--foo'.* \(see ctrscope ps --help\)$/],
    [['pss'], /^ctrscope: unknown command 'pss' \(Did you mean ps\?\) \(see ctrscope --help\)$/],
    [['inspect'], /^ctrscope: missing required argument 'target' \(see ctrscope inspect --help\)$/],
    [['--root', 'samples/hybrid-docker', 'ps', '--no-rates', '--interval', '1'], /^ctrscope: --no-rates and --interval contradict each other/],
    [['--root', 'samples/hybrid-docker', 'inspect', 'sample-web', '--no-rates', '--interval', '2'], /^ctrscope: --no-rates and --interval contradict each other/],
    [['--root', 'samples/hybrid-docker', 'top', '--count', '1'], /^ctrscope: --count needs --batch/],
  ])('ctrscope %j', async (args, message) => {
    const r = await ctrscope(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
  });
});
