/**
 * `ctrscope snapshot` against every engine that keeps a database: docker (whose containerd keeps
 * `meta.db`), `ctr` in its own containerd namespace, podman rootful, a podman pod and rootless
 * podman (each store with its `bolt_state.db`). A unique secret is planted in each container's
 * environment and as a `--password=` argument; no byte of the archive may hold one, compressed
 * or not, while an unscrubbed recording of the same instant replays to the very same `ps` and
 * `inspect` output. The archive is replayed directly (`--root FILE.tar.gz`), absolute links
 * (a containerd shim's cwd, a bundle's `work` link) included.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openHostRoot } from '../../collectors/host-root.js';
import { recordHost, scrubEntries } from '../../collectors/snapshot/record.js';
import { packTree, writeTree } from '../../src/cli/snapshot-archive.js';
import { dockerImportBusybox, removeCgroupDir } from '../helpers/containers.js';
import { CTR_ADDRESS, ctrscope, describeWith, psJson, sh, shQuiet, testPrefix, waitFor, type PsJson } from '../helpers/host.js';
import { PODMAN_RUN_FLAGS, podmanFiles, rootlessUser, type RootlessUser } from '../helpers/podman.js';
import { schemaErrors } from '../helpers/schema.js';

/** Every name, file byte and link target under dir, as one latin1 string to search. */
function everything(dir: string): string {
  let out = '';
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = lstatSync(p);
    out += `${e}\n`;
    if (st.isSymbolicLink()) out += readlinkSync(p) + '\n';
    else if (st.isDirectory()) out += everything(p);
    else out += readFileSync(p, 'latin1') + '\n';
  }
  return out;
}

/** Every symbolic link under dir with its target, by path relative to dir. */
function linksUnder(dir: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(join(dir, rel))) {
    const r = rel === '' ? e : `${rel}/${e}`;
    const st = lstatSync(join(dir, r));
    if (st.isSymbolicLink()) out.set(r, readlinkSync(join(dir, r)));
    else if (st.isDirectory()) for (const [k, v] of linksUnder(dir, r)) out.set(k, v);
  }
  return out;
}

/** A --json document without what names the replay itself (the unpacked directory, the hour). */
function replayed(stdout: string): unknown {
  const doc = JSON.parse(stdout) as { host?: Record<string, unknown> };
  if (doc.host) {
    delete doc.host['root'];
    delete doc.host['takenAt'];
  }
  return doc;
}

