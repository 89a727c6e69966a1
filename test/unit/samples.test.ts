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
