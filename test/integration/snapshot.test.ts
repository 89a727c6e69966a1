/**
 * `ctrscope snapshot` on the live host with real containers (a docker one and a hand-made
 * unshare one): the unpacked archive replays through --root to the same containers, and secrets
 * planted in their environment and command lines stay out of it unless --keep-env.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, childrenOf, ctrscope, describeWith, psJson, sh, shQuiet, testPrefix, waitFor, type PsJson, type PsJsonContainer } from '../helpers/host.js';

/** Every file's bytes and every link's target under dir, as one string to search. */
function everything(dir: string): string {
  let out = '';
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out += readlinkSync(p) + '\n';
    else if (st.isDirectory()) out += everything(p);
    else out += readFileSync(p, 'latin1') + '\n';
  }
  return out;
}

const essentials = (c: PsJsonContainer) => ({ id: c.id, name: c.name, engine: c.engine, image: c.image, pid: c.pid, pids: c.pids, namespaces: c.namespaces, hostNamespaces: c.hostNamespaces, pod: c.pod });

describeWith(['root', 'unshare', 'docker'], 'ctrscope snapshot', () => {
  const prefix = testPrefix('snapshot');
  const image = `${prefix}-img:1`;
  const dockerName = `${prefix}-web`;
  const secrets = { env: `envsecret-${process.pid}-a`, dockerArg: `argsecret-${process.pid}-b`, handArg: `handsecret-${process.pid}-c` };
  let dir = '';
  let unshare: ChildProcess | undefined;
  let handInit = 0;
  let dockerPid = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    busyboxRootfs(join(dir, 'rootfs'));
    sh('sh', ['-c', `tar -C "${join(dir, 'rootfs')}" -c . | docker import - ${image}`]);
    sh('docker', ['run', '-d', '--name', dockerName, '-e', `CTRSCOPE_IT_PASSWORD=${secrets.env}`, image, 'sh', '-c', 'sleep 600; :', 'sh', '--token', secrets.dockerArg]);
    dockerPid = Number(sh('docker', ['inspect', '-f', '{{.State.Pid}}', dockerName]).trim());
    unshare = spawn('unshare', ['--pid', '--mount', '--fork', 'sh', '-c', 'sleep 600 & sleep 600 & wait', 'x', `DB_PASSWORD=${secrets.handArg}`], { stdio: 'ignore' });
    handInit = await waitFor(() => {
      const k = childrenOf(unshare?.pid as number);
      return k.length === 1 && childrenOf(k[0] as number).length === 2 ? k[0] : undefined;
    });
  });

  afterAll(() => {
    unshare?.kill('SIGKILL');
    if (handInit) {
      try {
        process.kill(handInit, 'SIGKILL');
      } catch {
        // gone with its parent
      }
    }
    shQuiet('docker', ['rm', '-f', dockerName]);
    shQuiet('docker', ['rmi', image]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function snapshot(name: string, extra: string[] = []): Promise<{ file: string; tree: string }> {
    const file = join(dir, `${name}.tar.gz`);
    const r = await ctrscope(['snapshot', file, ...extra]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${file}`);
    const tree = join(dir, name);
    mkdirSync(tree);
    sh('tar', ['xzf', file, '-C', tree]);
    return { file, tree };
  }

  it('replays to the same containers (ids, names, engines, pids, namespaces) as the live host', async () => {
    const live1 = await psJson();
    const { file, tree } = await snapshot('scrubbed');
    const live2 = await psJson();
    const r = await ctrscope(['--root', tree, 'ps', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const replay = JSON.parse(r.stdout) as PsJson;
    expect(schemaErrors(replay)).toEqual([]);
    // Other suites start and stop containers meanwhile: compare those that held still.
    const stable = live1.containers.filter((c) => {
      const d = live2.containers.find((x) => x.id === c.id);
      return d && JSON.stringify(essentials(d)) === JSON.stringify(essentials(c));
    });
    const mine = stable.filter((c) => c.name === dockerName || c.pid === handInit);
    expect(mine).toHaveLength(2);
    for (const c of stable) expect(replay.containers.map(essentials)).toContainEqual(essentials(c));
    const docker = replay.containers.find((c) => c.name === dockerName);
    expect(docker).toMatchObject({ engine: 'docker', image, pid: dockerPid });
    expect(docker?.id).toBe(sh('docker', ['inspect', '-f', '{{.Id}}', dockerName]).trim());
    // --root also takes the archive itself, unpacked for the command and removed after it.
    const unpacked = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith('ctrscope-root-'));
    const before = unpacked();
    const direct = await ctrscope(['--root', file, 'ps', '--json']);
    expect((JSON.parse(direct.stdout) as PsJson).containers.map(essentials)).toEqual(replay.containers.map(essentials));
    expect(unpacked().filter((d) => !before.includes(d))).toEqual([]);
    const meta = JSON.parse(readFileSync(join(tree, 'meta.json'), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ format: 'ctrscope-snapshot', scrubbed: true, cgroupMode: 'hybrid', kernel: sh('uname', ['-r']).trim() });
  });

  it('leaves planted secrets out by default, and keeps them with --keep-env', async () => {
    const { tree } = await snapshot('default');
    const scrubbed = everything(tree);
    // The files that would hold them are there: docker's record, kept with only the keys ctrscope
    // reads (no Env at all), and both command lines, their secrets replaced.
    const id = sh('docker', ['inspect', '-f', '{{.Id}}', dockerName]).trim();
    const record = readFileSync(join(tree, `var/lib/docker/containers/${id}/config.v2.json`), 'utf8');
    expect(JSON.parse(record)).toMatchObject({ Name: `/${dockerName}` });
    expect(record).not.toContain('CTRSCOPE_IT_PASSWORD');
    expect(scrubbed).toContain(`DB_PASSWORD=<scrubbed>`);
    for (const s of Object.values(secrets)) expect(scrubbed).not.toContain(s);
    const kept = await snapshot('kept', ['--keep-env']);
    const all = everything(kept.tree);
    for (const s of Object.values(secrets)) expect(all).toContain(s);
    expect(JSON.parse(readFileSync(join(kept.tree, 'meta.json'), 'utf8'))).toMatchObject({ scrubbed: false });
  });
});
