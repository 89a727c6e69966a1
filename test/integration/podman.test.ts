/**
 * Podman, rootful and rootless, and a podman pod. ctrscope reads host state only; each assertion
 * compares it with what podman itself reports (podman inspect, podman pod inspect) and with the
 * kernel (/proc/<pid>/ns, the container's cgroup.procs).
 * Host quirks (runtime, ulimits) are handled by test/helpers/podman.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PODMAN_RUN_FLAGS, podmanFiles, rootlessUser, type RootlessUser } from '../helpers/podman.js';
import { schemaErrors } from '../helpers/schema.js';
import { CLI_MAIN, ctrscope, describeWith, psJson, sh, shQuiet, testPrefix, waitFor, type PsJson, type PsJsonContainer } from '../helpers/host.js';

const NS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
const nsInode = (pid: number, t: string): number => Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${t}`))?.[1]);
const RUN_FLAGS = PODMAN_RUN_FLAGS;

interface PodmanInspect {
  Id: string;
  Name: string;
  ImageName: string;
  GraphDriver: { Data: { UpperDir: string } };
  OCIRuntime: string;
  Pod: string;
  IsInfra: boolean;
  State: { Pid: number; ConmonPid: number; CgroupPath: string };
}

function expectSameNamespaces(c: PsJsonContainer | undefined, pid: number): void {
  for (const t of NS) expect(c?.namespaces[t], `${t} namespace of ${pid}`).toBe(nsInode(pid, t));
}

describeWith(['root', 'podman', 'runc'], 'podman', () => {
  const prefix = testPrefix('podman');
  const image = `localhost/${prefix}:latest`;
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  const podman = (...args: string[]): string => sh('podman', args, { env }).trim();
  const inspect = (name: string): PodmanInspect => (JSON.parse(podman('inspect', name)) as PodmanInspect[])[0] as PodmanInspect;
  let doc: PsJson;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    env = { ...process.env, CONTAINERS_CONF: podmanFiles(dir) };
    podman('import', join(dir, 'rootfs.tar'), image);
    podman('run', '-d', ...RUN_FLAGS, '--name', `${prefix}-solo`, image, 'sh', '-c', 'sleep 600 & sleep 600 & wait');
    podman('pod', 'create', '--name', `${prefix}-pod`);
    for (const n of ['a', 'b']) podman('run', '-d', ...RUN_FLAGS, '--pod', `${prefix}-pod`, '--name', `${prefix}-${n}`, image, 'sleep', '600');
    // The solo container's shell has forked both sleeps once its cgroup holds three processes.
    await waitFor(() => (cgroupProcs(inspect(`${prefix}-solo`).State.CgroupPath).length === 3 ? true : undefined));
    doc = await psJson();
  });

  afterAll(() => {
    shQuiet('podman', ['pod', 'rm', '-f', '-t', '0', `${prefix}-pod`]);
    shQuiet('podman', ['rm', '-f', '-t', '0', `${prefix}-solo`, `${prefix}-a`, `${prefix}-b`]);
    shQuiet('podman', ['rmi', '-f', image]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cgroupProcs = (path: string): number[] =>
    readFileSync(`/sys/fs/cgroup/pids${path}/cgroup.procs`, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number)
      .sort((a, b) => a - b);

  it('reports a rootful container as podman inspect does, with a valid schema', () => {
    expect(schemaErrors(doc)).toEqual([]);
    const want = inspect(`${prefix}-solo`);
    const c = doc.containers.find((x) => x.id === want.Id);
    expect(c, `container ${want.Id}`).toBeDefined();
    expect(c?.engine).toBe('podman');
    expect(c?.idKind).toBe('engine');
    expect(c?.name).toBe(want.Name);
    expect(c?.image).toBe(want.ImageName);
    expect(c?.runtime).toBe(want.OCIRuntime);
    expect(c?.pid).toBe(want.State.Pid);
    expect([...(c?.pids ?? [])].sort((a, b) => a - b)).toEqual(cgroupProcs(want.State.CgroupPath));
    expect(c?.cgroup.path).toBe(want.State.CgroupPath);
    expectSameNamespaces(c, want.State.Pid);
    expect(c?.monitor).toEqual({ pid: want.State.ConmonPid, kind: 'conmon', id: want.Id });
    expect(c?.kubernetes).toBeNull();
    expect(c?.pod).toBeNull();
  });

  it('groups a podman pod: both containers and the infra, pod id and name as podman pod inspect says', () => {
    const want = JSON.parse(podman('pod', 'inspect', `${prefix}-pod`)) as { Id: string; Name: string; InfraContainerID: string; Containers: Array<{ Id: string }> };
    expect(want.Containers).toHaveLength(3);
    const pod = doc.pods.find((p) => p.id === want.Id);
    expect(pod, `pod ${want.Id}`).toBeDefined();
    expect(pod?.kind).toBe('podman');
    expect(pod?.name).toBe(want.Name);
    expect(new Set(pod?.members)).toEqual(new Set(want.Containers.map((c) => `podman/${c.Id}`)));
    expect(pod?.infra).toBe(`podman/${want.InfraContainerID}`);
    expect(pod?.sharedNamespaces).toEqual(expect.arrayContaining(['net', 'ipc', 'uts']));
    for (const m of want.Containers) {
      const i = inspect(m.Id);
      expect(i.Pod).toBe(want.Id);
      expect(i.IsInfra).toBe(m.Id === want.InfraContainerID);
      const c = doc.containers.find((x) => x.id === m.Id);
      expect(c?.pod).toBe(pod?.key);
      expect(c?.pid).toBe(i.State.Pid);
      expect(c?.name).toBe(i.Name);
      expect(c?.kubernetes, 'podman writes CRI-O annotation keys; they are not Kubernetes').toBeNull();
      expect(c?.monitor?.pid).toBe(i.State.ConmonPid);
    }
  });
  it('inspect: identity, pod members and infra, upper layer and capabilities against podman inspect', async () => {
    const want = inspect(`${prefix}-a`);
    const pod = JSON.parse(podman('pod', 'inspect', `${prefix}-pod`)) as { Id: string; Name: string; InfraContainerID: string };
    const r = await ctrscope(['inspect', `${prefix}-a`, '--json', '--no-rates']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      container: { id: string; engine: string; name: string; pid: number };
      pod: { id: string; name: string; infra: string; memberNames: string[] };
      rootfs: { overlay: { upperdir: { dir: string } } | null } | null;
      security: { capabilities: { engineDefault: string[]; added: string[]; dropped: string[] } };
    };
    expect(schemaErrors(doc)).toEqual([]);
    expect(doc.container).toMatchObject({ id: want.Id, engine: 'podman', name: want.Name, pid: want.State.Pid });
    expect(doc.pod).toMatchObject({ id: pod.Id, name: pod.Name, infra: `podman/${pod.InfraContainerID}` });
    expect(new Set(doc.pod.memberNames)).toEqual(new Set([`${prefix}-a`, `${prefix}-b`, inspect(pod.InfraContainerID).Name]));
    expect(doc.rootfs?.overlay?.upperdir.dir).toBe(want.GraphDriver.Data.UpperDir);
    // Compared with the host's podman default (default_capabilities in containers.conf). This
    // suite starts podman with its own CONTAINERS_CONF, so podman fell back to its compiled-in
    // set: whatever that adds must show as added, exactly.
    const conf = readFileSync('/usr/share/containers/containers.conf', 'utf8');
    const hostDefault = [...(/^default_capabilities\s*=\s*\[([^\]]*)\]/m.exec(conf)?.[1] ?? '').matchAll(/"(\w+)"/g)].map((m) => (m[1] as string).toLowerCase());
    expect(new Set(doc.security.capabilities.engineDefault)).toEqual(new Set(hostDefault));
    const eff = (doc.security as unknown as { capabilities: { effective: string[] } }).capabilities.effective;
    expect(new Set(doc.security.capabilities.added)).toEqual(new Set(eff.filter((c) => !hostDefault.includes(c))));
    expect(doc.security.capabilities.dropped).toEqual(hostDefault.filter((c) => !eff.includes(c)));
    const text = (await ctrscope(['inspect', `${prefix}-a`, '--no-rates'])).stdout;
    expect(text).toContain(`pod            ${pod.Name} [podman]`);
    expect(text).toContain(' (infra)');
  });
});

describeWith(['root', 'podman', 'runc'], 'rootless podman', () => {
  // useradd limits names to 32 characters, too short for the usual prefix plus pid.
  const prefix = testPrefix('podman-rl');
  const image = `localhost/${prefix}:latest`;
  let dir = '';
  let user: RootlessUser | undefined;
  let home = '';
  let doc: PsJson;
  let want: PodmanInspect;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const conf = podmanFiles(dir);
    user = rootlessUser(`ctrsit-pm-${process.pid}`, conf);
    home = user.home;
    user.podman('import', `${dir}/rootfs.tar`, image);
    user.podman('run', '-d', '--network', 'none', ...RUN_FLAGS, '--name', `${prefix}-c`, image, 'sleep', '600');
    want = (JSON.parse(user.podman('inspect', `${prefix}-c`)) as PodmanInspect[])[0] as PodmanInspect;
    doc = await psJson();
  });

  afterAll(async () => {
    await user?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds an ordinary user\'s container from root: id, name, pid, private user namespace, conmon', () => {
    const c = doc.containers.find((x) => x.id === want.Id);
    expect(c, `container ${want.Id}`).toBeDefined();
    expect(c?.engine).toBe('podman');
    expect(c?.name).toBe(want.Name);
    expect(c?.pid).toBe(want.State.Pid);
    expect(c?.pids).toContain(want.State.Pid);
    expectSameNamespaces(c, want.State.Pid);
    expect(c?.hostNamespaces).not.toContain('user');
    expect(c?.namespaces['user']).not.toBe(nsInode(2, 'user'));
    expect(c?.monitor).toEqual({ pid: want.State.ConmonPid, kind: 'conmon', id: want.Id });
    expect(c?.runtime).toBe(want.OCIRuntime);
  });

  it("reads its metadata from the user's own storage, found through conmon's -b bundle", () => {
    const c = doc.containers.find((x) => x.id === want.Id);
    const storage = `${home}/.local/share/containers/storage`;
    expect(c?.image).toBe(want.ImageName);
    const sources = (c?.metadataSources ?? []) as string[];
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) expect(s.startsWith(`${storage}/`), s).toBe(true);
    expect(sources).toContain(`${storage}/libpod/bolt_state.db`);
    // What conmon was told, read back from the kernel.
    const argv = readFileSync(`/proc/${want.State.ConmonPid}/cmdline`, 'utf8').split('\0');
    expect(argv[argv.indexOf('-b') + 1]?.startsWith(`${storage}/`)).toBe(true);
  });

  it('its own user, without root, sees it as root does', () => {
    // Root's pid 1 and kthreadd are not the user's to read: the host's namespaces come from the
    // kernel's numbers for its initial ones (collect.ts readHostNs).
    const r = spawnSync('runuser', ['-u', user?.user as string, '--', 'env', `HOME=${home}`, process.execPath, CLI_MAIN, 'ps', '--json', '--no-rates'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/not root/);
    // Of the containers it can see, those whose first process is the user's: its container
    // alone (not podman's pause process, which holds the user namespace).
    const own = (JSON.parse(r.stdout) as PsJson).containers.filter((c) => c.pid !== null && statSync(`/proc/${c.pid}`).uid === user?.uid);
    expect(own.map((c) => c.id)).toEqual([want.Id]);
    const c = own[0];
    expect(c?.engine).toBe('podman');
    expect(c?.name).toBe(want.Name);
    expect(c?.pid).toBe(want.State.Pid);
    expectSameNamespaces(c, want.State.Pid);
    const asRoot = doc.containers.find((x) => x.id === want.Id);
    expect(c?.hostNamespaces).toEqual(asRoot?.hostNamespaces);
  });
});
