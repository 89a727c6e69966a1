/**
 * Podman, rootful and rootless, and a podman pod. ctrscope reads host state only; each assertion
 * compares it with what podman itself reports (podman inspect, podman pod inspect) and with the
 * kernel (/proc/<pid>/ns, the container's cgroup.procs).
 *
 * Host quirks handled here: podman needs `--runtime runc` and ulimits within the hard limits of
 * this machine, and `podman pod create` has no --ulimit flag for its infra container, so a
 * containers.conf (CONTAINERS_CONF) carries both for every container podman starts.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, ctrscope, describeWith, psJson, sh, shQuiet, testPrefix, waitFor, type PsJson, type PsJsonContainer } from '../helpers/host.js';

const NS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
const nsInode = (pid: number, t: string): number => Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${t}`))?.[1]);
const RUN_FLAGS = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000'];

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

/** Every process of a uid, by pid (the rootless user's pause process, conmons, containers). */
function pidsOfUid(uid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return statSync(`/proc/${e}`).uid === uid;
      } catch {
        return false;
      }
    })
    .map(Number);
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
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]\n[engine]\nruntime = "runc"\n', { mode: 0o644 });
    env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') };
    busyboxRootfs(join(dir, 'rootfs'));
    // dev/null is a device node, which a rootless import cannot create; podman mounts /dev anyway.
    sh('sh', ['-c', `tar -C "${dir}/rootfs" --exclude=./dev/null -cf "${dir}/rootfs.tar" .`]);
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
  const user = `ctrsit-pm-${process.pid}`;
  const prefix = testPrefix('podman-rl');
  const image = `localhost/${prefix}:latest`;
  let uid = -1;
  let home = '';
  let runDir = '';
  let dir = '';
  const asUser = (...args: string[]): string =>
    sh('runuser', ['-u', user, '--', 'env', `HOME=${home}`, `XDG_RUNTIME_DIR=${runDir}`, `CONTAINERS_CONF=${dir}/containers.conf`, 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'podman', ...args], {
      env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    }).trim();
  let doc: PsJson;
  let want: PodmanInspect;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'containers.conf'), '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]\n[engine]\nruntime = "runc"\n', { mode: 0o644 });
    busyboxRootfs(join(dir, 'rootfs'));
    sh('sh', ['-c', `tar -C "${dir}/rootfs" --exclude=./dev/null -cf "${dir}/rootfs.tar" . && chmod 644 "${dir}/rootfs.tar"`]);
    sh('useradd', ['-m', '-s', '/bin/sh', user]);
    uid = Number(sh('id', ['-u', user]).trim());
    home = sh('sh', ['-c', `getent passwd "${user}" | cut -d: -f6`]).trim();
    // useradd allocates subordinate ids when login.defs asks it to; add them when it did not.
    for (const f of ['/etc/subuid', '/etc/subgid']) {
      if (!readFileSync(f, 'utf8').split('\n').some((l) => l.startsWith(`${user}:`))) writeFileSync(f, `${user}:${400000 + (process.pid % 1000) * 65536}:65536\n`, { flag: 'a' });
    }
    runDir = `/run/user/${uid}`;
    sh('install', ['-d', '-m', '700', '-o', user, '-g', user, runDir]);
    asUser('import', `${dir}/rootfs.tar`, image);
    asUser('run', '-d', '--network', 'none', ...RUN_FLAGS, '--name', `${prefix}-c`, image, 'sleep', '600');
    want = (JSON.parse(asUser('inspect', `${prefix}-c`)) as PodmanInspect[])[0] as PodmanInspect;
    doc = await psJson();
  });

  afterAll(async () => {
    if (uid >= 0) {
      shQuiet('runuser', ['-u', user, '--', 'env', `HOME=${home}`, `XDG_RUNTIME_DIR=${runDir}`, 'podman', 'rm', '-f', '-a', '-t', '0']);
      // The pause process (holder of the user namespace) and exiting conmons outlive `podman rm`;
      // end them by pid: they are all this test user's.
      for (const pid of pidsOfUid(uid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await waitFor(() => (pidsOfUid(uid).length === 0 ? true : undefined), 10_000, `processes of ${user} to exit`).catch(() => undefined);
      // Container files belong to subordinate uids, so remove them as root before userdel.
      if (home.startsWith('/home/') && existsSync(home)) rmSync(home, { recursive: true, force: true });
      shQuiet('userdel', ['-f', user]);
      for (const f of ['/etc/subuid', '/etc/subgid']) {
        const lines = readFileSync(f, 'utf8').split('\n');
        const kept = lines.filter((l) => !l.startsWith(`${user}:`));
        if (kept.length !== lines.length) writeFileSync(f, kept.join('\n'));
      }
      rmSync(runDir, { recursive: true, force: true });
    }
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
});
