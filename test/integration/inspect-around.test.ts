/**
 * `inspect PID` reads only the processes around the pid where that tells its container as
 * reading every process does (collectors/around.ts). On real containers: where it does (a
 * hand-made container with a joined member, a docker container with its shim), the pid's
 * container and report are the full read's; where it cannot (a pid in no container, a nested
 * pid namespace, a process put into a docker container's cgroup by hand), every process is read,
 * and the answer is again the full read's. Processes not read still count in what the
 * container's cgroups hold besides it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedForId } from '../../collectors/around.js';
import { openHostRoot } from '../../collectors/host-root.js';
import { observeTarget } from '../../src/cli/commands/inspect.js';
import type { Container } from '../../src/model/container.js';
import { containerKey } from '../../src/model/reconstruct.js';
import type { ContainerResources } from '../../src/model/resources.js';
import { inspectFacts, observeFor } from '../helpers/around.js';
import { dockerImportBusybox } from '../helpers/containers.js';
import { busyboxRootfs, childrenOf, ctrscope, describeWith, killTree, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';

const root = openHostRoot('/');
/** inspect --no-rates, quiet. */
const ONE_READING = { rates: false, seconds: 0, sizes: false };
const DEPS = { out: () => {}, err: () => {}, euid: 0, now: () => Date.now(), columns: 200 };

/** Whether inspect read only around the pid, after checking that its facts are the full read's. */
function agrees(pid: number): boolean {
  const around = observeFor(root, pid, true);
  const full = observeFor(root, pid, false);
  expect(inspectFacts(around, pid, true), `pid ${pid}`).toEqual(inspectFacts(full, pid, true));
  return around.model.snapshot.around !== undefined;
}

/** An inspect report without what a live host changes between two readings: uptimes, CPU time, memory and network counters. */
const steadyReport = (text: string): string =>
  text
    .replace(/\(up [^)]*\)/g, '(up)')
    .replace(/ +[0-9.]+s +[0-9.]+ (KiB|MiB|B) /g, ' ')
    .replace(/^( +memory|( +anon)|( +OOM events)) .*$/gm, '$1')
    .replace(/^( +rx|( +pressure)) .*$/gm, '$1');

