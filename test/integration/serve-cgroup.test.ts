/**
 * `ctrscope serve`'s figures against the kernel's own files of a real cgroup: a hand-made
 * container in cgroups of its own burns CPU in user mode (a shell loop) and in system mode (dd
 * copying one byte per system call), then sleeps, so its counters stand still while they are
 * scraped and read. The user/system split and swap usage must be the kernel's numbers, and a
 * figure the kernel does not give must be absent, not 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { removeCgroupDir } from '../helpers/containers.js';
import { childrenOf, describeWith, killTree, testPrefix, waitFor } from '../helpers/host.js';
import { parseSamples, promtoolCheck, scrape, startServe, type SeriesSample, type Served } from '../helpers/serve.js';

const CG = '/sys/fs/cgroup';
/** cpuacct.stat counts in USER_HZ ticks, 100 a second. */
const USER_HZ = 100;

const flatKeyed = (text: string): Map<string, number> => new Map(text.trim().split('\n').map((l) => [l.split(' ')[0] as string, Number(l.split(' ')[1])]));

describeWith(['root', 'unshare'], 'serve: figures against the kernel files of a real cgroup', () => {
  const prefix = testPrefix('serve-cgroup');
  /** v1 hierarchies (this machine) or the unified one (a pure v2 host). */
  const v2 = !existsSync(`${CG}/cpuacct`) && existsSync(`${CG}/cgroup.controllers`);
  const dirs = v2 ? [`${CG}/${prefix}`] : ['cpu', 'cpuacct', 'memory', 'pids'].map((c) => `${CG}/${c}/${prefix}`);
  let hand: ChildProcess | undefined;
  let init = 0;
  let served: Served | undefined;
  let samples: SeriesSample[] = [];
  let id = '';

  beforeAll(async () => {
    if (v2) writeFileSync(`${CG}/cgroup.subtree_control`, '+cpu +memory +pids');
    for (const d of dirs) mkdirSync(d, { recursive: true });
    // The container: pid 1 of new pid and mount namespaces joins the cgroups (writing 0 moves
    // the writer; unshare, outside it, stays out, so the cgroups are the container's alone),
    // burns CPU in user mode, then in system mode, then sleeps.
    const join = dirs.map((d) => `echo 0 > ${d}/cgroup.procs`).join('; ');
    const body = `${join}; timeout 1.5 sh -c "while :; do :; done"; timeout 1.5 dd if=/dev/zero of=/dev/null bs=1 2>/dev/null; exec sleep 600`;
    hand = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', 'sh', '-c', body], { stdio: 'ignore' });
    init = await waitFor(() => childrenOf(hand?.pid as number)[0], 15_000, 'the hand-made container');
    // Burning done: its init is `sleep` now.
    await waitFor(() => (readFileSync(`/proc/${init}/comm`, 'utf8').trim() === 'sleep' ? true : undefined), 30_000, 'the container asleep');
    served = await startServe();
    samples = parseSamples((await scrape(served.url)).body);
    id = samples.find((s) => s.name === 'ctrscope_container_info' && s.labels['pid'] === String(init))?.labels['id'] ?? '';
  }, 120_000);

  afterAll(async () => {
    await served?.stop();
    killTree(hand?.pid);
    await waitFor(() => (existsSync(`/proc/${init}`) ? undefined : true), 15_000, 'the container gone').catch(() => undefined);
    removeCgroupDir(prefix);
  });

  const of = (name: string): SeriesSample[] => samples.filter((s) => s.name === name && s.labels['id'] === id);

  it('finds the container in its own cgroup', () => {
    expect(id).toMatch(/^ns-(pid|mnt)-\d+$/);
    const info = samples.find((s) => s.name === 'ctrscope_container_info' && s.labels['id'] === id);
    expect(info?.labels['cgroup']).toContain(prefix);
  });

  it('user and system CPU seconds are the kernel\'s split (v1 cpuacct.stat, v2 cpu.stat)', () => {
    let user: number;
    let system: number;
    let total: number;
    if (v2) {
      const stat = flatKeyed(readFileSync(`${dirs[0]}/cpu.stat`, 'utf8'));
      user = (stat.get('user_usec') as number) / 1e6;
      system = (stat.get('system_usec') as number) / 1e6;
      total = (stat.get('usage_usec') as number) / 1e6;
    } else {
      const stat = flatKeyed(readFileSync(`${CG}/cpuacct/${prefix}/cpuacct.stat`, 'utf8'));
      user = (stat.get('user') as number) / USER_HZ;
      system = (stat.get('system') as number) / USER_HZ;
      total = Number(readFileSync(`${CG}/cpuacct/${prefix}/cpuacct.usage`, 'utf8')) / 1e9;
    }
    // The loop and dd ran: the split is real, not zeros (each got some of its 1.5 s even on a
    // host loaded far past its 2 cores).
    expect(user).toBeGreaterThan(0.05);
    expect(system).toBeGreaterThan(0.05);
    // A sleeping container's counters stand still: the scrape holds the kernel's numbers.
    expect(of('container_cpu_user_seconds_total').map((s) => s.value)).toEqual([user]);
    expect(of('container_cpu_system_seconds_total').map((s) => s.value)).toEqual([system]);
    const usage = of('container_cpu_usage_seconds_total')[0]?.value as number;
    expect(Math.abs(usage - total)).toBeLessThan(1e-6);
    // The kernel scales its tick-sampled split to the precise total (to a tick per CPU).
    expect(Math.abs(user + system - usage)).toBeLessThan(0.05);
  });

  it('swap in use is the kernel\'s figure where it accounts swap, absent where it does not', () => {
    let kernel: number | undefined;
    if (v2) {
      const f = `${dirs[0]}/memory.swap.current`;
      kernel = existsSync(f) ? Number(readFileSync(f, 'utf8')) : undefined;
    } else {
      kernel = flatKeyed(readFileSync(`${CG}/memory/${prefix}/memory.stat`, 'utf8')).get('total_swap');
    }
    const swap = of('container_memory_swap').map((s) => s.value);
    expect(swap).toEqual(kernel === undefined ? [] : [kernel]);
    // The rest of the memory figures are there either way.
    expect(of('container_memory_usage_bytes')).toHaveLength(1);
  });

  it('the scrape passes promtool check metrics', async () => {
    expect(promtoolCheck((await scrape(served?.url as string)).body)).toBe('');
  });
});
