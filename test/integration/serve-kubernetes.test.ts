/**
 * `ctrscope serve`'s Kubernetes labels (`namespace`, `pod`, `container`) on real containers laid
 * out as containerd's CRI plugin lays out a pod's: there is no kubelet here, so `ctr run` starts
 * them with the annotations the CRI plugin writes into each task bundle's config.json
 * (io.kubernetes.cri.*: container type, sandbox name, namespace and uid, container name) and in
 * a pod cgroup of the kubelet's cgroupfs layout (/kubepods/burstable/pod<uid>/<id>). A sandbox
 * container (the pod's infra) and a workload container; real containerd, runc and cgroups.
 * Checked live, and again over a `ctrscope snapshot` of the host replayed with --root.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { ctrImportBusybox, removeCgroupDir, removeCtrNamespace } from '../helpers/containers.js';
import { CTR_ADDRESS, describeWith, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';
import { parseSamples, promtoolCheck, scrape, startServe, type SeriesSample, type Served } from '../helpers/serve.js';

describeWith(['root', 'docker', 'ctr'], 'serve: Kubernetes labels of CRI-laid-out containers', () => {
  const prefix = testPrefix('serve-k8s');
  const NS = prefix;
  const ctr = (...args: string[]): string => sh('ctr', ['--address', CTR_ADDRESS, '-n', NS, ...args]);
  const ctrQuiet = (...args: string[]): void => shQuiet('ctr', ['--address', CTR_ADDRESS, '-n', NS, ...args]);
  const dockerTag = `${prefix}:1`;
  const imageRef = `docker.io/library/${dockerTag}`;
  const podUid = randomUUID();
  const podCgroup = `/kubepods/burstable/pod${podUid}`;
  // CRI ids are 64 hex digits, which the pod cgroup layout's rule requires.
  const sandboxId = randomBytes(32).toString('hex');
  const appId = randomBytes(32).toString('hex');
  const pod = { name: `${prefix}-web-0`, namespace: 'shop' };
  let dir = '';
  let live: SeriesSample[] = [];
  let served: Served | undefined;

  const cri = (type: 'sandbox' | 'container', extra: Record<string, string>): string[] =>
    Object.entries({
      'io.kubernetes.cri.container-type': type,
      'io.kubernetes.cri.sandbox-id': sandboxId,
      'io.kubernetes.cri.sandbox-name': pod.name,
      'io.kubernetes.cri.sandbox-namespace': pod.namespace,
      'io.kubernetes.cri.sandbox-uid': podUid,
      ...extra,
    }).flatMap(([k, v]) => ['--annotation', `${k}=${v}`]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    ctrImportBusybox(NS, dockerTag, dir);
    ctr('run', '-d', '--cgroup', `${podCgroup}/${sandboxId}`, ...cri('sandbox', {}), imageRef, sandboxId, 'sleep', '600');
    ctr('run', '-d', '--cgroup', `${podCgroup}/${appId}`, ...cri('container', { 'io.kubernetes.cri.container-name': 'app', 'io.kubernetes.cri.image-name': 'registry.example/shop/app:1.2' }), imageRef, appId, 'sleep', '600');
    for (const id of [sandboxId, appId]) await waitFor(() => (/RUNNING/.test(ctr('task', 'ls')) && ctr('task', 'ls').includes(id) ? true : undefined), 15_000, `task ${id}`);
    served = await startServe();
    live = parseSamples((await scrape(served.url)).body);
  }, 180_000);

  afterAll(async () => {
    await served?.stop();
    for (const id of [appId, sandboxId]) {
      ctrQuiet('task', 'kill', '-a', '-s', 'SIGKILL', id);
      await waitFor(() => (ctr('task', 'ls').includes(id) && /RUNNING/.test(ctr('task', 'ls')) ? undefined : true), 10_000, 'task stopped').catch(() => undefined);
      ctrQuiet('task', 'rm', '-f', id);
      ctrQuiet('containers', 'rm', id);
    }
    ctrQuiet('images', 'rm', imageRef);
    await removeCtrNamespace(NS);
    shQuiet('docker', ['rmi', dockerTag]);
    for (const id of [appId, sandboxId]) removeCgroupDir(`${podCgroup}/${id}`);
    removeCgroupDir(podCgroup);
    // The parents runc made for the pod cgroup: removed only when empty (nothing else uses them).
    removeCgroupDir('/kubepods/burstable');
    removeCgroupDir('/kubepods');
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  /** The labels a host's exposition gives the two containers. */
  const check = (samples: SeriesSample[]): void => {
    const info = (id: string): Record<string, string> | undefined => samples.find((s) => s.name === 'ctrscope_container_info' && s.labels['id'] === id)?.labels;
    expect(info(appId)).toMatchObject({ engine: 'containerd', namespace: pod.namespace, pod: pod.name, container: 'app', pod_id: podUid });
    expect(info(sandboxId)).toMatchObject({ engine: 'containerd', namespace: pod.namespace, pod: pod.name, pod_id: podUid });
    // The sandbox has no container name: the label is absent, not empty.
    expect(info(sandboxId)?.['container']).toBeUndefined();
    // Every series of the workload carries the three labels, not only the info series.
    const app = samples.filter((s) => s.labels['id'] === appId);
    expect(app.length).toBeGreaterThan(5);
    for (const s of app) expect(s.labels, s.name).toMatchObject({ namespace: pod.namespace, pod: pod.name, container: 'app' });
    expect(app.map((s) => s.name)).toContain('container_memory_usage_bytes');
  };

  it('live: namespace, pod and container from the CRI annotations, on every series', () => {
    check(live);
  });

  it('over a snapshot of the host replayed with --root: the same labels', async () => {
    const archive = join(dir, 'host.tar.gz');
    // Run without blocking the worker: a snapshot of this busy host takes minutes.
    const r = await startCli(['snapshot', archive]).done;
    expect(r.code, r.stderr).toBe(0);
    const tree = join(dir, 'host');
    mkdirSync(tree);
    sh('tar', ['-xzf', archive, '-C', tree]);
    const replay = await startServe(['--root', tree]);
    try {
      const body = (await scrape(replay.url)).body;
      expect(promtoolCheck(body)).toBe('');
      check(parseSamples(body));
    } finally {
      await replay.stop();
    }
  }, 240_000);
});
