/**
 * A plain containerd container (`ctr run`, no docker, no Kubernetes) in its own containerd
 * namespace, checked against `ctr task ls`, `ctr task ps` and the kernel. It talks to the
 * containerd that dockerd supervises, so it must not be mistaken for a docker container.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cgroupProcs, ctrImportBusybox, nsInodes, removeCgroupDir, removeCtrNamespace, tableRows } from '../helpers/containers.js';
import { schemaErrors } from '../helpers/schema.js';
import { CTR_ADDRESS, ctrscope, describeWith, psJson, sh, shQuiet, testPrefix, waitFor, type PsJson, type PsJsonContainer } from '../helpers/host.js';

const NS = 'ctrscope-it-ctr';
const ctr = (...args: string[]): string => sh('ctr', ['--address', CTR_ADDRESS, '-n', NS, ...args]);
const ctrQuiet = (...args: string[]): void => shQuiet('ctr', ['--address', CTR_ADDRESS, '-n', NS, ...args]);

/** `ctr task ls`: TASK PID STATUS. */
function taskPid(id: string): number | undefined {
  const row = ctr('task', 'ls').split('\n').slice(1).map((l) => l.trim().split(/\s+/)).find((cells) => cells[0] === id);
  return row && row[2] === 'RUNNING' ? Number(row[1]) : undefined;
}

describeWith(['root', 'docker', 'ctr'], 'plain containerd (ctr) containers', () => {
  const prefix = testPrefix('ctr');
  const dockerTag = `${prefix}:1`;
  // `ctr images import` of a `docker save` archive names the image as docker would pull it.
  const imageRef = `docker.io/library/${dockerTag}`;
  const id = `${prefix}-c1`;
  let dir = '';
  let pid = 0;
  let execPid = 0;
  let doc: PsJson;
  let table = '';
  let c: PsJsonContainer | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    ctrImportBusybox(NS, dockerTag, dir);
    ctr('run', '-d', imageRef, id, 'sh', '-c', 'sleep 600 & sleep 600 & wait');
    pid = await waitFor(() => taskPid(id), 15_000, 'ctr task to run');
    await waitFor(() => (cgroupProcs(pid).length === 3 ? true : undefined), 15_000, 'both sleeps');
    // An exec'd process is a child of the shim, not of the task's init.
    ctr('task', 'exec', '-d', '--exec-id', `${prefix}-x`, id, 'sleep', '601');
    execPid = await waitFor(() => cgroupProcs(pid).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\x00601\x00'), 15_000, 'the exec');
    doc = await psJson();
    c = doc.containers.find((x) => x.pids.includes(pid));
    const r = await ctrscope(['ps']);
    if (r.code !== 0) throw new Error(r.stderr);
    table = r.stdout;
  });

  afterAll(async () => {
    ctrQuiet('task', 'kill', '-a', '-s', 'SIGKILL', id);
    await waitFor(() => (taskPid(id) === undefined ? true : undefined), 10_000, 'task to stop').catch(() => undefined);
    ctrQuiet('task', 'rm', '-f', id);
    ctrQuiet('containers', 'rm', id);
    ctrQuiet('images', 'rm', imageRef);
    await removeCtrNamespace(NS);
    shQuiet('docker', ['rmi', dockerTag]);
    // runc removes the task's cgroup; the namespace-level parent containerd's spec made stays.
    removeCgroupDir(NS);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is one containerd container with the ctr id as id and name, and the pid ctr task ls reports', () => {
    expect(schemaErrors(doc)).toEqual([]);
    expect(c).toBeDefined();
    expect(c?.engine).toBe('containerd');
    expect(c?.idKind).toBe('engine');
    expect(c?.id).toBe(id);
    expect(c?.name).toBe(id);
    expect(c?.pid).toBe(pid);
    expect(c?.pid).toBe(taskPid(id));
    expect(doc.containers.filter((x) => x.id === id)).toHaveLength(1);
  });

  it("has the task's cgroup /<namespace>/<id>, all its pids by cgroup (the exec too), and its namespaces", () => {
    expect(c?.cgroup.path).toBe(`/${NS}/${id}`);
    const procs = cgroupProcs(pid);
    expect(c?.pids).toEqual(procs);
    const taskPs = ctr('task', 'ps', id).split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).filter((n) => n > 0);
    expect(c?.pids).toEqual([...taskPs].sort((a, b) => a - b));
    expect(c?.pids).toContain(execPid);
    expect(c?.processes.every((p) => p.via === 'cgroup')).toBe(true);
    expect(c?.namespaces).toEqual(nsInodes(pid));
    expect(c?.hostNamespaces).not.toContain('net');
  });

  it("names the shim, the runtime and the image containerd's files give, from the bundle the shim runs in", () => {
    const shim = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
    expect(c?.monitor).toEqual({ pid: shim, kind: 'containerd-shim', id });
    const info = JSON.parse(ctr('containers', 'info', id)) as { Image: string; Runtime: { Name: string } };
    expect(info.Runtime.Name).toBe('io.containerd.runc.v2');
    expect(c?.runtime).toBe('runc');
    expect(c?.image).toBe(info.Image);
    expect(c?.metadataSources).toEqual([
      `/run/docker/containerd/daemon/io.containerd.runtime.v2.task/${NS}/${id}/config.json`,
      `/run/docker/containerd/daemon/io.containerd.runtime.v2.task/${NS}/${id}/options.json`,
      '/var/lib/docker/containerd/daemon/io.containerd.metadata.v1.bolt/meta.db',
    ]);
  });

  it('is not confused with docker: docker does not know it, and ctrscope calls no docker container by its pids', () => {
    expect(sh('docker', ['ps', '-q', '--no-trunc']).split('\n')).not.toContain(id);
    for (const x of doc.containers.filter((y) => y.engine === 'docker')) expect(x.pids).not.toContain(pid);
    const row = tableRows(table).find((r) => r['ID'] === id);
    expect(row).toMatchObject({ NAME: id, ENGINE: 'containerd', PID: String(pid), PROCS: '4' });
  });
});
