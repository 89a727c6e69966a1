/**
 * Listening TCP sockets through NETLINK_SOCK_DIAG (sock-diag.ts) against the kernel's other
 * views of the same namespace: /proc/<pid>/net/tcp{,6} read live, `ss -ltn` run inside it, and
 * a recording of the host (what `ctrscope snapshot` writes) replayed with --root (a recorded tree has no netlink: it
 * reads the recorded files). Then the faults: a process (and its namespace) gone before its
 * sockets are asked for, and a process whose namespace cannot be opened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openHostRoot } from '../../collectors/host-root.js';
import { collectNetworks } from '../../collectors/network.js';
import { recordHost } from '../../collectors/snapshot/record.js';
import { bothFamiliesInOneDump, closeNetlink, listeningTcpByNetlink, listeningTcpOn, netlinkSocketsIn, NETLINK_SOCK_DIAG, type DiagSocket } from '../../collectors/sock-diag.js';
import { writeTree } from '../../src/cli/snapshot-archive.js';
import { childrenOf, ctrscope, describeWith, killTree, sh, waitFor } from '../helpers/host.js';
import { filesOnlyRoot, nsInode } from '../helpers/kernel-view.js';

const P = 'ctrscope-it-sockdiag';

describeWith(['root', 'unshare', 'nsenter'], 'listening sockets through sock_diag', () => {
  const procs: ChildProcess[] = [];
  let dir = '';
  /** A hand-made container (own pid, mnt and net) whose node listens on v4, v6 and dual-stack TCP, and a UDP port. */
  let pid = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${P}-`));
    const server = [
      "const net = require('net');",
      "net.createServer().listen(4711, '127.0.0.1');",
      "net.createServer().listen(4712, '::1');",
      "net.createServer().listen(4713, '::');",
      "net.createServer().listen(4714, '0.0.0.0');",
      "require('dgram').createSocket('udp4').bind(4715, '127.0.0.1');",
      'setInterval(() => {}, 1e9);',
    ].join(' ');
    const c = spawn('unshare', ['--fork', '--kill-child', '--pid', '--mount', '--mount-proc', '--net', 'sh', '-c', `ip link set lo up && exec "${process.execPath}" -e "${server}" ${P}`], { stdio: 'ignore' });
    procs.push(c);
    pid = await waitFor(() => {
      const init = childrenOf(c.pid as number)[0];
      if (init === undefined) return undefined;
      try {
        return readFileSync(`/proc/${init}/net/udp`, 'utf8').includes(':126B ') ? init : undefined; // 4715
      } catch {
        return undefined;
      }
    });
  });

  afterAll(() => {
    for (const p of procs) killTree(p.pid as number);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports what net/tcp and ss report for the same namespace, socket for socket', () => {
    const diag = listeningTcpByNetlink(pid);
    expect(diag).toMatchObject({ ok: true });
    const netns = nsInode(pid, 'net');
    const live = collectNetworks(openHostRoot('/'), [{ netns, pid }], null).get(netns);
    const files = collectNetworks(filesOnlyRoot(), [{ netns, pid }], null).get(netns);
    expect(live?.listening).toEqual(files?.listening);
    expect(live?.listening.map((s) => `${s.proto} ${s.address} ${s.port}`)).toEqual(['tcp 127.0.0.1 4711', 'tcp6 ::1 4712', 'tcp6 :: 4713', 'tcp 0.0.0.0 4714', 'udp 127.0.0.1 4715']);
    // The kernel's own tool, inside the namespace: the same TCP ports.
    const ss = sh('nsenter', ['-t', String(pid), '-n', 'ss', '-ltnH']).trim().split('\n').map((l) => Number(l.trim().split(/\s+/)[3]?.split(':').pop()));
    expect(ss.sort()).toEqual([4711, 4712, 4713, 4714]);
    // Our own namespace is untouched: the thread came back.
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(readlinkSync(`/proc/${process.pid}/ns/net`));
  });

  it('one dump of both families gives the sockets of a dump per family', () => {
    const opened = netlinkSocketsIn(pid, [NETLINK_SOCK_DIAG]);
    if (!opened.ok) throw new Error(opened.detail);
    try {
      const [sock] = opened.fds as [number];
      const sorted = (r: ReturnType<typeof listeningTcpOn>): DiagSocket[] => (r.ok ? [...r.sockets].sort((x, y) => x.port - y.port) : []);
      const both = listeningTcpOn(sock);
      const perFamily = listeningTcpOn(sock, true);
      expect(both.ok && perFamily.ok).toBe(true);
      expect(sorted(both).map((x) => `${x.proto} ${x.address} ${x.port}`)).toEqual(['tcp 127.0.0.1 4711', 'tcp6 ::1 4712', 'tcp6 :: 4713', 'tcp 0.0.0.0 4714']);
      expect(sorted(both)).toEqual(sorted(perFamily));
      // This kernel took the one dump (it did not fall back to the dumps per family).
      expect(bothFamiliesInOneDump()).toBe(true);
    } finally {
      closeNetlink(opened.fds);
    }
  });

  it('a snapshot replays the sockets the live host reported through netlink', async () => {
    // What `ctrscope snapshot` records, written as the unpacked tree --root reads.
    const rec = await recordHost(openHostRoot('/'), { keepEnv: false, nowMs: Date.now(), version: 'test' });
    const tree = join(dir, 'tree');
    writeTree(tree, rec.entries, rec.meta);
    const find = (out: string) => (JSON.parse(out) as { containers: Array<{ pid: number; network: { listening?: unknown[] } | null }> }).containers.find((c) => c.pid === pid);
    const live = find((await ctrscope(['ps', '--json', '--no-rates'])).stdout);
    const replay = find((await ctrscope(['--root', tree, 'ps', '--json', '--no-rates'])).stdout);
    expect(live?.network?.listening).toHaveLength(5);
    expect(replay?.network?.listening).toEqual(live?.network?.listening);
  }, 300_000);

  it('a process gone after its namespace was visited, before its UDP files are read: the TCP sockets read, a gone gap, no crash', async () => {
    const c = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec busybox nc -l -p 4716'], { stdio: 'ignore' });
    procs.push(c);
    const gone = c.pid as number;
    await waitFor(() => (['tcp', 'tcp6'].some((f) => readFileSync(`/proc/${gone}/net/${f}`, 'utf8').includes(':126C ')) ? true : undefined)); // 4716
    const netns = nsInode(gone, 'net');
    const root = openHostRoot('/');
    // Killed after its interfaces, listening TCP sockets and addresses were asked (all in the
    // netlink visit), before its UDP sockets are read: the last process in that namespace, so the
    // namespace goes with it.
    root.onRead = (path) => {
      if (path !== `/proc/${gone}/net/udp`) return;
      process.kill(gone, 'SIGKILL');
      for (let i = 0; i < 1e6 && readFileSync(`/proc/${gone}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'; i++);
    };
    const ns = collectNetworks(root, [{ netns, pid: gone }], null).get(netns);
    expect(ns?.listening.map((s) => s.port)).toEqual([4716]);
    expect(ns?.gaps).toContainEqual(expect.objectContaining({ path: `/proc/${gone}/net/udp`, reason: 'gone' }));
    expect(listeningTcpByNetlink(gone)).toMatchObject({ ok: false, reason: 'gone' });
  });

  it('a process gone before its namespace is visited: the namespace is left out, not guessed', async () => {
    const c = spawn('unshare', ['--net', 'sleep', '600'], { stdio: 'ignore' });
    procs.push(c);
    const gone = c.pid as number;
    await waitFor(() => (nsInode(gone, 'net') !== nsInode(process.pid, 'net') ? true : undefined));
    const netns = nsInode(gone, 'net');
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    expect(collectNetworks(openHostRoot('/'), [{ netns, pid: gone }], null).has(netns)).toBe(false);
  });

  it('a namespace that cannot be opened (a non-dumpable process) is read from the files instead', () => {
    // pid 1 here may be non-dumpable (EACCES even for root); where it is not, both paths answer.
    const netns = nsInode(process.pid, 'net');
    const viaRoot = collectNetworks(openHostRoot('/'), [{ netns, pid: 1 }], null).get(netns);
    const viaFiles = collectNetworks(filesOnlyRoot(), [{ netns, pid: 1 }], null).get(netns);
    expect(viaRoot?.listening).toEqual(viaFiles?.listening);
    expect(viaRoot?.gaps.filter((g) => g.path.endsWith('/ns/net'))).toEqual([]);
  });
});
