/**
 * Run as an ordinary user, ctrscope shows what it can and says once, plainly, what is hidden.
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { CLI_MAIN, describeWith } from '../helpers/host.js';

describeWith(['root'], 'ps as a non-root user', () => {
  it('warns once that other users\' processes are hidden, and still lists what it can', () => {
    // nobody can read its own /proc entries but not root's namespace links or environ.
    const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, CLI_MAIN, 'ps', '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('not root'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/hidden/);
    const doc = JSON.parse(r.stdout) as { scan: { processes: number; partial: number } };
    expect(doc.scan.processes).toBeGreaterThan(1);
    expect(doc.scan.partial).toBeGreaterThan(0);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });
});

describeWith(['root', 'unshare'], 'ps inside a pid namespace', () => {
  it('says that only the namespace\'s processes are visible', () => {
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, CLI_MAIN, 'ps', '--json', '--no-rates'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/inside a pid namespace: only its processes are visible/);
    const doc = JSON.parse(r.stdout) as { scan: { processes: number } };
    // unshare's child (node) is pid 1 there: a handful of processes at most, not the host's.
    expect(doc.scan.processes).toBeLessThan(5);
  });
});
