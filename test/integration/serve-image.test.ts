/**
 * The DaemonSet, run here as docker runs it. No registry is reachable, so the image is built
 * offline as deploy/Dockerfile would: the node binary with the shared libraries it links, the
 * built bin and its chunks, `docker import`ed. It runs with what deploy/kubernetes/daemonset.yaml
 * says, read from the manifest: the host's pid namespace, the host root read-only at /host with
 * slave propagation (HostToContainer), a read-only root filesystem, every capability dropped but
 * those the manifest adds, its arguments and NODE_OPTIONS. Scraped from the host, it must name the
 * lab containers of every engine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openHostRoot } from '../../collectors/host-root.js';
import { observeOnce } from '../../src/observe/observer.js';
import { dockerImportBusybox, runcDetached } from '../helpers/containers.js';
import { childrenOf, CLI_MAIN, describeWith, killTree, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';
import { freePort, parseSamples, promtoolCheck, scrape } from '../helpers/serve.js';

const DAEMONSET = fileURLToPath(new URL('../../deploy/kubernetes/daemonset.yaml', import.meta.url));

interface PodSpec {
  hostPID?: boolean;
  containers: Array<{
    args: string[];
    env?: Array<{ name: string; value: string }>;
    ports: Array<{ containerPort: number }>;
    securityContext: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities: { drop: string[]; add?: string[] } };
    volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean; mountPropagation?: string }>;
  }>;
  volumes: Array<{ name: string; hostPath?: { path: string } }>;
}

/** Whether / is a shared mount here (mountinfo's optional fields), as slave propagation needs. */
function hostRootShared(): boolean {
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === '/');
  return /\sshared:\d+/.test(line ?? '');
}

/** docker run flags for what the DaemonSet's pod spec asks. */
function dockerFlags(pod: PodSpec, hostPort: number): { flags: string[]; args: string[] } {
  const c = pod.containers[0] as PodSpec['containers'][number];
  const flags: string[] = [];
  if (pod.hostPID) flags.push('--pid', 'host');
  if (c.securityContext.readOnlyRootFilesystem) flags.push('--read-only');
  if (c.securityContext.allowPrivilegeEscalation === false) flags.push('--security-opt', 'no-new-privileges');
  for (const cap of c.securityContext.capabilities.drop) flags.push('--cap-drop', cap);
  for (const cap of c.securityContext.capabilities.add ?? []) flags.push('--cap-add', cap);
  for (const e of c.env ?? []) flags.push('-e', `${e.name}=${e.value}`);
  for (const m of c.volumeMounts) {
    const host = pod.volumes.find((v) => v.name === m.name)?.hostPath?.path;
    if (!host) throw new Error(`volume ${m.name}: not a hostPath`);
    // HostToContainer is a slave mount, which docker (like the kubelet) can make only where the
    // host's mount is shared; on a host whose / is private (this lab's) it stays a plain bind.
    const propagation = m.mountPropagation === 'HostToContainer' && hostRootShared() ? ',rslave' : '';
    flags.push('-v', `${host}:${m.mountPath}${m.readOnly ? ':ro' : ':rw'}${propagation}`);
  }
  flags.push('-p', `127.0.0.1:${hostPort}:${c.ports[0]?.containerPort}`);
  return { flags, args: c.args };
}

/** An image with node, the libraries it links (ldd) and the built bin, as deploy/Dockerfile's last stage. */
function buildImage(tag: string, dir: string): void {
  const root = join(dir, 'image');
  const put = (from: string, to = from): void => {
    mkdirSync(dirname(join(root, to)), { recursive: true });
    copyFileSync(from, join(root, to));
  };
  const node = process.execPath;
  put(node, '/usr/bin/node');
  for (const m of sh('ldd', [node]).matchAll(/(\/\S+\.so[^\s]*)/g)) put(m[1] as string);
  const dist = dirname(CLI_MAIN);
  put(CLI_MAIN, '/app/dist/ctrscope.mjs');
  for (const f of sh('ls', [join(dist, 'chunks')]).split('\n').filter(Boolean)) put(join(dist, 'chunks', f), `/app/dist/chunks/${f}`);
  mkdirSync(join(root, 'host'), { recursive: true });
  sh('sh', ['-c', `tar -C "${root}" -c . | docker import -c 'ENTRYPOINT ["/usr/bin/node", "/app/dist/ctrscope.mjs"]' - "${tag}"`]);
}