const isSleep = (pid: number, arg: string): boolean => readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${arg}\0`;
const descendants = (pid: number): number[] => childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);

describeWith(['root', 'unshare', 'nsenter'], 'inspect PID read around the pid: hand-made containers', () => {
  const prefix = testPrefix('around');
  let dir = '';
  const spawned: ChildProcess[] = [];
  let hm = 0;
  let joined = 0;
  let partial = 0;
  let nested = 0;
  let threaded = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    busyboxRootfs(join(dir, 'rootfs'));
    const run = (cmd: string, args: string[]): ChildProcess => {
      const p = spawn(cmd, args, { stdio: 'ignore' });
      spawned.push(p);
      return p;
    };
    const u = run('unshare', ['--fork', '--pid', '--mount', '--uts', '--net', '--ipc', '--mount-proc', `--root=${join(dir, 'rootfs')}`, '/bin/sh', '-c', 'sleep 700 & sleep 701 & wait']);
    hm = await waitFor(() => childrenOf(u.pid as number)[0], 15_000, 'the container init');
    await waitFor(() => (childrenOf(hm).length === 2 ? true : undefined), 15_000, 'both sleeps');
    const all = run('nsenter', ['-t', String(hm), '-a', '/bin/sleep', '702']);
    joined = await waitFor(() => childrenOf(all.pid as number)[0], 15_000, 'the joined member');
    const net = run('nsenter', ['-t', String(hm), '-n', 'sleep', '703']);
    partial = net.pid as number;
    await waitFor(() => (readlinkSync(`/proc/${partial}/exe`).endsWith('sleep') ? true : undefined), 15_000, 'the partial member');
    // A container whose member started a pid namespace of its own (still in the container's mount
    // namespace), where a process left that mount namespace: it is the container's, by the pid
    // namespace it shares with its parent, yet shares none of the container's own namespaces.
    const n = run('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sh', '-c', 'sleep 710 & unshare --fork --pid sh -c "unshare --mount sleep 711 & wait" & wait']);
    nested = await waitFor(() => childrenOf(n.pid as number)[0], 15_000, 'the nested container init');
    await waitFor(() => (descendants(nested).some((p) => isSleep(p, '711')) ? true : undefined), 15_000, 'the sleep in the nested pid namespace');
    // A container whose process has threads besides its leader (node's).
    const t = run('unshare', ['--fork', '--pid', '--mount', '--mount-proc', process.execPath, '-e', 'setInterval(() => {}, 1e6)']);
    threaded = await waitFor(() => childrenOf(t.pid as number)[0], 15_000, 'the threaded container');
    await waitFor(() => (readdirSync(`/proc/${threaded}/task`).length > 1 ? true : undefined), 15_000, 'its threads');
  });

  afterAll(() => {
    for (const p of spawned) killTree(p.pid);
    for (const pid of [hm, nested, threaded]) if (pid) killTree(pid);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads around a container process, and its container and report are the full read\'s', () => {
    for (const pid of [hm, ...childrenOf(hm), joined]) expect(agrees(pid), `pid ${pid} read around`).toBe(true);
  });

  it('by its derived id: reads around one of its processes, with the full read\'s answer', async () => {
    const full = observeFor(root, hm, false);
    const id = full.model.containers.find((c) => c.processes.some((m) => m.pid === hm))?.id as string;
    expect(id).toMatch(/^ns-pid-\d+$/);
    expect(seedForId(root, id), 'a process of the container').toSatisfy((pid: number) => [hm, ...descendants(hm), joined].includes(pid));
    const byId = await observeTarget(root, id, ONE_READING, DEPS);
    expect(byId.asked).toMatchObject({ kind: 'found', target: { matchedBy: 'id', container: { id } } });
    expect(byId.observation.model.snapshot.around, 'read around a pid').toBeDefined();
    expect(inspectFacts(byId.observation, hm, true)).toEqual(inspectFacts(full, hm, true));
  });

  it('reads every process for a pid in no container (a partial member), and for a thread id, with the same answer', () => {
    expect(agrees(partial)).toBe(false);
    expect(agrees(threaded)).toBe(true);
    const tid = Number(readdirSync(`/proc/${threaded}/task`).find((t) => Number(t) !== threaded));
    expect(agrees(tid)).toBe(false);
    expect(inspectFacts(observeFor(root, tid, true), tid)).toMatchObject({ kind: 'not-found' });
  });

  it('reads every process where a member is in a pid namespace of its own, with that namespace\'s processes as members', () => {
    const inner = descendants(nested).find((p) => isSleep(p, '711')) as number;
    expect(agrees(nested)).toBe(false);
    const report = inspectFacts(observeFor(root, nested, true), nested) as { container: { pids: number[] } };
    expect(report.container.pids).toContain(inner);
  });

  it('inspect PID --json prints the container with the joined member and the partial one', async () => {
    const r = await ctrscope(['inspect', String(hm), '--json', '--no-rates']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { container: { pids: number[]; partialMembers: { pid: number }[] }; processTree: { pid: number; rssBytes: number | null }[] };
    expect(doc.container.pids).toEqual(expect.arrayContaining([hm, joined]));
    expect(doc.container.partialMembers.map((m) => m.pid)).toContain(partial);
    // Resident size in bytes: stat's rss pages times the kernel's page size, however few
    // processes were read (the page size is the kernel's, not guessed from their VmRSS).
    const rssPages = Number(readFileSync(`/proc/${hm}/stat`, 'utf8').split(') ')[1]?.split(' ')[21]);
    expect(doc.processTree.find((n) => n.pid === hm)?.rssBytes).toBe(rssPages * Number(sh('getconf', ['PAGESIZE']).trim()));
  });
});

describeWith(['root', 'docker'], 'inspect PID read around the pid: a docker container', () => {
  const prefix = testPrefix('around-docker');
  const image = `${prefix}:1`;
  const name = `${prefix}-a`;
  let dir = '';
  let init = 0;
  let id = '';
  let intruder: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    dockerImportBusybox(image, dir);
    id = sh('docker', ['run', '-d', '--name', name, image, 'sh', '-c', 'sleep 720 & wait']).trim();
    init = Number(sh('docker', ['inspect', '-f', '{{.State.Pid}}', name]).trim());
    await waitFor(() => (childrenOf(init).length === 1 ? true : undefined), 15_000, 'the sleep');
  });

  afterAll(() => {
    killTree(intruder?.pid);
    shQuiet('docker', ['rm', '-f', name]);
    shQuiet('docker', ['rmi', image]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads around its processes (engine cgroup and shim checked), with the full read\'s answer', () => {
    for (const pid of [init, ...childrenOf(init)]) expect(agrees(pid), `pid ${pid} read around`).toBe(true);
  });

  it('by its full id: reads around one of its processes, and resolves as by its name, which reads every process', async () => {
    expect(seedForId(root, id), 'a process of the container').toSatisfy((pid: number) => [init, ...childrenOf(init)].includes(pid));
    const byId = await observeTarget(root, id, ONE_READING, DEPS);
    expect(byId.asked).toMatchObject({ kind: 'found', target: { matchedBy: 'id', container: { id } } });
    expect(byId.observation.model.snapshot.around, 'read around a pid').toBeDefined();
    const byName = await observeTarget(root, name, ONE_READING, DEPS);
    expect(byName.asked).toMatchObject({ kind: 'found', target: { matchedBy: 'name', container: { id } } });
    expect(byName.observation.model.snapshot.around).toBeUndefined();
    // The CLI's report by id is the one by name, but for what changes from one reading to the next.
    const [a, b] = await Promise.all([ctrscope(['inspect', id, '--no-rates']), ctrscope(['inspect', name, '--no-rates'])]);
    expect(a.code, a.stderr).toBe(0);
    expect(steadyReport(a.stdout)).toEqual(steadyReport(b.stdout));
  });

  it('by its full id, where the newest process whose cgroup names it is not the container\'s: reads every process, and finds it', async () => {
    // A cgroup whose name holds the id, and a host process in it: no engine's layout.
    const cg = `/sys/fs/cgroup/pids/${prefix}-${id}`;
    mkdirSync(cg);
    const other = spawn('sleep', ['740'], { stdio: 'ignore' });
    try {
      writeFileSync(`${cg}/cgroup.procs`, String(other.pid));
      expect(seedForId(root, id)).toBe(other.pid);
      const byId = await observeTarget(root, id, ONE_READING, DEPS);
      expect(byId.asked).toMatchObject({ kind: 'found', target: { matchedBy: 'id', container: { id } } });
      expect(byId.observation.model.snapshot.around, 'every process read').toBeUndefined();
    } finally {
      killTree(other.pid);
      await waitFor(() => (readFileSync(`${cg}/cgroup.procs`, 'utf8') === '' ? true : undefined), 10_000, 'the cgroup to empty').catch(() => undefined);
      rmdirSync(cg);
    }
  });

  it('by a full id that names no container: reads every process, and finds nothing', async () => {
    const none = 'f'.repeat(64);
    expect(seedForId(root, none)).toBeNull();
    const r = await ctrscope(['inspect', none, '--no-rates']);
    expect(r.code).toBe(3);
  });

  it('reads every process once a host process is put into its cgroup, which makes that process a member', async () => {
    intruder = spawn('sleep', ['730'], { stdio: 'ignore' });
    const pid = intruder.pid as number;
    const line = readFileSync(`/proc/${init}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:pids:/.test(l)) as string;
    writeFileSync(`/sys/fs/cgroup/pids${line.split(':')[2]}/cgroup.procs`, String(pid));
    expect(agrees(init)).toBe(false);
    const facts = inspectFacts(observeFor(root, init, true), init) as { container: { id: string; processes: { pid: number; via: string }[] } };
    expect(facts.container.id).toBe(id);
    expect(facts.container.processes).toContainEqual(expect.objectContaining({ pid, via: 'cgroup' }));
  });
});

