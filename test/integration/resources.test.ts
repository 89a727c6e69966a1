/**
 * Resources on this cgroup v1 (hybrid) host, checked against what docker inspect and the kernel's
 * own files say: a docker container with --cpus 0.5 running a busy loop, one with --memory 64m
 * holding 25 MB and --pids-limit, an OOM kill inside it, and the same on a hand-made v1 cgroup
 * with the limits written directly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { removeTestCgroups } from '../helpers/containers.js';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, childrenOf, ctrscope, describeWith, psJson, sh, shQuiet, testPrefix, waitFor, type PsJsonContainer } from '../helpers/host.js';

interface LimitSource {
  kind: 'own' | 'shared' | 'ancestor';
  cgroup: string;
  outside: number;
}
interface Res {
  limits: { cpuCores: number | null; memoryBytes: number | null; swapBytes: number | null; pids: number | null; cpusetCpus: string | null; sources: Record<'cpuCores' | 'memoryBytes' | 'pids', LimitSource | null> };
  usage: { cpuPercent: number | null; cpuPercentOfLimit: number | null; throttledPercent: number | null; memoryBytes: number | null; pids: number | null; events: { oomKill: number | null; failcnt: number | null } };
  resources: { cgroups: Record<string, string>; unknown: Record<string, string> };
}
const res = (c: PsJsonContainer | undefined): Res => c as unknown as Res;
const MiB = 1024 * 1024;
const CG = '/sys/fs/cgroup';

/**
 * CPU% over a ~2 s window, retried: the host is shared with other suites, so a window can be
 * starved. Each try also measures the cgroup's cpuacct.usage around the ps call itself, so the
 * reading is checked against the kernel whatever the load. Returns the last try when none falls
 * inside the band.
 */
async function cpuWithin(find: (cs: PsJsonContainer[]) => PsJsonContainer | undefined, usageFile: () => string, ok: (r: Res) => boolean): Promise<{ r: Res; kernelPercent: number }> {
  let last: { r: Res; kernelPercent: number } | undefined;
  for (let i = 0; i < 5; i++) {
    const a = Number(readFileSync(usageFile(), 'utf8'));
    const t0 = process.hrtime.bigint();
    const doc = await psJson(['--interval', '2']);
    const kernelPercent = ((Number(readFileSync(usageFile(), 'utf8')) - a) / Number(process.hrtime.bigint() - t0)) * 100;
    last = { r: res(find(doc.containers)), kernelPercent };
    if (last.r && ok(last.r)) return last;
  }
  return last as { r: Res; kernelPercent: number };
}
const near = (v: number | null, want: number): boolean => v !== null && Math.abs(v - want) <= 10;

