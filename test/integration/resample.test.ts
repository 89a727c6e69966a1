/**
 * `ps` and `inspect` with rates observe once and resample the counters one interval later
 * (Observer.resample). On two hand-made containers with their own pid and network namespaces
 * and v1 cgroups: one burns CPU under a quarter-core quota, the other vanishes (processes killed,
 * cgroups removed) between the observation and the resample. The first's CPU rate must match
 * the kernel's; the second's cgroup figures must be Unknown with a reason, never a number.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openHostRoot } from '../../collectors/host-root.js';
import { createObserver } from '../../src/observe/observer.js';
import { isUnknown } from '../../src/model/resources.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { removeTestCgroups } from '../helpers/containers.js';
import { childrenOf, describeWith, killTree, psJson, testPrefix, waitFor } from '../helpers/host.js';

const CG = '/sys/fs/cgroup';
const CTRLS = ['cpu', 'cpuacct', 'memory', 'pids'];

describeWith(['root', 'unshare'], 'resampling the counters one interval after the observation', () => {
  const prefix = testPrefix('resample');
  const made: Array<{ name: string; unshare: ChildProcess; init: number }> = [];
  const dirs = (name: string) => CTRLS.map((c) => `${CG}/${c}/${name}`);

  /** A container: its own pid, mount and network namespaces, in cgroups of its own, running `script`. */
  const start = async (name: string, script: string, quota: number | null): Promise<number> => {
    for (const d of dirs(name)) mkdirSync(d);
    if (quota !== null) writeFileSync(`${CG}/cpu/${name}/cpu.cfs_quota_us`, String(quota));
    // init waits until it is in the cgroups, so what it starts is born there.
    const unshare = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', '--net', 'sh', '-c', `while ! grep -q ${name} /proc/self/cgroup; do sleep 0.05; done; ${script}`], { stdio: 'ignore' });
    const init = await waitFor(() => childrenOf(unshare.pid as number)[0]);
    made.push({ name, unshare, init });
    for (const d of dirs(name)) writeFileSync(`${d}/cgroup.procs`, String(init));
    return init;
  };

  let busy = 0;
  let doomed = 0;
  beforeAll(async () => {
    busy = await start(`${prefix}-busy`, '(while :; do :; done) & sleep 600', 25_000);
    doomed = await start(`${prefix}-doomed`, 'sleep 600 & sleep 600', null);
  });

  afterAll(async () => {
    for (const m of made) killTree(m.unshare.pid);
    await removeTestCgroups(made.flatMap((m) => dirs(m.name)));
  });

  it('keeps the model, reads the counters at least the interval later, and rates match the kernel', async () => {
    const usage = () => Number(readFileSync(`${CG}/cpuacct/${prefix}-busy/cpuacct.usage`, 'utf8'));
    const observer = createObserver(openHostRoot('/'), { continuous: true });
    try {
      const t0 = process.hrtime.bigint();
      const u0 = usage();
      const first = observer.observe();
      const second = await observer.resample(1000);
      const kernelPercent = ((usage() - u0) / Number(process.hrtime.bigint() - t0)) * 100;
      expect(second.model).toBe(first.model);
      expect(second.seq).toBe(first.seq + 1);
      expect(second.intervalMs).toBeGreaterThanOrEqual(1000);
      const c = first.model.containers.find((x) => x.pid === busy);
      expect(c).toBeDefined();
      const r = second.resources.get(containerKey(c!));
      const percent = r?.usage.cpuPercent;
      expect(isUnknown(percent) ? percent : null).toBeNull();
      // A quarter-core quota: ~25% of one core, as the kernel's own counter says over the same time.
      expect(Math.abs((percent as number) - kernelPercent)).toBeLessThanOrEqual(8);
      expect(percent as number).toBeGreaterThan(15);
      expect(percent as number).toBeLessThanOrEqual(30);
      const net = second.network.get(c!.namespaces.net as number);
      expect(net?.rate).toEqual({ rxBytesPerSec: 0, txBytesPerSec: 0 });
    } finally {
      observer.close();
    }
  });

  it('a container gone during the interval: its figures are Unknown with a reason, the others stay', async () => {
    const observer = createObserver(openHostRoot('/'), { continuous: true });
    try {
      const first = observer.observe();
      const gone = first.model.containers.find((x) => x.pid === doomed);
      expect(gone).toBeDefined();
      const m = made.find((x) => x.init === doomed)!;
      killTree(m.unshare.pid);
      await removeTestCgroups(dirs(m.name));
      const second = await observer.resample(200);
      const r = second.resources.get(containerKey(gone!));
      expect(r).toBeDefined();
      for (const v of [r!.usage.cpuPercent, r!.usage.memoryBytes, r!.usage.pids]) expect(v).toMatchObject({ unknown: expect.stringMatching(/cgroup removed|absent/) });
      // Its network namespace outlived its processes, held by the reader's open net/dev until
      // this reading: with no process left in it, it counted no traffic.
      expect(second.network.get(gone!.namespaces.net as number)?.rate).toEqual({ rxBytesPerSec: 0, txBytesPerSec: 0 });
      const busyOne = first.model.containers.find((x) => x.pid === busy)!;
      expect(isUnknown(second.resources.get(containerKey(busyOne))?.usage.cpuPercent)).toBe(false);
    } finally {
      observer.close();
    }
  });

  it('ps --json with rates: the busy container at ~25% of a core', async () => {
    const doc = await psJson(['--interval', '0.5']);
    const c = doc.containers.find((x) => x.pid === busy) as unknown as { usage: { cpuPercent: number | null }; resources: { unknown: Record<string, string> } } | undefined;
    expect(c).toBeDefined();
    expect(c!.usage.cpuPercent).toBeGreaterThan(10);
    expect(c!.usage.cpuPercent).toBeLessThanOrEqual(30);
    expect(c!.resources.unknown['usage.cpuPercent']).toBeUndefined();
  });
});
