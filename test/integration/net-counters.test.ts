/**
 * The kept /proc/<pid>/net/dev of a continuous observer (collectors/net-counters.ts), on real
 * network namespaces: a kept file shows interfaces added since it was opened (pread regenerates
 * it), and a namespace read through another process is opened afresh through that process,
 * never read through the old descriptor, which stays bound to the namespace it was opened in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openHostRoot } from '../../collectors/host-root.js';
import { createNetCounterReader } from '../../collectors/net-counters.js';
import type { Container } from '../../src/model/container.js';
import type { HostModel } from '../../src/model/host-model.js';
import { FIRST_READING } from '../../src/model/resources.js';
import { observeOnce } from '../../src/observe/observer.js';
import { childrenOf, ctrscope, describeWith, killTree, sh, waitFor } from '../helpers/host.js';

const P = 'ctrscope-it-netctr';
const netns = (pid: number): number => Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/net`))?.[1]);
const starttime = (pid: number): number => {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[19]);
};

describeWith(['root', 'unshare', 'nsenter'], 'kept network counters', () => {
  const launchers: ChildProcess[] = [];
  let a = 0;
  let b = 0;

  /** A process in a network namespace of its own, with loopback up and a veth pair `<name>`, `<name>p` (both ends inside). */
  async function inNewNetns(name: string): Promise<number> {
    const u = spawn('unshare', ['--net', '--fork', 'sh', '-c', `ip link set lo up && ip link add ${name} type veth peer name ${name}p && exec sleep 1000 # ${P}`], { stdio: 'ignore' });
    launchers.push(u);
    return waitFor(() => {
      const [pid] = childrenOf(u.pid as number);
      if (pid === undefined || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep')) return undefined;
      return pid;
    }, 15_000, `${name}'s namespace`);
  }

  beforeAll(async () => {
    a = await inNewNetns('ctrA0');
    b = await inNewNetns('ctrB0');
  });
  afterAll(() => {
    for (const u of launchers) killTree(u.pid);
  });

  it('reads a kept file again with what changed since, and opens a namespace read through another process afresh', () => {
    const reader = createNetCounterReader(openHostRoot('/'));
    try {
      const names = (m: ReturnType<typeof reader.read>, ns: number) => m.get(ns)?.interfaces.map((i) => i.name).sort();
      const nsA = netns(a);
      expect(names(reader.read(new Map([[nsA, { pid: a, starttimeTicks: starttime(a) }]])), nsA)).toEqual(['ctrA0', 'ctrA0p', 'lo']);
      // Added after the file was opened: the kept descriptor shows it.
      sh('nsenter', ['-t', String(a), '-n', 'ip', 'link', 'add', 'ctrA1', 'type', 'veth', 'peer', 'name', 'ctrA1p']);
      expect(names(reader.read(new Map([[nsA, { pid: a, starttimeTicks: starttime(a) }]])), nsA)).toEqual(['ctrA0', 'ctrA0p', 'ctrA1', 'ctrA1p', 'lo']);
      // The same namespace key, now read through another process (here: one in another
      // namespace, as a reused pid would be): what that process's file says, not the old one.
      expect(names(reader.read(new Map([[nsA, { pid: b, starttimeTicks: starttime(b) }]])), nsA)).toEqual(['ctrB0', 'ctrB0p', 'lo']);
      // A namespace no longer asked for is let go; asked again, it is read afresh.
      expect(reader.read(new Map()).size).toBe(0);
      expect(names(reader.read(new Map([[nsA, { pid: a, starttimeTicks: starttime(a) }]])), nsA)).toEqual(['ctrA0', 'ctrA0p', 'ctrA1', 'ctrA1p', 'lo']);
      // A process that is gone: its namespace is left out, not an error.
      expect(reader.read(new Map([[nsA, { pid: 0x3fffff, starttimeTicks: 1 }]])).size).toBe(0);
    } finally {
      reader.close();
    }
  });

  it('reads a net/dev longer than a page whole, each time (one read stops where the kernel\'s page-sized buffer fills)', async () => {
    // 24 veth pairs: 49 interfaces, about 5 KiB of net/dev.
    const many = Array.from({ length: 24 }, (_, i) => `ip link add ctrM${i} type veth peer name ctrM${i}p`).join(' && ');
    const u = spawn('unshare', ['--net', '--fork', 'sh', '-c', `ip link set lo up && ${many} && exec sleep 1000 # ${P}`], { stdio: 'ignore' });
    launchers.push(u);
    const m = await waitFor(() => {
      const [pid] = childrenOf(u.pid as number);
      return pid !== undefined && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep') ? pid : undefined;
    }, 15_000, 'the namespace of 49 interfaces');
    expect(readFileSync(`/proc/${m}/net/dev`, 'utf8').length).toBeGreaterThan(4096);
    const reader = createNetCounterReader(openHostRoot('/'));
    try {
      const target = new Map([[netns(m), { pid: m, starttimeTicks: starttime(m) }]]);
      for (let i = 0; i < 2; i++) expect(reader.read(target).get(netns(m))?.interfaces.length).toBe(49);
    } finally {
      reader.close();
    }
  });

  it('counts what the kernel counts: the kept file against a fresh read of net/dev', () => {
    const reader = createNetCounterReader(openHostRoot('/'));
    try {
      const target = new Map([[netns(a), { pid: a, starttimeTicks: starttime(a) }]]);
      reader.read(target);
      sh('nsenter', ['-t', String(a), '-n', 'busybox', 'ping', '-c', '3', '-i', '0.2', '-q', '127.0.0.1']);
      const lo = reader.read(target).get(netns(a))?.interfaces.find((i) => i.name === 'lo');
      const fresh = readFileSync(`/proc/${a}/net/dev`, 'utf8').split('\n').find((l) => l.trim().startsWith('lo:'));
      const rxBytes = Number(fresh?.split(':')[1]?.trim().split(/\s+/)[0]);
      expect(rxBytes).toBeGreaterThan(0);
      expect(lo?.rx.bytes).toBe(rxBytes);
    } finally {
      reader.close();
    }
  });

  it('one reading reads no net/dev: its rate says a rate needs two readings; with rates, a rate', async () => {
    // A hand-made container: its own pid, mount and network namespaces.
    const u = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', '--net', 'sh', '-c', `ip link set lo up && exec sleep 1000 # ${P}`], { stdio: 'ignore' });
    launchers.push(u);
    const init = await waitFor(() => {
      const [pid] = childrenOf(u.pid as number);
      return pid !== undefined && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep') ? pid : undefined;
    }, 15_000, 'the hand-made container');
    const root = openHostRoot('/');
    const netDevReads: string[] = [];
    root.onRead = (p) => {
      if (p.endsWith('/net/dev')) netDevReads.push(p);
    };
    const ofInit = (m: HostModel): Container[] => m.containers.filter((c) => c.processes.some((p) => p.pid === init));
    const obs = observeOnce(root, { resources: false, network: ofInit });
    expect(ofInit(obs.model).length).toBe(1);
    expect(obs.network.get(netns(init))).toMatchObject({ pid: init, interfaces: null, rate: FIRST_READING });
    expect(netDevReads).toEqual([]);

    type Doc = { container: { resources: { unknown: Record<string, string> }; usage: { netRxBytesPerSec: number | null } } };
    const once = await ctrscope(['inspect', String(init), '--json', '--no-rates']);
    expect(once.code, once.stderr).toBe(0);
    const one = JSON.parse(once.stdout) as Doc;
    expect(one.container.usage.netRxBytesPerSec).toBeNull();
    expect(one.container.resources.unknown['usage.netRxBytesPerSec']).toBe(FIRST_READING.unknown);
    const sampled = await ctrscope(['inspect', String(init), '--json', '--interval', '0.2']);
    expect(sampled.code, sampled.stderr).toBe(0);
    const two = JSON.parse(sampled.stdout) as Doc;
    expect(typeof two.container.usage.netRxBytesPerSec).toBe('number');
    expect(two.container.resources.unknown['usage.netRxBytesPerSec']).toBeUndefined();
  });
});