describeWith(['root', 'docker'], 'resources of docker containers (cgroup v1)', () => {
  const prefix = testPrefix('res');
  const image = `${prefix}:1`;
  let dir = '';
  let memId = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    busyboxRootfs(join(dir, 'rootfs'));
    sh('sh', ['-c', `tar -C "${join(dir, 'rootfs')}" -c . | docker import - ${image}`]);
    // /dev/shm is a tmpfs whose pages are charged to the writer's memory cgroup.
    memId = sh('docker', ['run', '-d', '--name', `${prefix}-mem`, '--memory', '64m', '--memory-swap', '64m', '--shm-size', '48m', '--pids-limit', '50', image,
      'sh', '-c', 'head -c 26214400 /dev/zero > /dev/shm/fill && touch /dev/shm/ready && sleep 600']).trim();
    sh('docker', ['exec', memId, 'sh', '-c', 'while [ ! -e /dev/shm/ready ]; do sleep 0.1; done']);
  });

  afterAll(() => {
    shQuiet('docker', ['rm', '-f', `${prefix}-cpu`, `${prefix}-mem`]);
    shQuiet('docker', ['rmi', image]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--cpus 0.5 busy loop: limit 0.5 cores, ~100% of it, ~50% of a host core, throttled', async () => {
    // Started here and removed right after, so the loop does not slow the other tests.
    const cpuId = sh('docker', ['run', '-d', '--name', `${prefix}-cpu`, '--cpus', '0.5', image, 'sh', '-c', 'while :; do :; done']).trim();
    const nano = Number(sh('docker', ['inspect', '-f', '{{.HostConfig.NanoCpus}}', cpuId]).trim());
    const { r, kernelPercent } = await cpuWithin((cs) => cs.find((c) => c.id === cpuId), () => `${CG}/cpuacct/docker/${cpuId}/cpuacct.usage`, (x) => near(x.usage.cpuPercentOfLimit, 100) && near(x.usage.cpuPercent, 50));
    expect(r.limits.cpuCores).toBe(nano / 1e9);
    expect(Math.abs((r.usage.cpuPercent ?? NaN) - kernelPercent)).toBeLessThanOrEqual(10);
    expect(r.usage.cpuPercentOfLimit).toBeGreaterThanOrEqual(90);
    expect(r.usage.cpuPercentOfLimit).toBeLessThanOrEqual(110);
    expect(r.usage.cpuPercent).toBeGreaterThanOrEqual(40);
    expect(r.usage.cpuPercent).toBeLessThanOrEqual(60);
    // A loop that wants a whole core under a half-core quota is throttled in most periods.
    expect(r.usage.throttledPercent).toBeGreaterThan(50);
    expect(r.resources.cgroups['cpuacct']).toBe(`${CG}/cpuacct/docker/${cpuId}`);
    // Hybrid: v1 controllers, and PSI from the unified hierarchy.
    expect(r.resources.cgroups['pressure']).toBe(`${CG}/unified/docker/${cpuId}`);
    shQuiet('docker', ['rm', '-f', cpuId]);
  });

  it('--memory 64m holding 25 MB, --pids-limit 50: usage, limits and the schema', async () => {
    const doc = await psJson(['--no-rates']);
    expect(schemaErrors(doc)).toEqual([]);
    const r = res(doc.containers.find((c) => c.id === memId));
    const hc = JSON.parse(sh('docker', ['inspect', '-f', '{{json .HostConfig}}', memId])) as { Memory: number; MemorySwap: number; PidsLimit: number };
    expect(r.limits.memoryBytes).toBe(hc.Memory);
    expect(r.limits.memoryBytes).toBe(64 * MiB);
    expect(r.limits.swapBytes).toBe(hc.MemorySwap - hc.Memory);
    expect(r.limits.pids).toBe(hc.PidsLimit);
    expect(r.usage.memoryBytes).toBeGreaterThanOrEqual(25 * MiB);
    expect(r.usage.memoryBytes).toBeLessThan(64 * MiB);
    expect(r.usage.pids).toBe(Number(readFileSync(`${CG}/pids/docker/${memId}/pids.current`, 'utf8')));
    expect(r.usage.cpuPercent).toBeNull();
    expect(r.resources.unknown['usage.cpuPercent']).toMatch(/--no-rates/);
    const table = await ctrscope(['ps', '--no-rates']);
    const row = table.stdout.split('\n').find((l) => l.startsWith(memId.slice(0, 12)));
    expect(row).toMatch(/\s\d+(\.\d)?M\/64M\s+\d+\/50\s/);
    expect(table.stdout.split('\n')[0]).not.toMatch(/CPU%/);
  });

  it('an allocating process that reaches the limit shows an oom_kill', async () => {
    // The allocator is a docker exec'd child, so the container (sleep) survives the kill.
    const r0 = res((await psJson(['--no-rates'])).containers.find((c) => c.id === memId));
    shQuiet('docker', ['exec', memId, 'sh', '-c', 'a=aaaaaaaaaaaaaaaa; while :; do a=$a$a; done']);
    const kernel = readFileSync(`${CG}/memory/docker/${memId}/memory.oom_control`, 'utf8');
    const kills = Number(/oom_kill (\d+)/.exec(kernel)?.[1]);
    const r = res((await psJson(['--no-rates'])).containers.find((c) => c.id === memId));
    expect(kills).toBeGreaterThanOrEqual(1);
    expect(r.usage.events.oomKill).toBe(kills);
    expect(r.usage.events.oomKill).toBeGreaterThan(r0.usage.events.oomKill ?? 0);
    expect(r.usage.events.failcnt).toBe(Number(readFileSync(`${CG}/memory/docker/${memId}/memory.failcnt`, 'utf8')));
  });
});

