/**
 * Run as an ordinary user, ctrscope shows what it can and says once, plainly, what is hidden.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { INITIAL_NS_INODES, NS_TYPES, type NsType } from '../../src/model/namespace.js';
import { CLI_MAIN, describeWith, testPrefix } from '../helpers/host.js';
import { nsInode } from '../helpers/kernel-view.js';

const AS_NOBODY = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];
/** ctrscope run as nobody (setpriv), or as root with `asRoot`. */
function cli(args: readonly string[], asRoot = false): SpawnSyncReturns<string> {
  const [cmd, argv] = asRoot ? [process.execPath, [CLI_MAIN, ...args]] : ['setpriv', [...AS_NOBODY, process.execPath, CLI_MAIN, ...args]];
  return spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
}

describeWith(['root'], 'ps as a non-root user', () => {
  it('warns once that other users\' processes are hidden, and still lists what it can', () => {
    // nobody can read its own /proc entries but not root's namespace links or environ.
    const r = cli(['ps', '--json']);
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

describeWith(['root'], 'a host process inspected as a non-root user', () => {
  const spawned: ChildProcess[] = [];
  afterEach(() => {
    for (const c of spawned.splice(0)) c.kill('SIGKILL');
  });
  /** A sleep in the host's namespaces, as root or as nobody. */
  const sleeper = (asRoot: boolean): number => {
    const c = asRoot ? spawn('sleep', ['600'], { stdio: 'ignore' }) : spawn('setpriv', [...AS_NOBODY, 'sleep', '600'], { stdio: 'ignore' });
    spawned.push(c);
    return c.pid as number;
  };
  type HostProcess = { privateNamespaces: NsType[]; unknownNamespaces: NsType[] };
  const hostProcess = (r: ReturnType<typeof cli>): HostProcess => {
    expect(r.status, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { hostProcess: HostProcess }).hostProcess;
  };

  it("its own process: the namespaces the kernel numbers as initial are the host's, not private", () => {
    const pid = sleeper(false);
    // What root sees: a process in the host's namespaces.
    expect(hostProcess(cli(['inspect', String(pid), '--json', '--no-rates'], true))).toMatchObject({ privateNamespaces: [], unknownNamespaces: [] });
    // As nobody, pid 1's and kthreadd's links are unreadable: the host's namespaces are those of
    // our own links that read the kernel's number for an initial namespace (all 8 types since
    // Linux 6.18; net and mnt are numbered like any other namespace before it).
    const initial = NS_TYPES.filter((t) => nsInode(process.pid, t) === INITIAL_NS_INODES[t]);
    expect(initial).toEqual(expect.arrayContaining(['cgroup', 'ipc', 'pid', 'time', 'user', 'uts']));
    const seen = hostProcess(cli(['inspect', String(pid), '--json', '--no-rates']));
    expect(seen.privateNamespaces).toEqual([]);
    expect(seen.unknownNamespaces).toEqual(NS_TYPES.filter((t) => !initial.includes(t)));
    // ns says so too: each of those namespaces is the host's.
    const ns = cli(['ns', '--json']);
    expect(ns.status, ns.stderr).toBe(0);
    const entries = (JSON.parse(ns.stdout) as { namespaces: Array<{ type: NsType; inode: number; owner: string | null }> }).namespaces;
    for (const t of initial) expect(entries.find((e) => e.type === t && e.inode === INITIAL_NS_INODES[t])?.owner, t).toBe('host');
  });

  it("a recording made without root replays the host's namespaces as the live reading showed them", () => {
    const pid = sleeper(false);
    const dir = mkdtempSync(join(tmpdir(), `${testPrefix('nonroot')}-`));
    try {
      chmodSync(dir, 0o777);
      const archive = join(dir, 'host.tar.gz');
      const rec = cli(['snapshot', archive]);
      expect(rec.status, rec.stderr).toBe(0);
      const owners = (r: SpawnSyncReturns<string>): string[] => {
        expect(r.status, r.stderr).toBe(0);
        const doc = JSON.parse(r.stdout) as { namespaces: Array<{ type: NsType; inode: number; pids: number[]; owner: string | null }> };
        return doc.namespaces.filter((e) => e.pids.includes(pid)).map((e) => `${e.type} ${e.inode} ${e.owner}`);
      };
      const live = owners(cli(['ns', '--json']));
      expect(live.filter((l) => l.endsWith(' host')).length).toBeGreaterThanOrEqual(6);
      expect(owners(cli(['--root', archive, 'ns', '--json'], true))).toEqual(live);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("root's process: its namespaces cannot be read, so none is called the host's or private", () => {
    const pid = sleeper(true);
    const seen = hostProcess(cli(['inspect', String(pid), '--json', '--no-rates']));
    expect(seen.privateNamespaces).toEqual([]);
    expect(seen.unknownNamespaces).toEqual(NS_TYPES.filter((t) => nsInode(pid, t) > 0));
    const text = cli(['inspect', String(pid), '--no-rates']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/private ns +none known; not known for cgroup, ipc, mnt, net, pid, time, user, uts \(.*run as root\)/);
    expect(text.stdout).not.toMatch(/every namespace is the host's/);
    // As root, the same process is plainly the host's.
    expect(cli(['inspect', String(pid), '--no-rates'], true).stdout).toMatch(/private ns +none: every namespace is the host's/);
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
