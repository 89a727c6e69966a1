/**
 * `ctrscope snapshot` against every engine that keeps a database: docker (whose containerd keeps
 * `meta.db`), `ctr` in its own containerd namespace, podman rootful, a podman pod and rootless
 * podman (each store with its `bolt_state.db`). A unique secret is planted in each container's
 * environment and as a `--password=` argument; no byte of the archive may hold one, compressed
 * or not, while an unscrubbed recording of the same instant replays to the very same `ps` and
 * `inspect` output. The archive is replayed directly (`--root FILE.tar.gz`), absolute links
 * (a containerd shim's cwd, a bundle's `work` link) included.
 */
import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scrubEntries, type SnapshotMeta } from '../../collectors/snapshot/record.js';
import type { RecordedEntry } from '../../collectors/snapshot/recording-root.js';
import { packTree, writeTree } from '../../src/cli/snapshot-archive.js';
import { dockerImportBusybox, removeCgroupDir, removeCtrNamespace } from '../helpers/containers.js';
import { CLI_MAIN, CTR_ADDRESS, ctrscope, describeWith, psJson, sh, shQuiet, testPrefix, waitFor, type PsJson } from '../helpers/host.js';
import { PODMAN_RUN_FLAGS, podmanFiles, rootlessUser, type RootlessUser } from '../helpers/podman.js';
import { schemaErrors } from '../helpers/schema.js';

const execFileAsync = promisify(execFile);

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