describeWith(['root', 'unshare'], 'resources of a hand-made v1 cgroup', () => {
  const prefix = testPrefix('res');
  const name = `${prefix}-hand`;
  const ctrls = ['cpu', 'cpuacct', 'memory', 'pids'];
  let dir = '';
  let unshare: ChildProcess | undefined;
  let init = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    for (const c of ctrls) mkdirSync(`${CG}/${c}/${name}`);
    writeFileSync(`${CG}/cpu/${name}/cpu.cfs_period_us`, '100000');
    writeFileSync(`${CG}/cpu/${name}/cpu.cfs_quota_us`, '50000');
    writeFileSync(`${CG}/memory/${name}/memory.limit_in_bytes`, String(64 * MiB));
    writeFileSync(`${CG}/pids/${name}/pids.max`, '20');
    // The container's init waits for "go" until the test has moved it into the cgroups, so all
    // its later children are born inside them; the unshare parent stays outside, as it is no
    // member. A private tmpfs holds 25 MB charged to the memory cgroup; the busy loop runs until
    // "stop", the allocator starts on "oom".
    const inner = `while [ ! -e ${dir}/go ]; do sleep 0.1; done; mount -t tmpfs t /mnt && head -c 26214400 /dev/zero > /mnt/fill
      (while [ ! -e ${dir}/stop ]; do :; done) &
      while [ ! -e ${dir}/oom ]; do sleep 0.2; done; sh -c 'a=aaaaaaaaaaaaaaaa; while :; do a=$a$a; done'; sleep 600`;
    unshare = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sh', '-c', inner], { stdio: 'ignore' });
    init = await waitFor(() => childrenOf(unshare?.pid as number)[0]);
    for (const c of ctrls) writeFileSync(`${CG}/${c}/${name}/cgroup.procs`, String(init));
    writeFileSync(join(dir, 'go'), '');
    await waitFor(() => (Number(readFileSync(`${CG}/memory/${name}/memory.usage_in_bytes`, 'utf8')) >= 25 * MiB ? true : undefined));
  });

  afterAll(async () => {
    if (dir) writeFileSync(join(dir, 'stop'), '');
    unshare?.kill('SIGKILL');
    if (init) shQuiet('kill', ['-9', String(init)]);
    try {
      await removeTestCgroups(ctrls.map((c) => `${CG}/${c}/${name}`));
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  const mine = (cs: PsJsonContainer[]): PsJsonContainer | undefined => cs.find((c) => c.pid === init);

  it('shows the limits written, 25 MB used, pids, and ~50% CPU = ~100% of its limit', async () => {
    const { r, kernelPercent } = await cpuWithin(mine, () => `${CG}/cpuacct/${name}/cpuacct.usage`, (x) => near(x.usage.cpuPercentOfLimit, 100) && near(x.usage.cpuPercent, 50));
    expect(r.resources.cgroups['memory']).toBe(`${CG}/memory/${name}`);
    expect(r.limits.cpuCores).toBe(0.5);
    expect(Math.abs((r.usage.cpuPercent ?? NaN) - kernelPercent)).toBeLessThanOrEqual(10);
    expect(r.limits.memoryBytes).toBe(64 * MiB);
    expect(r.limits.pids).toBe(20);
    expect(r.usage.memoryBytes).toBeGreaterThanOrEqual(25 * MiB);
    expect(r.usage.pids).toBe(Number(readFileSync(`${CG}/pids/${name}/pids.current`, 'utf8')));
    expect(r.usage.cpuPercentOfLimit).toBeGreaterThanOrEqual(90);
    expect(r.usage.cpuPercentOfLimit).toBeLessThanOrEqual(110);
    expect(r.usage.cpuPercent).toBeGreaterThanOrEqual(40);
    expect(r.usage.cpuPercent).toBeLessThanOrEqual(60);
    // cpuset and blkio stay in the root cgroup: the root's CPU set binds it; the root's IO
    // usage is the host's, not the container's: unknown, with that reason.
    expect(r.limits.cpusetCpus).toBe(readFileSync(`${CG}/cpuset/cpuset.effective_cpus`, 'utf8').trim());
    expect(r.resources.unknown['usage.io']).toMatch(/root cgroup of blkio also holds \d+ process\(es\) outside the container/);
    writeFileSync(join(dir, 'stop'), '');
  });

  it('shows an oom_kill when a member allocates past memory.limit_in_bytes', async () => {
    writeFileSync(join(dir, 'oom'), '');
    const kills = await waitFor(() => {
      const n = Number(/oom_kill (\d+)/.exec(readFileSync(`${CG}/memory/${name}/memory.oom_control`, 'utf8'))?.[1]);
      return n >= 1 ? n : undefined;
    }, 20_000, 'oom_kill in the hand-made cgroup');
    const r = res(mine((await psJson(['--no-rates'])).containers));
    expect(r.usage.events.oomKill).toBe(kills);
  });
});

describeWith(['root', 'unshare'], 'limits that bind: a cgroup shared with the launcher, and a parent cgroup\'s limit', () => {
  const prefix = testPrefix('bind');
  const ctrls = ['cpu', 'cpuacct', 'memory', 'pids'];
  // A pod-like parent with a 12 MiB memory limit, and the container's cgroup below it with
  // 16 MiB, 0.25 CPU and 12 pids. The launcher (`unshare`, on the host's pid namespace) is put in
  // the container's cgroup before it forks the container's init, as `cgexec ... unshare` does.
  const parent = prefix;
  const child = `${prefix}/ctr`;
  let launcher: ChildProcess | undefined;
  let init = 0;

  beforeAll(async () => {
    for (const c of ctrls) mkdirSync(`${CG}/${c}/${child}`, { recursive: true });
    writeFileSync(`${CG}/memory/${parent}/memory.limit_in_bytes`, String(12 * MiB));
    writeFileSync(`${CG}/memory/${child}/memory.limit_in_bytes`, String(16 * MiB));
    writeFileSync(`${CG}/cpu/${child}/cpu.cfs_period_us`, '100000');
    writeFileSync(`${CG}/cpu/${child}/cpu.cfs_quota_us`, '25000');
    writeFileSync(`${CG}/pids/${child}/pids.max`, '12');
    const join = ctrls.map((c) => `echo $$ > ${CG}/${c}/${child}/cgroup.procs`).join(' && ');
    launcher = spawn('sh', ['-c', `${join} && exec unshare --fork --pid --mount --mount-proc sleep 600`], { stdio: 'ignore' });
    init = await waitFor(() => childrenOf(launcher?.pid as number)[0]);
  });

  afterAll(async () => {
    killAll();
    await removeTestCgroups(ctrls.flatMap((c) => [`${CG}/${c}/${child}`, `${CG}/${c}/${parent}`]));
  });

  function killAll(): void {
    launcher?.kill('SIGKILL');
    if (init) shQuiet('kill', ['-9', String(init)]);
  }

  it('reports the limits that bind the container, where each is set, and no usage that is not its own', async () => {
    const procs = readFileSync(`${CG}/memory/${child}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
    expect(procs).toEqual(expect.arrayContaining([launcher?.pid, init]));
    const doc = await psJson(['--no-rates']);
    const r = res(doc.containers.find((c) => c.pid === init));
    expect(r, 'the hand-made container').toBeDefined();
    // The parent's 12 MiB binds before the container's own 16 MiB.
    expect(r.limits.memoryBytes).toBe(12 * MiB);
    expect(r.limits.sources.memoryBytes).toMatchObject({ kind: 'ancestor', cgroup: `/${parent}` });
    // The container's own cgroup sets CPU and pids, shared with the launcher outside it.
    expect(r.limits.cpuCores).toBe(0.25);
    expect(r.limits.pids).toBe(12);
    expect(r.limits.sources.cpuCores).toEqual({ kind: 'shared', cgroup: `/${child}`, outside: 1 });
    expect(r.limits.sources.pids).toEqual({ kind: 'shared', cgroup: `/${child}`, outside: 1 });
    // The cgroup's usage counts the launcher too: null, with the reason.
    expect(r.usage.memoryBytes).toBeNull();
    expect(r.usage.pids).toBeNull();
    expect(r.resources.unknown['usage.memoryBytes']).toBe(`cgroup /${child} (memory) also holds 1 process(es) outside the container: its usage is not the container's`);
    expect(schemaErrors(doc)).toEqual([]);
  });
});
