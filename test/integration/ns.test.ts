/**
 * `ctrscope ns` against lsns(8) on the live host, plus the namespaces lsns cannot see: one kept
 * only by an `ip netns add` bind mount and one kept only by an open fd.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { childrenOf, ctrscope, describeWith, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';
import { nsInode } from '../helpers/kernel-view.js';

interface NsEntry {
  type: string;
  inode: number;
  nprocs: number;
  pid: number | null;
  owner: string | null;
  containers: string[];
  pins: Array<Record<string, unknown>>;
}
interface LsnsEntry {
  ns: number;
  type: string;
  nprocs: number;
  pid: number;
  children?: LsnsEntry[];
}


/** lsns --json, flattened: util-linux 2.38 nests namespaces under their owners in JSON. */
function lsns(): Map<string, LsnsEntry> {
  const out = new Map<string, LsnsEntry>();
  const walk = (list: LsnsEntry[]): void => {
    for (const e of list) {
      out.set(`${e.type}:${e.ns}`, e);
      walk(e.children ?? []);
    }
  };
  walk((JSON.parse(sh('lsns', ['--json'])) as { namespaces: LsnsEntry[] }).namespaces);
  return out;
}

async function nsJson(extra: string[] = []): Promise<NsEntry[]> {
  const r = await ctrscope(['ns', '--json', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as { namespaces: NsEntry[] };
  expect(schemaErrors(doc)).toEqual([]);
  return doc.namespaces;
}

describeWith(['root', 'unshare'], 'ctrscope ns', () => {
  const prefix = testPrefix('ns');
  const netnsName = `${prefix}-x`;
  const started: ChildProcess[] = [];
  let init = 0;

  beforeAll(async () => {
    const c = spawn('unshare', ['--pid', '--mount', '--fork', 'sh', '-c', 'sleep 600 & sleep 600 & wait', prefix], { stdio: 'ignore' });
    started.push(c);
    init = await waitFor(() => {
      const k = childrenOf(c.pid as number);
      return k.length === 1 && childrenOf(k[0] as number).length === 2 ? k[0] : undefined;
    });
  });

  afterAll(() => {
    for (const c of started) c.kill('SIGKILL');
    if (init) {
      try {
        process.kill(init, 'SIGKILL');
      } catch {
        // gone with its parent
      }
    }
    shQuiet('ip', ['netns', 'delete', netnsName]);
  });

  it('reports the same namespaces, process counts and lowest pids as lsns --json', async () => {
    const before = lsns();
    const ours = new Map((await nsJson()).map((e) => [`${e.type}:${e.inode}`, e]));
    const after = lsns();
    let compared = 0;
    for (const [key, b] of before) {
      const a = after.get(key);
      // Other suites start and stop processes meanwhile: compare what held still across both lsns runs.
      if (!a || a.nprocs !== b.nprocs || a.pid !== b.pid) continue;
      const o = ours.get(key);
      expect(o, `${key} listed by lsns`).toBeDefined();
      // lsns counts itself in the host's namespaces; ctrscope ran in-process, with no such child.
      const self = o?.owner === 'host' ? 1 : 0;
      expect([key, o?.nprocs], key).toEqual([key, b.nprocs - self]);
      if (self === 0) expect([key, o?.pid]).toEqual([key, b.pid]);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(3);
    // The container this suite made: its pid namespace holds sh and two sleeps, its mount
    // namespace those and the unshare parent, both as lsns says and owned by the container.
    const pid = ours.get(`pid:${nsInode(init, 'pid')}`);
    expect(pid).toMatchObject({ nprocs: 3, pid: init, owner: `none/ns-pid-${nsInode(init, 'pid')}` });
    expect(before.get(`pid:${nsInode(init, 'pid')}`)?.nprocs).toBe(3);
    expect(ours.get(`mnt:${nsInode(init, 'mnt')}`)?.nprocs).toBe(4);
    // Only the host's own namespaces are owned by "host".
    expect(ours.get(`net:${nsInode(init, 'net')}`)?.owner).toBe('host');
  });

  it('counts a zombie in its pid namespace, as lsns does, and not as a container member', async () => {
    // The shell forks `true` and execs sleep, which never reaps: `true` stays a zombie.
    const c = spawn('unshare', ['--pid', '--mount', '--fork', '--kill-child', 'sh', '-c', 'true & exec sleep 600'], { stdio: 'ignore' });
    started.push(c);
    const { sleeper, zombie } = await waitFor(() => {
      const [k] = childrenOf(c.pid as number);
      if (k === undefined || !readlinkSync(`/proc/${k}/exe`).endsWith('sleep')) return undefined;
      const [z] = childrenOf(k);
      return z !== undefined && readFileSync(`/proc/${z}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ? { sleeper: k, zombie: z } : undefined;
    });
    const pidNs = nsInode(sleeper, 'pid');
    const ours = (await nsJson(['--type', 'pid'])).find((e) => e.inode === pidNs);
    expect(lsns().get(`pid:${pidNs}`)?.nprocs).toBe(2);
    expect(ours).toMatchObject({ nprocs: 2, pid: sleeper });
    const ps = await ctrscope(['ps', '--json', '--no-rates']);
    const doc = JSON.parse(ps.stdout) as { containers: Array<{ pid: number; processes: Array<{ pid: number }> }> };
    const container = doc.containers.find((x) => x.pid === sleeper);
    expect(container?.processes.map((p) => p.pid)).toEqual([sleeper]);
    expect(doc.containers.some((x) => x.pid === zombie || x.processes.some((p) => p.pid === zombie))).toBe(false);
  });

  it('filters by --type and refuses an unknown type', async () => {
    const only = await nsJson(['--type', 'pid']);
    expect(only.length).toBeGreaterThan(1);
    expect(new Set(only.map((e) => e.type))).toEqual(new Set(['pid']));
    const r = await ctrscope(['ns', '--type', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--type bogus');
  });

  it('lists a net namespace kept only by `ip netns add`, pinned by its bind mount', async () => {
    sh('ip', ['netns', 'add', netnsName]);
    const ino = statSync(`/run/netns/${netnsName}`).ino;
    const e = (await nsJson(['--type', 'net'])).find((x) => x.inode === ino);
    expect(e).toMatchObject({ type: 'net', nprocs: 0, pid: null, owner: null, containers: [] });
    expect(e?.pins).toContainEqual(expect.objectContaining({ kind: 'mount', path: `/run/netns/${netnsName}` }));
    expect(lsns().has(`net:${ino}`)).toBe(false);
  });

  it('lists a net namespace kept only by an open fd of a process that outlived its namespace\'s last member', async () => {
    const owner = spawn('unshare', ['--net', 'sleep', '600'], { stdio: 'ignore' });
    started.push(owner);
    const hostNet = nsInode(process.pid, 'net');
    const ino = await waitFor(() => {
      const i = nsInode(owner.pid as number, 'net');
      return i !== hostNet && readlinkSync(`/proc/${owner.pid}/exe`).endsWith('sleep') ? i : undefined;
    });
    const holder = spawn('sh', ['-c', `exec 3</proc/${owner.pid}/ns/net; exec sleep 600`], { stdio: 'ignore' });
    started.push(holder);
    await waitFor(() => (readlinkSync(`/proc/${holder.pid}/exe`).endsWith('sleep') && existsSync(`/proc/${holder.pid}/fd/3`) ? true : undefined));
    owner.kill('SIGKILL');
    await waitFor(() => (existsSync(`/proc/${owner.pid}`) ? undefined : true));
    expect(readlinkSync(`/proc/${holder.pid}/fd/3`)).toBe(`net:[${ino}]`);
    const e = (await nsJson(['--type', 'net'])).find((x) => x.inode === ino);
    expect(e).toMatchObject({ nprocs: 0, owner: null });
    expect(e?.pins).toEqual([{ kind: 'fd', pid: holder.pid, fd: 3, comm: 'sleep' }]);
    // The text view says what pins it.
    const text = await ctrscope(['ns', '--type', 'net']);
    expect(text.stdout.split('\n').find((l) => l.startsWith(String(ino)))).toContain(`fd 3 of ${holder.pid} (sleep)`);
    expect(spawnSync('kill', ['-0', String(holder.pid)]).status).toBe(0);
  });
});