describeWith(['root', 'unshare'], 'inspect PID read around the pid: what a hand-made container\'s cgroups hold besides it', () => {
  const prefix = testPrefix('around-cg');
  const cgroups = ['memory', 'pids'].map((c) => `/sys/fs/cgroup/${c}/${prefix}`);
  const spawned: ChildProcess[] = [];
  let dir = '';
  let init = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    busyboxRootfs(join(dir, 'rootfs'));
    for (const cg of cgroups) mkdirSync(`${cg}/sub`, { recursive: true });
    writeFileSync(`${cgroups[0]}/memory.limit_in_bytes`, String(256 << 20));
    writeFileSync(`${cgroups[1]}/pids.max`, '100');
    // The launcher joins the cgroups before it starts the container: it stays there beside it,
    // in the host's namespaces (read in full, as the init's parent).
    const procs = cgroups.map((cg) => `${cg}/cgroup.procs`).join(' ');
    const u = spawn('sh', ['-c', `for f in ${procs}; do echo $$ > $f; done; exec unshare --fork --pid --mount --uts --net --ipc --mount-proc --root=${join(dir, 'rootfs')} /bin/sh -c 'sleep 740 & wait'`], { stdio: 'ignore' });
    spawned.push(u);
    init = await waitFor(() => childrenOf(u.pid as number)[0], 15_000, 'the container init');
    // Two host processes that are none of the container's, in a cgroup below its own: not read
    // around the pid, yet what they use is under the container's limits.
    for (const arg of ['741', '742']) {
      const s = spawn('sleep', [arg], { stdio: 'ignore' });
      spawned.push(s);
      for (const cg of cgroups) writeFileSync(`${cg}/sub/cgroup.procs`, String(s.pid));
    }
  });

  afterAll(async () => {
    for (const p of spawned) killTree(p.pid);
    if (init) killTree(init);
    for (const cg of cgroups) {
      await waitFor(() => (readFileSync(`${cg}/cgroup.procs`, 'utf8') === '' && readFileSync(`${cg}/sub/cgroup.procs`, 'utf8') === '' ? true : undefined), 15_000, `${cg} empty`).catch(() => undefined);
      for (const d of [`${cg}/sub`, cg]) rmdirQuiet(d);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts the host processes under its cgroups, unread, as the full read counts them', () => {
    const around = observeFor(root, init, true);
    const full = observeFor(root, init, false);
    expect(around.model.snapshot.around, 'read around the pid').toBeDefined();
    const [a, f] = [around, full].map((o) => {
      const c = o.model.containers.find((x) => x.pid === init) as Container;
      const r = o.resources.get(containerKey(c)) as ContainerResources;
      return { sources: r.limits.sources, memory: r.usage.memoryBytes };
    });
    expect(a).toEqual(f);
    // The launcher, and the two sleeps below.
    for (const what of ['memoryBytes', 'pids'] as const) expect(a?.sources[what], what).toEqual({ kind: 'shared', cgroup: `/${prefix}`, outside: 3 });
    expect(a?.memory).toMatchObject({ unknown: expect.stringContaining('also holds 3 process(es) outside the container') });
  });
});

function rmdirQuiet(d: string): void {
  try {
    rmdirSync(d);
  } catch {
    // gone already, or still busy: the host keeps an empty cgroup, named by the test prefix
  }
}
