/**
 * Docker containers as ctrscope sees them, checked against `docker inspect`, `docker top` and
 * the kernel (cgroup.procs, /proc/<pid>/ns): a plain container with an exec'd process, a pair
 * sharing one network namespace, a --net host --pid host container and one under
 * --cgroup-parent. dockerd, containerd and the shims must be neither containers nor members.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cgroupProcs, dockerImportBusybox, nsInodes, removeCgroupDir, tableRows } from '../helpers/containers.js';
import { schemaErrors } from '../helpers/schema.js';
import { ctrscope, describeWith, psJson, sh, shQuiet, testPrefix, waitFor, type PsJson, type PsJsonContainer } from '../helpers/host.js';

interface Inspect {
  Id: string;
  Name: string;
  Config: { Image: string };
  State: { Pid: number };
  HostConfig: { Runtime: string };
}

const ppidOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};
const commOf = (pid: number): string => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
const pidsByComm = (comm: string): number[] =>
  readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => {
      try {
        return commOf(p) === comm;
      } catch {
        return false;
      }
    });

describeWith(['root', 'docker'], 'docker containers', () => {
  const prefix = testPrefix('docker');
  const image = `${prefix}:1`;
  const cgroupParent = `/${prefix}-cgp`;
  const names = { a: `${prefix}-a`, b: `${prefix}-b`, host: `${prefix}-host`, cgp: `${prefix}-cgp` };
  let dir = '';
  const inspect: Record<string, Inspect> = {};
  let execPid = 0;
  let doc: PsJson;
  let table = '';

  const find = (key: keyof typeof names): PsJsonContainer => {
    const c = doc.containers.find((x) => x.id === inspect[key]?.Id);
    if (!c) throw new Error(`ctrscope did not list ${names[key]} (${inspect[key]?.Id})`);
    return c;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    dockerImportBusybox(image, dir);
    sh('docker', ['run', '-d', '--name', names.a, '--label', `${prefix}=a`, image, 'sh', '-c', 'sleep 600 & sleep 600 & wait']);
    sh('docker', ['run', '-d', '--name', names.b, '--net', `container:${names.a}`, image, 'sleep', '600']);
    sh('docker', ['run', '-d', '--name', names.host, '--net', 'host', '--pid', 'host', image, 'sleep', '600']);
    sh('docker', ['run', '-d', '--name', names.cgp, '--cgroup-parent', cgroupParent, image, 'sleep', '600']);
    for (const [k, n] of Object.entries(names)) inspect[k] = (JSON.parse(sh('docker', ['inspect', n])) as Inspect[])[0] as Inspect;
    const a = inspect['a'] as Inspect;
    await waitFor(() => (cgroupProcs(a.State.Pid).length === 3 ? true : undefined), 15_000, 'both sleeps of container a');
    sh('docker', ['exec', '-d', names.a, 'sleep', '601']);
    execPid = await waitFor(() => cgroupProcs(a.State.Pid).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\x00601\x00'), 15_000, 'the exec');
    doc = await psJson();
    const r = await ctrscope(['ps']);
    if (r.code !== 0) throw new Error(r.stderr);
    table = r.stdout;
  });

  afterAll(() => {
    const ids = sh('docker', ['ps', '-aq', '--filter', `name=${prefix}`]).split('\n').filter((l) => l !== '');
    if (ids.length > 0) shQuiet('docker', ['rm', '-f', ...ids]);
    shQuiet('docker', ['rmi', image]);
    // docker removes the container's cgroup but not the --cgroup-parent it created.
    removeCgroupDir(cgroupParent);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists each container with the id, name, image, runtime and pid docker inspect reports, and a valid schema', () => {
    expect(schemaErrors(doc)).toEqual([]);
    for (const k of Object.keys(names) as Array<keyof typeof names>) {
      const i = inspect[k] as Inspect;
      const c = find(k);
      expect(c.engine).toBe('docker');
      expect(c.idKind).toBe('engine');
      expect(c.name).toBe(i.Name.replace(/^\//, ''));
      expect(c.image).toBe(i.Config.Image);
      expect(c.runtime).toBe(i.HostConfig.Runtime);
      expect(c.pid).toBe(i.State.Pid);
      expect(c.monitor?.kind).toBe('containerd-shim');
      expect(c.monitor?.pid).toBe(ppidOf(i.State.Pid));
      expect(c.monitor?.id).toBe(i.Id);
    }
  });

  it("has every pid of the container's cgroup and of docker top, and its init's namespaces", () => {
    for (const k of Object.keys(names) as Array<keyof typeof names>) {
      const i = inspect[k] as Inspect;
      const c = find(k);
      const top = sh('docker', ['top', names[k], '-eo', 'pid']).split('\n').slice(1).filter((l) => l.trim() !== '').map(Number).sort((x, y) => x - y);
      expect(c.pids, names[k]).toEqual(cgroupProcs(i.State.Pid));
      expect(c.pids, names[k]).toEqual(top);
      expect(c.namespaces).toEqual(nsInodes(i.State.Pid));
    }
  });

  it("counts a docker exec'd process by its cgroup, though it does not descend from the container's init", () => {
    const c = find('a');
    expect(c.pids).toHaveLength(4);
    expect(c.processes.find((p) => p.pid === execPid)?.via).toBe('cgroup');
    expect(ppidOf(execPid)).toBe(c.monitor?.pid);
    expect(doc.containers.filter((x) => x.pids.includes(execPid))).toHaveLength(1);
  });

  it('puts the --net container: pair in one shared-namespaces pod', () => {
    const a = find('a');
    const b = find('b');
    expect(b.namespaces['net']).toBe(a.namespaces['net']);
    expect(b.namespaces['pid']).not.toBe(a.namespaces['pid']);
    expect(a.pod).not.toBeNull();
    expect(b.pod).toBe(a.pod);
    const pod = doc.pods.find((p) => p.key === a.pod);
    expect(pod?.kind).toBe('shared-namespaces');
    expect(new Set(pod?.members)).toEqual(new Set([`docker/${a.id}`, `docker/${b.id}`]));
    expect(pod?.sharedNamespaces).toContain('net');
  });

  it('says a --net host --pid host container shares the host net and pid namespaces, in JSON and the HOSTNS column', () => {
    const h = find('host');
    expect(h.hostNamespaces).toEqual(expect.arrayContaining(['net', 'pid']));
    expect(h.hostNamespaces).not.toContain('mnt');
    expect(h.namespaces['net']).toBe(nsInodes(2)['net']);
    expect(h.pod).toBeNull();
    const row = tableRows(table).find((r) => r['ID'] === h.id.slice(0, 12));
    expect(row?.['HOSTNS']).toBe('net,pid');
    expect(find('a').hostNamespaces).not.toContain('net');
  });

  it('calls a --cgroup-parent container docker, not a containerd namespace', () => {
    const c = find('cgp');
    expect(c.cgroup.path).toBe(`${cgroupParent}/${c.id}`);
    expect(doc.containers.filter((x) => x.id === c.id)).toHaveLength(1);
  });

  it('shows one text row per container with its short id, name, engine, pid and process count', () => {
    const rows = tableRows(table);
    for (const k of Object.keys(names) as Array<keyof typeof names>) {
      const c = find(k);
      const mine = rows.filter((r) => r['ID'] === c.id.slice(0, 12));
      expect(mine, names[k]).toHaveLength(1);
      expect(mine[0]).toMatchObject({ NAME: names[k], ENGINE: 'docker', PID: String(c.pid), PROCS: String(c.pids.length), IMAGE: image });
    }
  });

  it('never counts dockerd, containerd or a shim as a container or a member', () => {
    const daemons = [...pidsByComm('dockerd'), ...pidsByComm('containerd')];
    expect(daemons.length).toBeGreaterThanOrEqual(2);
    const shims = Object.values(inspect).map((i) => ppidOf(i.State.Pid));
    expect(shims.map(commOf)).toEqual(shims.map(() => 'containerd-shim'));
    for (const pid of [...daemons, ...shims]) {
      for (const c of doc.containers) {
        expect(c.pids, `${commOf(pid)} ${pid} in ${c.id}`).not.toContain(pid);
        expect(c.partialMembers.map((p) => p.pid)).not.toContain(pid);
      }
    }
  });
});