describeWith(['root', 'docker', 'podman', 'runc', 'unshare'], 'the DaemonSet as docker runs it', () => {
  const prefix = testPrefix('serve-image');
  const image = `${prefix}-exporter:1`;
  const lab = `${prefix}-lab:1`;
  const podImage = `localhost/${prefix}-pm:latest`;
  const runcId = `${prefix}-runc`;
  let dir = '';
  let hand: ChildProcess | undefined;
  let handInit = 0;
  let url = '';
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    chmodSync(dir, 0o755);
    buildImage(image, dir);
    // The lab: one container of each engine, and a hand-made one.
    dockerImportBusybox(lab, dir);
    ids['docker'] = sh('docker', ['run', '-d', '--name', `${prefix}-dk`, lab, 'sleep', '600']).trim();
    sh('sh', ['-c', `tar -C "${dir}/rootfs" --exclude=./dev/null -cf "${dir}/rootfs.tar" .`]);
    sh('podman', ['import', join(dir, 'rootfs.tar'), podImage]);
    ids['podman'] = sh('podman', ['run', '-d', '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000', '--name', `${prefix}-pm`, podImage, 'sleep', '600']).trim();
    runcDetached(dir, runcId);
    hand = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sleep', '600'], { stdio: 'ignore' });
    handInit = await waitFor(() => childrenOf(hand?.pid as number)[0], 15_000, 'the hand-made container');

    const port = await freePort();
    const { flags, args } = dockerFlags((parse(readFileSync(DAEMONSET, 'utf8')) as { spec: { template: { spec: PodSpec } } }).spec.template.spec, port);
    sh('docker', ['run', '-d', '--name', `${prefix}-exporter`, ...flags, image, ...args]);
    url = `http://127.0.0.1:${port}`;
    await waitFor(
      () => {
        const r = spawnSync('curl', ['-sf', `${url}/healthz`], { timeout: 5_000 });
        return r.status === 0 ? true : undefined;
      },
      60_000,
      'the exporter container to answer',
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${spawnSync('docker', ['logs', `${prefix}-exporter`], { encoding: 'utf8' }).stderr}`);
    });
  }, 300_000);

  afterAll(() => {
    shQuiet('docker', ['rm', '-f', `${prefix}-exporter`, `${prefix}-dk`]);
    shQuiet('docker', ['rmi', image, lab]);
    shQuiet('podman', ['rm', '-f', '-t', '0', `${prefix}-pm`]);
    shQuiet('podman', ['rmi', '-f', podImage]);
    shQuiet('runc', ['kill', runcId, 'KILL']);
    shQuiet('runc', ['delete', '--force', runcId]);
    killTree(hand?.pid);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('is read-only, in the host pid namespace, with only the manifest capabilities', () => {
    const inspect = JSON.parse(sh('docker', ['inspect', `${prefix}-exporter`]))[0] as { HostConfig: { ReadonlyRootfs: boolean; PidMode: string; CapDrop: string[]; CapAdd: string[] | null }; State: { Pid: number } };
    expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspect.HostConfig.PidMode).toBe('host');
    // The kernel's word on what the exporter holds: only the manifest's capabilities.
    const capEff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)/m.exec(readFileSync(`/proc/${inspect.State.Pid}/status`, 'utf8'))?.[1]}`);
    const CAP_DAC_READ_SEARCH = 2n;
    const CAP_SYS_PTRACE = 19n;
    expect(capEff).toBe((1n << CAP_DAC_READ_SEARCH) | (1n << CAP_SYS_PTRACE));
  });

  it('scraped from the host: names the lab containers of every engine, and passes promtool', async () => {
    const r = await scrape(url);
    expect(r.status).toBe(200);
    expect(promtoolCheck(r.body)).toBe('');
    const info = parseSamples(r.body).filter((s) => s.name === 'ctrscope_container_info');
    const by = (f: (l: Readonly<Record<string, string>>) => boolean): Readonly<Record<string, string>> | undefined => info.find((s) => f(s.labels))?.labels;
    expect(by((l) => l['id'] === ids['docker'])).toMatchObject({ name: `${prefix}-dk`, engine: 'docker', image: lab });
    expect(by((l) => l['id'] === ids['podman'])).toMatchObject({ name: `${prefix}-pm`, engine: 'podman', image: podImage });
    expect(by((l) => l['id'] === runcId)).toMatchObject({ engine: 'runc' });
    expect(by((l) => l['pid'] === String(handInit))?.['id']).toMatch(/^ns-/);
    // The exporter itself is a docker container on this host: it sees itself too.
    expect(by((l) => l['name'] === `${prefix}-exporter`)).toMatchObject({ engine: 'docker' });
    // With the capabilities it keeps, it is denied no more than root with every capability on
    // the host (a few processes refuse even that), counted around the scrape.
    const denied = (): number => observeOnce(openHostRoot('/'), { resources: false, network: false }).model.snapshot.stats.hidden['denied'] ?? 0;
    const hostDenied = Math.max(denied(), denied());
    const inImage = parseSamples(r.body).find((s) => s.name === 'ctrscope_hidden_processes' && s.labels['reason'] === 'denied')?.value ?? 0;
    expect(inImage).toBeLessThanOrEqual(hostDenied);
  });
});