/** A recorded tree read back as the entries it was written from (host path -> file, link or dir). */
function treeEntries(dir: string, rel = ''): Map<string, RecordedEntry> {
  const out = new Map<string, RecordedEntry>();
  for (const e of readdirSync(join(dir, rel))) {
    const r = `${rel}/${e}`;
    const st = lstatSync(join(dir, r));
    if (st.isSymbolicLink()) out.set(r, { kind: 'link', target: readlinkSync(join(dir, r)) });
    else if (st.isDirectory()) {
      out.set(r, { kind: 'dir' });
      for (const [k, v] of treeEntries(dir, r)) out.set(k, v);
    } else out.set(r, { kind: 'file', content: readFileSync(join(dir, r)) });
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
    await removeCtrNamespace(ctrNs);
    removeCgroupDir(ctrNs);
    shQuiet('podman', ['pod', 'rm', '-f', '-t', '0', names.pod]);
    shQuiet('podman', ['rm', '-f', '-t', '0', names.podman, names.member]);
    shQuiet('podman', ['rmi', '-f', podmanImage]);
    await user?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Recording a host takes minutes while other suites load it with thousands of processes, so
  // each recording is made once, by the built CLI in a child process (a recording is synchronous
  // work that would stall this test worker), with room to spare.
  const SLOW = 900_000;
  const record = async (name: string, extra: string[]): Promise<{ file: string; tree: string; stderr: string }> => {
    const file = join(dir, `${name}.tar.gz`);
    const r = await execFileAsync(process.execPath, [CLI_MAIN, 'snapshot', file, ...extra], { maxBuffer: 1 << 26, timeout: SLOW });
    const tree = join(dir, name);
    mkdirSync(tree);
    sh('tar', ['xzf', file, '-C', tree]);
    return { file, tree, stderr: r.stderr };
  };
  let cli: Promise<{ file: string; tree: string; stderr: string }> | undefined;
  /** `ctrscope snapshot FILE`, as a user runs it, and the archive unpacked by tar(1). */
  const cliSnapshot = () => (cli ??= record('cli', []));
  let same: Promise<{ raw: string; scrubbed: string }> | undefined;
  /** One recording of the host, unscrubbed (`--keep-env`), and the same entries scrubbed. */
  const sameInstant = () =>
    (same ??= (async () => {
      const raw = await record('raw', ['--keep-env']);
      const meta = JSON.parse(readFileSync(join(raw.tree, 'meta.json'), 'utf8')) as SnapshotMeta;
      const entries = treeEntries(raw.tree);
      entries.delete('/meta.json');
      const scrubbed = scrubEntries(entries);
      expect(scrubbed.leftOut).toEqual([]);
      const staging = join(dir, 'scrubbed');
      writeTree(staging, scrubbed.entries, { ...meta, scrubbed: true });
      packTree(staging, join(dir, 'scrubbed.tar.gz'));
      return { raw: raw.file, scrubbed: join(dir, 'scrubbed.tar.gz') };
    })());

  it(
    'keeps no planted secret in any byte of the archive, compressed or unpacked, where an unscrubbed recording keeps them all',
    async () => {
      const { file, tree } = await cliSnapshot();
      const gz = readFileSync(file);
      const bytes = { '.tar.gz': gz.toString('latin1'), 'tar stream': gunzipSync(gz).toString('latin1'), 'unpacked tree': everything(tree) };
      for (const s of all) for (const [where, text] of Object.entries(bytes)) expect(text.includes(s), `${s} in the ${where}`).toBe(false);
      // The databases are in the archive (as what ctrscope reads from them), not left out.
      const dbs = [
        '/var/lib/docker/containerd/daemon/io.containerd.metadata.v1.bolt/meta.db',
        '/var/lib/containers/storage/libpod/bolt_state.db',
        `${user?.home}/.local/share/containers/storage/libpod/bolt_state.db`,
      ];
      for (const db of dbs) expect(lstatSync(join(tree, db)).size, db).toBeGreaterThan(0);
      const meta = JSON.parse(readFileSync(join(tree, 'meta.json'), 'utf8')) as { scrubbed: boolean; unreadable: Array<{ path: string }> };
      expect(meta.scrubbed).toBe(true);
      expect(meta.unreadable.filter((u) => u.path.endsWith('.db'))).toEqual([]);
      // The same search finds every secret in an unscrubbed recording.
      const raw = gunzipSync(readFileSync((await sameInstant()).raw)).toString('latin1');
      for (const s of all) expect(raw.includes(s), s).toBe(true);
    },
    SLOW,
  );

  it(
    'replays the scrubbed archive to the ps and inspect output of the unscrubbed recording of the same instant, secrets aside',
    async () => {
      const archives = await sameInstant();
      const run = async (archive: string, args: string[], raw: boolean): Promise<unknown> => {
        const r = await ctrscope(['--root', archive, ...args, '--json', '--no-rates']);
        expect(r.code, r.stderr).toBe(0);
        expect(schemaErrors(JSON.parse(r.stdout))).toEqual([]);
        // What the scrubbed recording replaced, in the form it replaced it with.
        return replayed(raw ? all.reduce((t, secret) => t.replaceAll(secret, '<scrubbed>'), r.stdout) : r.stdout);
      };
      const ps = await run(archives.scrubbed, ['ps'], false);
      expect(ps).toEqual(await run(archives.raw, ['ps'], true));
      // Names, images and the pod's name come from the databases: the replay knows them as the live host does.
      const replayDoc = ps as PsJson;
      for (const name of [names.docker, names.ctr, names.podman, names.member, names.rootless]) {
        const want = live.containers.find((c) => c.name === name);
        const got = replayDoc.containers.find((c) => c.name === name);
        expect(got, name).toBeDefined();
        expect({ id: got?.id, engine: got?.engine, image: got?.image, pod: got?.pod, pid: got?.pid }).toEqual({ id: want?.id, engine: want?.engine, image: want?.image, pod: want?.pod, pid: want?.pid });
        expect(await run(archives.scrubbed, ['inspect', name], false), `inspect ${name}`).toEqual(await run(archives.raw, ['inspect', name], true));
      }
      expect(replayDoc.containers.find((c) => c.name === names.ctr)?.image).toBe(ctrImage);
      expect(replayDoc.pods.find((p) => p.name === names.pod)?.members).toHaveLength(2);
    },
    SLOW,
  );

  it(
    'replays directly from the .tar.gz, absolute links kept as recorded, and says so',
    async () => {
      const { file, tree, stderr } = await cliSnapshot();
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
    },
    SLOW,
  );
});
