/**
 * `ctrscope serve` scraped by a real Prometheus (Debian's package, on 127.0.0.1, every second),
 * with real docker, podman, runc and hand-made containers. What Prometheus stored is checked
 * against the kernel's own files: memory limits, the CPU rate of a `--cpus 0.5` busy loop, an
 * OOM kill, and a removed container's series gone at the next scrape. `promtool check metrics`
 * lints a real scrape.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MIN_OBSERVE_INTERVAL_MS } from '../../src/serve/exporter.js';
import { dockerImportBusybox, runcDetached } from '../helpers/containers.js';
import { childrenOf, describeWith, killTree, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';
import { parseSamples, promtoolCheck, scrape, startPrometheus, startServe, type Prometheus, type Served } from '../helpers/serve.js';

const CG = '/sys/fs/cgroup';
const MiB = 1024 * 1024;

async function eventually<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describeWith(['root', 'docker', 'podman', 'runc', 'unshare'], 'serve scraped by a real Prometheus', () => {
  const prefix = testPrefix('serve');
  const image = `${prefix}:1`;
  const podImage = `localhost/${prefix}-pm:latest`;
  const runcId = `${prefix}-runc`;
  let dir = '';
  let served: Served | undefined;
  let prom: Prometheus | undefined;
  let hand: ChildProcess | undefined;
  let handInit = 0;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    chmodSync(dir, 0o755);
    dockerImportBusybox(image, dir);
    ids['mem'] = sh('docker', ['run', '-d', '--name', `${prefix}-mem`, '--memory', '64m', image, 'sleep', '600']).trim();
    ids['gone'] = sh('docker', ['run', '-d', '--name', `${prefix}-gone`, image, 'sleep', '600']).trim();
    ids['oom'] = sh('docker', ['run', '-d', '--name', `${prefix}-oom`, '--memory', '32m', '--memory-swap', '32m', image, 'sleep', '600']).trim();
    sh('sh', ['-c', `tar -C "${dir}/rootfs" --exclude=./dev/null -cf "${dir}/rootfs.tar" .`]);
    sh('podman', ['import', join(dir, 'rootfs.tar'), podImage]);
    // The ulimits podman would copy from the host are above what runc may set here.
    ids['podman'] = sh('podman', ['run', '-d', '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000', '--name', `${prefix}-pm`, '--memory', '48m', podImage, 'sleep', '600']).trim();
    // A plain runc container with a memory limit written in its bundle.
    runcDetached(dir, runcId, { memory: { limit: 40 * MiB } });
    // A hand-made container: private pid and mount namespaces, no engine.
    hand = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sleep', '600'], { stdio: 'ignore' });
    handInit = await waitFor(() => childrenOf(hand?.pid as number)[0], 15_000, 'the hand-made container');
    served = await startServe();
    prom = await startPrometheus(served.url.replace('http://', ''), prefix);
  }, 240_000);

  afterAll(async () => {
    await prom?.stop();
    await served?.stop();
    killTree(hand?.pid);
    shQuiet('docker', ['rm', '-f', `${prefix}-mem`, `${prefix}-gone`, `${prefix}-oom`, `${prefix}-cpu`]);
    shQuiet('docker', ['rmi', image]);
    shQuiet('podman', ['rm', '-f', '-t', '0', `${prefix}-pm`]);
    shQuiet('podman', ['rmi', '-f', podImage]);
    shQuiet('runc', ['kill', runcId, 'KILL']);
    shQuiet('runc', ['delete', '--force', runcId]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const q = async (query: string): Promise<number[]> => ((await prom?.query(query)) ?? []).map((r) => Number(r.value[1]));

  it('stores the memory limit of docker, podman and runc containers as the kernel has it', async () => {
    const runcPid = (JSON.parse(sh('runc', ['state', runcId])) as { pid: number }).pid;
    const memoryCgroup = (pid: number): string => `${CG}/memory${/^\d+:memory:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1]}`;
    const want: Array<[string, number, number]> = [
      [ids['mem'] as string, Number(readFileSync(`${CG}/memory/docker/${ids['mem']}/memory.limit_in_bytes`, 'utf8')), 64 * MiB],
      [ids['podman'] as string, Number(readFileSync(`${memoryCgroup(Number(sh('podman', ['inspect', '-f', '{{.State.Pid}}', `${prefix}-pm`]).trim()))}/memory.limit_in_bytes`, 'utf8')), 48 * MiB],
      [runcId, Number(readFileSync(`${memoryCgroup(runcPid)}/memory.limit_in_bytes`, 'utf8')), 40 * MiB],
    ];
    for (const [id, kernel, asked] of want) {
      expect(kernel).toBe(asked);
      const v = await eventually(`the memory limit of ${id}`, 30_000, async () => (await q(`container_spec_memory_limit_bytes{id="${id}"}`))[0]);
      expect(v).toBe(kernel);
    }
  });

  it('names the containers of every engine, and the hand-made one by its derived id', async () => {
    const info = await eventually('info series', 30_000, async () => {
      const r = (await prom?.query(`ctrscope_container_info{name=~"${prefix}.*"} or ctrscope_container_info{pid="${handInit}"}`)) ?? [];
      return r.length >= 5 ? r : undefined;
    });
    const by = (f: (m: Record<string, string>) => boolean): Record<string, string> | undefined => info.find((r) => f(r.metric))?.metric;
    expect(by((m) => m['id'] === ids['mem'])).toMatchObject({ name: `${prefix}-mem`, engine: 'docker', image });
    expect(by((m) => m['id'] === ids['podman'])).toMatchObject({ name: `${prefix}-pm`, engine: 'podman', image: podImage });
    expect(by((m) => m['id'] === runcId)).toMatchObject({ engine: 'runc' });
    expect(by((m) => m['pid'] === String(handInit))?.['id']).toMatch(/^ns-(pid|mnt)-\d+$/);
  });

  it('the CPU seconds rate of a --cpus 0.5 busy loop is ~0.5', async () => {
    // The highest cpu.shares, so that other suites on this shared host do not starve the loop
    // below its quota: the quota alone is then what holds it at half a core.
    const cpuId = sh('docker', ['run', '-d', '--name', `${prefix}-cpu`, '--cpus', '0.5', '--cpu-shares', '262144', image, 'sh', '-c', 'while :; do :; done']).trim();
    try {
      // Prometheus's rate over a window against the kernel's own counter read at both ends of
      // it: on a host shared with other suites the loop may get less than its half core, and
      // then the kernel says so too. Retried until a window where the loop had its half core.
      const usage = (): number => Number(readFileSync(`${CG}/cpuacct/docker/${cpuId}/cpuacct.usage`, 'utf8')) / 1e9;
      const tries: string[] = [];
      const rate = await eventually('a window with the loop at its half core', 100_000, async () => {
        const a = usage();
        const t = Date.now();
        await new Promise((r) => setTimeout(r, 10_000));
        const kernel = (usage() - a) / ((Date.now() - t) / 1000);
        const [v] = await q(`rate(container_cpu_usage_seconds_total{id="${cpuId}",cpu="total"}[10s])`);
        tries.push(`prometheus ${v} kernel ${kernel.toFixed(3)}`);
        if (v === undefined) return undefined;
        expect(Math.abs(v - kernel), tries.join('; ')).toBeLessThanOrEqual(0.1);
        return Math.abs(kernel - 0.5) <= 0.1 ? v : undefined;
      }).catch((err: Error) => {
        throw new Error(`${err.message} (${tries.join('; ')})`);
      });
      expect(rate).toBeGreaterThanOrEqual(0.4);
      expect(rate).toBeLessThanOrEqual(0.6);
      expect((await q(`container_spec_cpu_quota{id="${cpuId}"}`))[0]).toBe(Number(readFileSync(`${CG}/cpu/docker/${cpuId}/cpu.cfs_quota_us`, 'utf8')));
      const throttled = await eventually('throttled periods', 30_000, async () => (await q(`increase(container_cpu_cfs_throttled_periods_total{id="${cpuId}"}[5s])`))[0]);
      expect(throttled).toBeGreaterThan(0);
    } finally {
      shQuiet('docker', ['rm', '-f', cpuId]);
    }
  }, 150_000);

  it('counts a real OOM kill in container_oom_events_total', async () => {
    const id = ids['oom'] as string;
    const before = await eventually('the OOM counter', 30_000, async () => (await q(`container_oom_events_total{id="${id}"}`))[0]);
    expect(before).toBe(0);
    // The allocator is a docker exec'd child, so the container (sleep) survives the kill.
    shQuiet('docker', ['exec', id, 'sh', '-c', 'a=aaaaaaaaaaaaaaaa; while :; do a=$a$a; done']);
    const kills = Number(/oom_kill (\d+)/.exec(readFileSync(`${CG}/memory/docker/${id}/memory.oom_control`, 'utf8'))?.[1]);
    expect(kills).toBeGreaterThanOrEqual(1);
    const seen = await eventually('the OOM kill in Prometheus', 30_000, async () => {
      const [v] = await q(`container_oom_events_total{id="${id}"}`);
      return v !== undefined && v >= kills ? v : undefined;
    });
    expect(seen).toBe(kills);
  });

  it('a removed container is absent from the next scrape, and from Prometheus right after', async () => {
    const id = ids['gone'] as string;
    await eventually('the container in Prometheus', 30_000, async () => ((await q(`container_last_seen{id="${id}"}`)).length === 1 ? true : undefined));
    sh('docker', ['rm', '-f', id]);
    // Scrapes within MIN_OBSERVE_INTERVAL_MS of an observation share it (Prometheus scrapes every
    // second too): the next scrape that observes again is the first past that window.
    await new Promise((r) => setTimeout(r, MIN_OBSERVE_INTERVAL_MS + 50));
    const body = (await scrape(served?.url as string)).body;
    expect(body).not.toContain(id);
    // Prometheus marks the series stale at its first scrape without them (1 s here).
    const t0 = Date.now();
    await eventually('the series gone from Prometheus', 10_000, async () => ((await q(`{id="${id}"}`)).length === 0 ? true : undefined));
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a real scrape passes promtool check metrics; counters are typed and no command line leaks', async () => {
    const text = await scrape(served?.url as string);
    expect(text.status).toBe(200);
    expect(text.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(promtoolCheck(text.body)).toBe('');
    const om = await scrape(served?.url as string, 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5');
    expect(om.type).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    expect(om.body).toContain('# TYPE container_cpu_usage_seconds counter\n');
    // The busy loop and the allocator's command lines are never labels.
    expect(text.body).not.toContain('while :');
    expect(text.body).not.toContain('aaaaaaaa');
    const samples = parseSamples(text.body);
    expect(samples.some((s) => s.name === 'machine_cpu_cores' && s.value >= 1)).toBe(true);
    expect(samples.find((s) => s.name === 'ctrscope_last_observation_success')?.value).toBe(1);
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });
});
