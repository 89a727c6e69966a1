/**
 * Recorded samples of this project's own test machine (samples/<name>/README.md says how each
 * was made and what is true in it). `ps --root` and `ns --root` must rebuild exactly that, and
 * their JSON must validate against the schema.
 */
import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { ctrscope, type PsJson, type PsJsonContainer } from '../helpers/host.js';

async function json<T>(args: string[]): Promise<T> {
  const r = await ctrscope(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as T;
  expect(schemaErrors(doc)).toEqual([]);
  return doc;
}

interface NsJson {
  namespaces: Array<{ type: string; inode: number; nprocs: number; pids: number[]; owner: string | null; containers: string[]; pins: Array<Record<string, unknown>> }>;
}

const byName = (doc: PsJson, name: string): PsJsonContainer => {
  const c = doc.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container named ${name}`);
  return c;
};

describe('samples/hybrid-docker', () => {
  const root = 'samples/hybrid-docker';
  const WEB = '294e2348362339b72f3d60e44a746ed67227b2bb72f24c6332622b6c7786840a';
  const SIDECAR = '837d20bbdde473316884ef3ad73b65a72baf7d72d519213f3659e7e02845a50f';
  const HOSTNET = 'ce4aeb0dea4d545d49a726ca85505964484537da3afa605728e52bf64782895e';

  it('has the three docker containers with their ids, pids, in-container pids and image', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const web = byName(doc, 'sample-web');
    expect(web.id).toBe(WEB);
    expect(web.engine).toBe('docker');
    expect(web.image).toBe('ctrscope-sample-busybox:1');
    expect(web.pid).toBe(10644);
    expect(web.processes.map((p) => [p.pid, p.nspid])).toEqual([
      [10644, [10644, 1]],
      [10719, [10719, 8]],
      [11604, [11604, 9]],
    ]);
    expect(web.cgroup).toEqual({ version: 'hybrid', path: `/docker/${WEB}` });
    expect(byName(doc, 'sample-sidecar')).toMatchObject({ id: SIDECAR, pid: 10764, pids: [10764] });
    expect(byName(doc, 'sample-hostnet')).toMatchObject({ id: HOSTNET, pid: 10835, pids: [10835] });
  });

  it('pairs the --net container: containers in one pod and shows --net host as a host namespace', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const web = byName(doc, 'sample-web');
    const sidecar = byName(doc, 'sample-sidecar');
    expect(web.namespaces['net']).toBe(4026533276);
    expect(sidecar.namespaces['net']).toBe(4026533276);
    expect(sidecar.namespaces['pid']).toBe(4026533348);
    expect(web.namespaces['pid']).toBe(4026533275);
    expect(web.pod).not.toBeNull();
    expect(sidecar.pod).toBe(web.pod);
    const pod = doc.pods.find((p) => p.key === web.pod);
    expect(pod?.members.sort()).toEqual([`docker/${WEB}`, `docker/${SIDECAR}`].sort());
    expect(pod?.sharedNamespaces).toEqual(['net']);
    expect(web.hostNamespaces).toEqual(['cgroup', 'time', 'user']);
    const hostnet = byName(doc, 'sample-hostnet');
    expect(hostnet.namespaces['net']).toBe(4026531833);
    expect(hostnet.hostNamespaces).toEqual(['cgroup', 'net', 'time', 'user']);
    expect(hostnet.pod).toBeNull();
  });

  it('ns: the pair\'s net namespace is owned by sample-web, shared by sample-sidecar and pinned by docker\'s bind mount', async () => {
    const doc = await json<NsJson>(['--root', root, 'ns', '--json', '--type', 'net']);
    expect(new Set(doc.namespaces.map((n) => n.type))).toEqual(new Set(['net']));
    const pair = doc.namespaces.find((n) => n.inode === 4026533276);
    expect(pair?.owner).toBe(`docker/${WEB}`);
    expect(pair?.containers.sort()).toEqual([`docker/${WEB}`, `docker/${SIDECAR}`].sort());
    expect(pair?.pids).toEqual([10644, 10719, 10764, 11604]);
    expect(pair?.pins).toContainEqual(expect.objectContaining({ kind: 'mount', path: '/run/docker/netns/10b57ad29ad2' }));
    const host = doc.namespaces.find((n) => n.inode === 4026531833);
    expect(host?.owner).toBe('host');
    expect(host?.containers).toContain(`docker/${HOSTNET}`);
    expect(host?.pins).toContainEqual({ kind: 'fd', pid: 4710, fd: 15, comm: 'dockerd' });
    // Left behind by removed containers: no process, only the bind mount.
    for (const inode of [4026532927, 4026533000, 4026533073]) {
      const n = doc.namespaces.find((x) => x.inode === inode);
      expect(n?.nprocs).toBe(0);
      expect(n?.owner).toBeNull();
      expect(n?.pins).toEqual([expect.objectContaining({ kind: 'mount', path: expect.stringMatching(/^\/run\/docker\/netns\//) })]);
    }
  });
});

describe('samples/hybrid-handmade', () => {
  const root = 'samples/hybrid-handmade';
  const byId = (doc: PsJson, id: string): PsJsonContainer => {
    const c = doc.containers.find((x) => x.id === id);
    if (!c) throw new Error(`no container ${id}`);
    return c;
  };

  it('finds hm1 with its init, children, the nsenter --all joiner and the partial members', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const hm1 = byId(doc, 'ns-pid-4026532925');
    expect(hm1).toMatchObject({ engine: null, idKind: 'derived', name: null, pid: 14541 });
    expect(hm1.processes.map((p) => [p.pid, p.nspid, p.via])).toEqual([
      [14541, [14541, 1], 'private-namespaces'],
      [14542, [14542, 2], 'descendant'],
      [14543, [14543, 3], 'descendant'],
      [14589, [14589, 4], 'namespaces'],
    ]);
    expect(hm1.namespaces).toMatchObject({ pid: 4026532925, mnt: 4026532922, uts: 4026532923, ipc: 4026532924, net: 4026532926 });
    expect(hm1.hostNamespaces).toEqual(['cgroup', 'time', 'user']);
    expect(hm1.partialMembers).toEqual([
      { pid: 14539, comm: 'unshare', shared: ['ipc', 'mnt', 'net', 'uts'] },
      { pid: 14588, comm: 'nsenter', shared: ['ipc', 'mnt', 'net', 'uts'] },
      { pid: 14590, comm: 'sleep', shared: ['net'] },
    ]);
  });

  it('finds hm2 (private pid+mnt only) and hm3 (chroot in a private mount namespace)', async () => {
    const doc = await json<PsJson>(['--root', root, 'ps', '--json']);
    const hm2 = byId(doc, 'ns-pid-4026532248');
    expect(hm2.pids).toEqual([12853, 12854]);
    expect(hm2.hostNamespaces).toEqual(['cgroup', 'ipc', 'net', 'time', 'user', 'uts']);
    expect(hm2.partialMembers).toEqual([{ pid: 12850, comm: 'unshare', shared: ['mnt'] }]);
    const hm3 = byId(doc, 'ns-mnt-4026532323');
    expect(hm3.pids).toEqual([12851]);
    expect(hm3.hostNamespaces).toContain('pid');
    // Neither the unshare parents nor the nsenter processes are containers of their own.
    for (const pid of [14539, 14588, 14590, 12850]) expect(doc.containers.filter((c) => c.pids.includes(pid))).toEqual([]);
  });

  it('ns: lists the namespaces no process is in, with the bind mount or the fd that pins them', async () => {
    const doc = await json<NsJson>(['--root', root, 'ns', '--json']);
    const netns = doc.namespaces.find((n) => n.inode === 4026532179);
    expect(netns).toMatchObject({ type: 'net', nprocs: 0, owner: null, containers: [] });
    expect(netns?.pins).toEqual([{ kind: 'mount', path: '/run/netns/ctrscope-sample-ns', mntNs: 4026531832, pid: expect.any(Number) }]);
    const held = doc.namespaces.find((n) => n.inode === 4026532250);
    expect(held).toMatchObject({ type: 'net', nprocs: 0, owner: null });
    expect(held?.pins).toEqual([{ kind: 'fd', pid: 12869, fd: 3, comm: 'sleep' }]);
    const pidns = doc.namespaces.find((n) => n.inode === 4026532925);
    expect(pidns).toMatchObject({ type: 'pid', owner: 'none/ns-pid-4026532925', pids: [14541, 14542, 14543, 14589] });
    // unshare and nsenter made the pid namespace for their children without entering it.
    expect(pidns?.pins).toEqual([
      { kind: 'for-children', pid: 14539, comm: 'unshare' },
      { kind: 'for-children', pid: 14588, comm: 'nsenter' },
    ]);
    const net = doc.namespaces.find((n) => n.inode === 4026532926);
    expect(net?.pids).toEqual([14539, 14541, 14542, 14543, 14588, 14589, 14590]);
    expect(net?.containers).toEqual(['none/ns-pid-4026532925']);
  });
});