describeWith(['root', 'docker', 'ctr', 'podman', 'runc'], 'ctrscope snapshot of engines with databases', () => {
  const prefix = testPrefix('snapdb');
  const dockerTag = `${prefix}-img:1`;
  const ctrNs = prefix;
  const ctrImage = `docker.io/library/${dockerTag}`;
  const podmanImage = `localhost/${prefix}:latest`;
  const planted = (where: string) => ({ env: `ctrscope-planted-${process.pid}-${where}-env`, arg: `ctrscope-planted-${process.pid}-${where}-arg` });
  const secrets = { docker: planted('docker'), ctr: planted('ctr'), podman: planted('podman'), pod: planted('pod'), rootless: planted('rootless') };
  const all = Object.values(secrets).flatMap((s) => [s.env, s.arg]);
  // Each container's command keeps the argument in its own command line: `sh -c CMD sh --password=X`.
  const command = (s: { arg: string }) => ['sh', '-c', 'sleep 600; :', 'sh', `--password=${s.arg}`];
  const names = { docker: `${prefix}-docker`, ctr: `${prefix}-ctr`, podman: `${prefix}-pm`, pod: `${prefix}-pod`, member: `${prefix}-pm-a`, rootless: `${prefix}-rl` };
  let dir = '';
  let podmanEnv: NodeJS.ProcessEnv = {};
  let user: RootlessUser | undefined;
  const ctr = (...args: string[]): string => sh('ctr', ['--address', CTR_ADDRESS, '-n', ctrNs, ...args]);
  const podman = (...args: string[]): string => sh('podman', args, { env: podmanEnv }).trim();
  let live: PsJson;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    dockerImportBusybox(dockerTag, dir);
    sh('docker', ['run', '-d', '--name', names.docker, '-e', `CTRSCOPE_IT_PASSWORD=${secrets.docker.env}`, dockerTag, ...command(secrets.docker)]);
    sh('docker', ['save', '-o', join(dir, 'image.tar'), dockerTag]);
    ctr('images', 'import', join(dir, 'image.tar'));
    ctr('run', '-d', '--env', `CTRSCOPE_IT_PASSWORD=${secrets.ctr.env}`, ctrImage, names.ctr, ...command(secrets.ctr));
    const conf = podmanFiles(dir);
    podmanEnv = { ...process.env, CONTAINERS_CONF: conf };
    podman('import', join(dir, 'rootfs.tar'), podmanImage);
    podman('run', '-d', ...PODMAN_RUN_FLAGS, '--name', names.podman, '-e', `CTRSCOPE_IT_PASSWORD=${secrets.podman.env}`, podmanImage, ...command(secrets.podman));
    podman('pod', 'create', '--name', names.pod);
    podman('run', '-d', ...PODMAN_RUN_FLAGS, '--pod', names.pod, '--name', names.member, '-e', `CTRSCOPE_IT_PASSWORD=${secrets.pod.env}`, podmanImage, ...command(secrets.pod));
    // useradd limits names to 32 characters.
    user = rootlessUser(`ctrsit-sdb-${process.pid}`, conf);
    user.podman('import', join(dir, 'rootfs.tar'), podmanImage);
    user.podman('run', '-d', '--network', 'none', ...PODMAN_RUN_FLAGS, '--name', names.rootless, '-e', `CTRSCOPE_IT_PASSWORD=${secrets.rootless.env}`, podmanImage, ...command(secrets.rootless));
    // Every container runs its sleep under its shell, so every command line is what was planted.
    const everyOne = [names.docker, names.ctr, names.podman, names.member, names.rootless];
    for (const end = Date.now() + 30_000; ; ) {
      live = await psJson();
      if (everyOne.every((n) => live.containers.some((c) => c.name === n && c.pids.length === 2))) break;
      if (Date.now() > end) throw new Error('timed out waiting for every planted container with its sleep');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    shQuiet('docker', ['rm', '-f', names.docker]);
    shQuiet('docker', ['rmi', dockerTag]);
    shQuiet('ctr', ['--address', CTR_ADDRESS, '-n', ctrNs, 'task', 'kill', '-s', 'SIGKILL', names.ctr]);
    await waitFor(() => (sh('ctr', ['--address', CTR_ADDRESS, '-n', ctrNs, 'task', 'ls', '-q']).trim() === '' ? true : undefined), 10_000, 'ctr task to stop').catch(() => undefined);
    for (const args of [['task', 'rm', '-f', names.ctr], ['containers', 'rm', names.ctr], ['images', 'rm', ctrImage]]) shQuiet('ctr', ['--address', CTR_ADDRESS, '-n', ctrNs, ...args]);
    // containerd removes content and snapshots by garbage collection; the namespace goes after them.
    await waitFor(
      () => {
        shQuiet('ctr', ['--address', CTR_ADDRESS, 'namespaces', 'rm', ctrNs]);
        return sh('ctr', ['--address', CTR_ADDRESS, 'namespaces', 'ls', '-q']).split('\n').includes(ctrNs) ? undefined : true;
      },
      10_000,
      'containerd namespace removal',
    ).catch(() => undefined);
    removeCgroupDir(ctrNs);
    shQuiet('podman', ['pod', 'rm', '-f', '-t', '0', names.pod]);
    shQuiet('podman', ['rm', '-f', '-t', '0', names.podman, names.member]);
    shQuiet('podman', ['rmi', '-f', podmanImage]);
    await user?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `ctrscope snapshot FILE`, run as the CLI runs it, and the archive unpacked by tar(1). */
  async function snapshot(name: string, extra: string[] = []): Promise<{ file: string; tree: string; stderr: string }> {
    const file = join(dir, `${name}.tar.gz`);
    const r = await ctrscope(['snapshot', file, ...extra]);
    expect(r.code, r.stderr).toBe(0);
    const tree = join(dir, name);
    mkdirSync(tree);
    sh('tar', ['xzf', file, '-C', tree]);
    return { file, tree, stderr: r.stderr };
  }

  it('keeps no planted secret in any byte of the archive, compressed or unpacked, and --keep-env keeps them all', async () => {
    const { file, tree } = await snapshot('scrubbed');
    const gz = readFileSync(file);
    const unpacked = everything(tree);
    for (const s of all) {
      expect(gz.toString('latin1'), `${s} in the .tar.gz`).not.toContain(s);
      expect(gunzipSync(gz).toString('latin1'), `${s} in the tar stream`).not.toContain(s);
      expect(unpacked, `${s} in the unpacked tree`).not.toContain(s);
    }
    // The databases are in the archive (as what ctrscope reads from them), not left out.
    const dbs = [
      '/var/lib/docker/containerd/daemon/io.containerd.metadata.v1.bolt/meta.db',
      '/var/lib/containers/storage/libpod/bolt_state.db',
      `${user?.home}/.local/share/containers/storage/libpod/bolt_state.db`,
    ];
    for (const db of dbs) expect(lstatSync(join(tree, db)).size, db).toBeGreaterThan(0);
    const meta = JSON.parse(readFileSync(join(tree, 'meta.json'), 'utf8')) as { scrubbed: boolean; unreadable: Array<{ path: string }> };
    expect(meta.scrubbed).toBe(true);
    expect(meta.unreadable.map((u) => u.path)).not.toEqual(expect.arrayContaining([expect.stringMatching(/\.db$/)]));
    // The same search finds every secret where an unscrubbed snapshot keeps them.
    const kept = everything((await snapshot('kept', ['--keep-env'])).tree);
    for (const s of all) expect(kept, s).toContain(s);
  });

  it('replays the scrubbed archive to the same ps and inspect output as the unscrubbed recording of the same instant', async () => {
    const rec = await recordHost(openHostRoot('/'), { keepEnv: true, nowMs: Date.now(), version: 'test' });
    const scrubbed = scrubEntries(rec.entries);
    expect(scrubbed.leftOut).toEqual([]);
    const archives = { raw: join(dir, 'same-raw.tar.gz'), scrubbed: join(dir, 'same-scrubbed.tar.gz') };
    for (const [kind, entries] of [
      ['raw', rec.entries],
      ['scrubbed', scrubbed.entries],
    ] as const) {
      const staging = join(dir, `same-${kind}`);
      mkdirSync(staging);
      writeTree(staging, entries, { ...rec.meta, scrubbed: kind === 'scrubbed' });
      packTree(staging, archives[kind]);
    }
    const run = async (archive: string, args: string[]): Promise<unknown> => {
      const r = await ctrscope(['--root', archive, ...args, '--json', '--no-rates']);
      expect(r.code, r.stderr).toBe(0);
      expect(schemaErrors(JSON.parse(r.stdout))).toEqual([]);
      return replayed(r.stdout);
    };
    const ps = await run(archives.scrubbed, ['ps']);
    expect(ps).toEqual(await run(archives.raw, ['ps']));
    // Names, images and the pod's name come from the databases: the replay knows them as the live host does.
    const replayDoc = ps as PsJson;
    for (const name of [names.docker, names.ctr, names.podman, names.member, names.rootless]) {
      const want = live.containers.find((c) => c.name === name);
      const got = replayDoc.containers.find((c) => c.name === name);
      expect(got, name).toBeDefined();
      expect({ id: got?.id, engine: got?.engine, image: got?.image, pod: got?.pod, pid: got?.pid }).toEqual({ id: want?.id, engine: want?.engine, image: want?.image, pod: want?.pod, pid: want?.pid });
      expect(await run(archives.scrubbed, ['inspect', name]), `inspect ${name}`).toEqual(await run(archives.raw, ['inspect', name]));
    }
    expect(replayDoc.containers.find((c) => c.name === names.ctr)?.image).toBe(ctrImage);
    expect(replayDoc.pods.find((p) => p.name === names.pod)?.members).toHaveLength(2);
  });

  it('replays directly from the .tar.gz, absolute links kept as recorded, and says so', async () => {
    const { file, tree, stderr } = await snapshot('direct');
    expect(stderr).toContain(`replay with: ctrscope --root ${file} ps`);
    // The ctr shim's working directory and its bundle's `work` link name host paths: absolute.
    const links = linksUnder(tree);
    const shim = live.containers.find((c) => c.name === names.ctr)?.monitor?.pid;
    const bundle = `/run/docker/containerd/daemon/io.containerd.runtime.v2.task/${ctrNs}/${names.ctr}`;
    expect(links.get(`proc/${shim}/cwd`)).toBe(bundle);
    expect(links.get(`${bundle.slice(1)}/work`)).toBe(`/var/lib/docker/containerd/daemon/io.containerd.runtime.v2.task/${ctrNs}/${names.ctr}`);
    const before = readdirSync(tmpdir()).filter((d) => d.startsWith('ctrscope-root-'));
    const direct = await ctrscope(['--root', file, 'ps', '--json', '--no-rates']);
    expect(direct.code, direct.stderr).toBe(0);
    const fromTree = await ctrscope(['--root', tree, 'ps', '--json', '--no-rates']);
    expect(replayed(direct.stdout)).toEqual(replayed(fromTree.stdout));
    const doc = JSON.parse(direct.stdout) as PsJson;
    expect(doc.containers.find((c) => c.name === names.ctr)).toMatchObject({ engine: 'containerd', image: ctrImage });
    expect(doc.containers.find((c) => c.name === names.docker)).toMatchObject({ engine: 'docker', image: dockerTag });
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith('ctrscope-root-') && !before.includes(d))).toEqual([]);
  });
});
