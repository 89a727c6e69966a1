/**
 * What top's repeated scans reuse between refreshes, on a copy of a recorded host
 * (samples/hybrid-docker) edited in place between scans, and on real short-lived processes:
 * a pid reused by another process (new start time) is read afresh, a process that appears or
 * exits is seen at the next scan, a move between cgroups without an exec is seen within the
 * revalidation bound, and kept descriptors are released when their files are no longer read.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { collectSnapshot, type RefreshCache } from '../../../collectors/collect.js';
import { KeptFiles, openHostRoot } from '../../../collectors/host-root.js';
import { IncrementalScanner, scanProcesses } from '../../../collectors/processes.js';
import type { Process } from '../../../src/model/process.js';
import { buildHostModel } from '../../../src/model/host-model.js';
import { SLOW_EVERY } from '../../../collectors/resources.js';
import { createFrameSource } from '../../../src/cli/commands/top.js';
import { containerKey } from '../../../src/model/reconstruct.js';

const tmp = mkdtempSync(join(tmpdir(), 'ctrscope-unit-refresh-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A private, writable copy of the recorded host. */
function copyOfSample(): string {
  const dir = join(tmp, `host-${n++}`);
  cpSync('samples/hybrid-docker', dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

/** Rewrite stat fields after the comm: index 19 of them (field 22 of stat(5)) is starttime. */
function rewriteStat(file: string, comm: string, starttime: number): void {
  const text = readFileSync(file, 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  rest[19] = String(starttime);
  writeFileSync(file, `${text.slice(0, text.indexOf('('))}(${comm}) ${rest.join(' ')}`);
}

// A docker container's init in the sample (`sleep 100001` of sample-web), and its child.
const PID = 678;
const CHILD = 705;

describe('IncrementalScanner (top)', () => {
  it('reports no change when nothing changed, with the same data as the first scan', () => {
    const scanner = new IncrementalScanner(openHostRoot(copyOfSample()));
    const a = scanner.scan({ lean: true });
    const b = scanner.scan({ lean: true });
    expect(a.changed).toBe(true);
    expect(b.changed).toBe(false);
    expect(b.processes).toEqual(a.processes);
  });

  it('processes whose cgroup file reads the same share one parsed lines array, as a one-shot scan gives them', () => {
    const root = openHostRoot(copyOfSample());
    const byPid = (ps: readonly Process[]) => new Map(ps.map((p) => [p.pid, p]));
    for (const scan of [() => scanProcesses(root, { lean: true }), () => new IncrementalScanner(root).scan({ lean: true })]) {
      const procs = byPid(scan().processes);
      const [init, child] = [procs.get(PID), procs.get(CHILD)];
      expect(readFileSync(`${root.dir}/proc/${PID}/cgroup`, 'utf8')).toBe(readFileSync(`${root.dir}/proc/${CHILD}/cgroup`, 'utf8'));
      expect(init?.cgroups).not.toBeNull();
      expect(child?.cgroups).toBe(init?.cgroups);
      // A process in another cgroup has lines of its own.
      const other = [...procs.values()].find((p) => p.cgroups && p.cgroups.some((l) => !l.path.startsWith('/docker/')));
      expect(other?.cgroups).not.toBe(init?.cgroups);
    }
  });

  it('a pid reused by another process (new start time) is read afresh, cgroup and argv included', () => {
    const dir = copyOfSample();
    const scanner = new IncrementalScanner(openHostRoot(dir), { revalidateEvery: 1000 });
    const before = scanner.scan({ lean: false }).processes.find((p) => p.pid === PID);
    expect(before?.cmdline).toEqual(['sleep', '100001']);
    expect(before?.cgroups?.some((l) => l.path.startsWith('/docker/'))).toBe(true);
    scanner.scan({ lean: false });
    // Files rewritten in place, as the kernel serves a new process's files at the same path;
    // reusing the pid allocated it again, which moves /proc/loadavg's last pid.
    rewriteStat(join(dir, `proc/${PID}/stat`), 'nginx', 999999);
    writeFileSync(join(dir, 'proc/loadavg'), '0.66 0.65 0.64 1/155 1002\n');
    writeFileSync(join(dir, `proc/${PID}/cgroup`), '9:name=systemd:/\n8:pids:/\n0::/\n');
    writeFileSync(join(dir, `proc/${PID}/cmdline`), 'nginx\0-g\0daemon off;\0');
    const after = scanner.scan({ lean: false });
    const p = after.processes.find((x) => x.pid === PID);
    expect(after.changed).toBe(true);
    expect(p?.comm).toBe('nginx');
    expect(p?.starttimeTicks).toBe(999999);
    expect(p?.cmdline).toEqual(['nginx', '-g', 'daemon off;']);
    expect(p?.cgroups?.map((l) => l.path)).toEqual(['/', '/', '/']);
  });

  it('a move to another cgroup without an exec shows within revalidateEvery scans', () => {
    const dir = copyOfSample();
    const every = 3;
    const scanner = new IncrementalScanner(openHostRoot(dir), { revalidateEvery: every });
    scanner.scan({ lean: true });
    writeFileSync(join(dir, `proc/${PID}/cgroup`), '8:pids:/moved\n0::/moved\n');
    const seen: boolean[] = [];
    for (let i = 0; i < every; i++) {
      const s = scanner.scan({ lean: true });
      const moved = s.processes.find((p) => p.pid === PID)?.cgroups?.every((l) => l.path === '/moved') === true;
      seen.push(moved);
      if (moved) expect(s.changed).toBe(true);
    }
    expect(seen).toContain(true);
    // Once seen, it stays seen.
    expect(seen.slice(seen.indexOf(true)).every(Boolean)).toBe(true);
  });

  it('sees a process that exits and one that appears at the next scan', async () => {
    const scanner = new IncrementalScanner(openHostRoot('/'));
    onTestFinished(() => scanner.close());
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = child.pid as number;
      const first = scanner.scan({ lean: true });
      expect(first.processes.find((p) => p.pid === pid)?.comm).toBe('sleep');
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const later = scanner.scan({ lean: true });
      expect(later.changed).toBe(true);
      expect(later.processes.map((p) => p.pid)).not.toContain(pid);
      const other = spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        const third = scanner.scan({ lean: true });
        expect(third.processes.find((p) => p.pid === other.pid)?.comm).toBe('sleep');
      } finally {
        other.kill('SIGKILL');
      }
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('on a quiet host returns the previous processes, reading only the fresh ones', async () => {
    // A busy child: its CPU time moves between two scans, if its stat is read.
    const busy = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    try {
      const pid = busy.pid as number;
      const scanner = new IncrementalScanner(openHostRoot('/'), { revalidateEvery: 1000 });
      onTestFinished(() => scanner.close());
      await new Promise((r) => setTimeout(r, 100));
      const fresh = new Set([pid]);
      // Other processes on the host may fork or exit between two scans: then the new ones are
      // read too. Try until a pair of scans finds the host quiet.
      for (let attempt = 0; attempt < 50; attempt++) {
        const a = scanner.scan({ lean: true, fresh });
        await new Promise((r) => setTimeout(r, 30));
        const b = scanner.scan({ lean: true, fresh });
        if (b.sampled === null || b.sampled.size !== 1 || !b.noExit) continue;
        expect(b.changed).toBe(false);
        expect([...b.sampled]).toEqual([pid]);
        expect(b.processes.map((p) => p.pid)).toEqual(a.processes.map((p) => p.pid));
        // Not read again: the very objects of the previous scan, but for the fresh one.
        const reused = b.processes.filter((p, i) => p === a.processes[i]);
        expect(reused.length).toBe(a.processes.length - 1);
        const before = a.processes.find((p) => p.pid === pid);
        const after = b.processes.find((p) => p.pid === pid);
        expect(after).not.toBe(before);
        expect((after?.utimeTicks ?? 0) + (after?.stimeTicks ?? 0)).toBeGreaterThan((before?.utimeTicks ?? 0) + (before?.stimeTicks ?? 0));
        return;
      }
      throw new Error('the host never stayed quiet for 30 ms in 50 tries');
    } finally {
      busy.kill('SIGKILL');
    }
  });

  it('a fork or an exit reads only the processes born: everyone else is the previous scan\'s', async () => {
    const scanner = new IncrementalScanner(openHostRoot('/'), { revalidateEvery: 1000 });
    onTestFinished(() => scanner.close());
    const a = scanner.scan({ lean: true });
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const s = scanner.scan({ lean: true });
      expect(s.changed).toBe(true);
      expect(s.processes.find((p) => p.pid === child.pid)?.comm).toBe('sleep');
      expect(s.sampled?.has(child.pid as number)).toBe(true);
      // Not read again: the very objects of the previous scan, for every pid not in sampled.
      const before = new Map(a.processes.map((p) => [p.pid, p]));
      const kept = s.processes.filter((p) => !s.sampled?.has(p.pid));
      expect(kept.length).toBeGreaterThan(0);
      for (const p of kept) expect(p).toBe(before.get(p.pid));
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.on('exit', r));
    const s = scanner.scan({ lean: true });
    expect(s.noExit).toBe(false);
    expect(s.changed).toBe(true);
    expect(s.processes.map((p) => p.pid)).not.toContain(child.pid);
  });

  it('a pid given again after the allocator came round is read afresh', async () => {
    // The kernel hands pids out cyclically from the last one allocated, coming round to the
    // lowest after pid_max. Writing ns_last_pid (as checkpoint/restore does) moves that point
    // back the way wrapping round does, so the next fork gets a pid just freed, below the last
    // one the previous scan saw: the busy scan must read that pid again.
    const scanner = new IncrementalScanner(openHostRoot('/'), { revalidateEvery: 1000 });
    const lastPid = (): number => Number(readFileSync('/proc/loadavg', 'utf8').trim().split(' ').at(-1));
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        const first = spawn('sleep', ['30'], { stdio: 'ignore' });
        const pid = first.pid as number;
        // A later pid, so that the previous scan's last allocated pid lies above `pid`.
        const later = spawn('sleep', ['30'], { stdio: 'ignore' });
        const again = { pid: 0, kill: () => {} } as { pid: number; kill: () => void };
        try {
          const a = scanner.scan({ lean: true });
          const before = lastPid();
          const old = a.processes.find((p) => p.pid === pid);
          expect(old?.comm).toBe('sleep');
          first.kill('SIGKILL');
          await new Promise((r) => first.on('exit', r));
          // sh writes the last pid, then forks: its child gets `pid` unless another fork took it.
          const sh = spawn('sh', ['-c', `echo ${pid - 1} > /proc/sys/kernel/ns_last_pid && exec sh -c 'sleep 30 & echo $!; wait'`], { stdio: ['ignore', 'pipe', 'ignore'] });
          again.kill = () => sh.kill('SIGKILL');
          const got = await new Promise<number>((r) => sh.stdout?.once('data', (d: Buffer) => r(Number(d.toString().trim()))));
          again.pid = got;
          // Other forks on the host may have taken `pid`, or carried the allocator past `before`.
          if (got !== pid || lastPid() >= before) continue;
          // Both scans list the pid; only the allocator's range says it is another process.
          const b = scanner.scan({ lean: true });
          const reborn = b.processes.find((p) => p.pid === pid);
          expect(b.sampled?.has(pid)).toBe(true);
          expect(reborn).not.toBe(old);
          expect(reborn?.ppid).not.toBe(old?.ppid);
          expect(b.changed).toBe(true);
          return;
        } finally {
          first.kill('SIGKILL');
          later.kill('SIGKILL');
          again.kill();
          if (again.pid > 0) {
            try {
              process.kill(again.pid, 'SIGKILL');
            } catch {
              // gone
            }
          }
        }
      }
      throw new Error('other forks took the freed pid, or passed the last one, in 20 tries');
    } finally {
      scanner.close();
    }
  });

  it('what complete() added survives a quiet scan', () => {
    const dir = copyOfSample();
    const scanner = new IncrementalScanner(openHostRoot(dir), { revalidateEvery: 1000 });
    const first = scanner.scan({ lean: true });
    expect(first.processes.find((p) => p.pid === PID)?.nspid).toBeNull();
    scanner.complete(first.processes, new Set([PID]));
    const quiet = scanner.scan({ lean: true });
    expect(quiet.sampled).not.toBeNull();
    expect(quiet.changed).toBe(true);
    expect(quiet.processes.find((p) => p.pid === PID)?.nspid).toEqual([PID, 1]);
    expect(scanner.scan({ lean: true }).changed).toBe(false);
  });
});

describe('KeptFiles', () => {
  it('re-reads a file on its kept descriptor, sees a rewrite, and closes what a sweep finds unread', () => {
    const file = join(tmp, 'counter');
    writeFileSync(file, '1\n');
    const kept = new KeptFiles(openHostRoot('/'));
    expect(kept.readText(file)).toEqual({ ok: true, value: '1\n' });
    writeFileSync(file, '22\n');
    expect(kept.readText(file)).toEqual({ ok: true, value: '22\n' });
    expect(kept.openCount).toBe(1);
    kept.sweep();
    expect(kept.openCount).toBe(1);
    kept.sweep();
    expect(kept.openCount).toBe(0);
  });

  it('a process that exited fails its kept stat read with the same gap as a fresh read', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const path = `/proc/${child.pid}/stat`;
    const kept = new KeptFiles(openHostRoot('/'));
    expect(kept.readText(path).ok).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const r = kept.readText(path);
    expect(r.ok).toBe(false);
    expect(r).toEqual(openHostRoot('/').readText(path));
    expect(kept.openCount).toBe(0);
  });

  it('with keepUnread, a file read every few sweeps stays open in between', () => {
    const file = join(tmp, 'limit');
    writeFileSync(file, '100\n');
    const kept = new KeptFiles(openHostRoot('/'), { keepUnread: 3 });
    kept.readText(file);
    for (let i = 0; i < 4; i++) kept.sweep();
    expect(kept.openCount).toBe(1);
    kept.sweep();
    expect(kept.openCount).toBe(0);
  });

  it('with plainReads, a file is kept open only from the read after those, while it is read between sweeps', () => {
    const file = join(tmp, 'usage');
    writeFileSync(file, '1\n');
    const kept = new KeptFiles(openHostRoot('/'), { plainReads: 2 });
    expect(kept.readText(file)).toEqual({ ok: true, value: '1\n' });
    kept.sweep();
    writeFileSync(file, '2\n');
    expect(kept.readText(file)).toEqual({ ok: true, value: '2\n' });
    expect(kept.openCount).toBe(0);
    kept.sweep();
    expect(kept.readText(file)).toEqual({ ok: true, value: '2\n' });
    expect(kept.openCount).toBe(1);
    writeFileSync(file, '33\n');
    expect(kept.readText(file)).toEqual({ ok: true, value: '33\n' });
    kept.closeAll();
    expect(kept.openCount).toBe(0);
    // A file left unread through a sweep starts counting again.
    const other = new KeptFiles(openHostRoot('/'), { plainReads: 1 });
    other.readText(file);
    other.sweep();
    other.sweep();
    other.readText(file);
    expect(other.openCount).toBe(0);
    other.readText(file);
    expect(other.openCount).toBe(1);
    other.closeAll();
  });

  it('reads a file of many records whole; a single pread is only for one-record files', () => {
    // /proc/self/maps is a seq_file of one record per mapping, tens of KiB for node: a read stops
    // at the end of the kernel's page-sized buffer, so taking a short read as the end would cut it.
    const many = new KeptFiles(openHostRoot('/'));
    const one = new KeptFiles(openHostRoot('/'), { oneRecord: () => true });
    const whole = many.readText('/proc/self/maps');
    const cut = one.readText('/proc/self/maps');
    // One record: stat comes whole in one read.
    const stat = one.readText('/proc/self/stat');
    many.closeAll();
    one.closeAll();
    expect(whole.ok && cut.ok).toBe(true);
    if (!whole.ok || !cut.ok) return;
    expect(whole.value.length).toBeGreaterThan(8192);
    expect(cut.value.length).toBeLessThan(whole.value.length);
    expect(stat.ok && /^\d+ \(.*\) .* \d+\n$/s.test(stat.value)).toBe(true);
  });

  it('keeps no more than maxOpen descriptors and still reads beyond them', () => {
    const files = [0, 1, 2].map((i) => join(tmp, `f${i}`));
    files.forEach((f, i) => writeFileSync(f, String(i)));
    const kept = new KeptFiles(openHostRoot('/'), { maxOpen: 2 });
    expect(files.map((f) => kept.readText(f))).toEqual([0, 1, 2].map((i) => ({ ok: true, value: String(i) })));
    expect(kept.openCount).toBe(2);
    kept.closeAll();
  });
});

describe('collectSnapshot with a RefreshCache (top)', () => {
  it('reuses grouping and metadata while nothing changed, and rebuilds the same model once something did', () => {
    const dir = copyOfSample();
    const root = openHostRoot(dir);
    const scanner = new IncrementalScanner(root);
    const cache: RefreshCache = { rootDiffers: new Map(), previous: null };
    const a = collectSnapshot(root, { nowMs: 1, scanner, cache });
    cache.previous = a;
    const b = collectSnapshot(root, { nowMs: 2, scanner, cache });
    cache.previous = b;
    // complete() read the members' status on the first pass: one more refresh to settle.
    const c = collectSnapshot(root, { nowMs: 3, scanner, cache });
    expect(c.grouping).toBe(b.grouping);
    expect(c.metadata).toBe(b.metadata);
    const fresh = buildHostModel(collectSnapshot(openHostRoot(dir), { nowMs: 3 }));
    expect(buildHostModel(c).containers).toEqual(fresh.containers);
    cache.previous = c;
    // The child exits: the next refresh rebuilds, and agrees with an uncached collection.
    rmSync(join(dir, `proc/${CHILD}`), { recursive: true });
    const d = collectSnapshot(root, { nowMs: 4, scanner, cache });
    expect(d.grouping).not.toBe(c.grouping);
    const members = (m: ReturnType<typeof buildHostModel>): number[] => m.containers.flatMap((x) => x.processes.map((p) => p.pid));
    expect(members(buildHostModel(c))).toContain(CHILD);
    expect(members(buildHostModel(d))).not.toContain(CHILD);
    expect(buildHostModel(d).containers).toEqual(buildHostModel(collectSnapshot(openHostRoot(dir), { nowMs: 4 })).containers);
  });
  it('keeps the grouping when a process is born outside every container, and regroups when one joins a container\'s network namespace', () => {
    const dir = copyOfSample();
    const root = openHostRoot(dir);
    const scanner = new IncrementalScanner(root);
    const cache: RefreshCache = { rootDiffers: new Map(), previous: null };
    const settle = (): ReturnType<typeof collectSnapshot> => {
      const s = collectSnapshot(root, { nowMs: 1, scanner, cache });
      cache.previous = s;
      return s;
    };
    settle();
    const before = settle();
    // A host shell (861: host namespaces, host cgroups) forks: a new process in the host's
    // namespaces, outside every container.
    const HOST_SHELL = 861;
    cpSync(join(dir, `proc/${HOST_SHELL}`), join(dir, 'proc/900'), { recursive: true, verbatimSymlinks: true });
    rewriteStat(join(dir, 'proc/900/stat'), 'bash', 999001);
    const outside = settle();
    expect(outside.processes.map((p) => p.pid)).toContain(900);
    expect(outside.grouping).toBe(before.grouping);
    expect(outside.metadata).toBe(before.metadata);
    // Another one enters the network namespace of sample-web's init (nsenter -n): rule 6 makes
    // it a partial member, so the model is built again, as an uncached collection builds it.
    cpSync(join(dir, `proc/${HOST_SHELL}`), join(dir, 'proc/901'), { recursive: true, verbatimSymlinks: true });
    rewriteStat(join(dir, 'proc/901/stat'), 'bash', 999002);
    rmSync(join(dir, 'proc/901/ns/net'));
    symlinkSync(readlinkSync(join(dir, `proc/${PID}/ns/net`)), join(dir, 'proc/901/ns/net'));
    const joined = settle();
    expect(joined.grouping).not.toBe(outside.grouping);
    const partials = buildHostModel(joined).containers.flatMap((c) => c.partialMembers.map((m) => m.pid));
    expect(partials).toContain(901);
    expect(buildHostModel(joined).containers).toEqual(buildHostModel(collectSnapshot(openHostRoot(dir), { nowMs: 1 })).containers);
  });
});

describe("top's frame source on a recorded host", () => {
  const deps = { out: () => {}, err: () => {}, euid: 0, now: () => 0, columns: 200 };
  const WEB = '9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483';

  it('keeps the same model across the metadata re-read while nothing changed', () => {
    const source = createFrameSource(openHostRoot(copyOfSample()), deps);
    const frames = Array.from({ length: SLOW_EVERY + 3 }, () => source.next());
    // The first refreshes settle (complete() reads members' status once); then one model throughout.
    const settled = frames.slice(2).map((f) => f.model.containers);
    source.close();
    expect(new Set(settled).size).toBe(1);
  });

  it("reads a row's figures for every container (the same as a full reading) and the container shown in detail in full", () => {
    const dir = copyOfSample();
    const row = createFrameSource(openHostRoot(dir), deps);
    const full = createFrameSource(openHostRoot(dir), deps, 'full');
    try {
      const a = row.next();
      expect(a.stats).toEqual(full.next().stats);
      const web = a.model.containers.find((c) => c.id === WEB);
      const other = a.model.containers.find((c) => c.id !== WEB && c.cgroup.path?.startsWith('/docker/'));
      expect(web && other).toBeTruthy();
      const failcnt = (f: ReturnType<typeof row.next>, c: typeof web) => f.observation.resources.get(containerKey(c as NonNullable<typeof c>))?.usage.events.failcnt;
      // memory.failcnt is in the recording, and in no row: unread, but for the detail view's container.
      expect(failcnt(a, other)).toEqual(expect.objectContaining({ unknown: expect.stringContaining('not read') }));
      const b = row.next(containerKey(web as NonNullable<typeof web>));
      expect(typeof failcnt(b, web)).toBe('number');
      expect(failcnt(b, web)).toBe(failcnt(full.next(), web));
      expect(failcnt(b, other)).toEqual(expect.objectContaining({ unknown: expect.stringContaining('not read') }));
    } finally {
      row.close();
      full.close();
    }
  });

  it('close() lets go of every descriptor it kept between refreshes', () => {
    const dir = copyOfSample();
    const heldInDir = (): number => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`);
      } catch {
        return false; // the listing's own descriptor, closed by now
      }
    }).length;
    const source = createFrameSource(openHostRoot(dir), deps);
    source.next();
    source.next();
    // stat and cgroup of every process, the cgroup files of the containers, a mountinfo or two.
    expect(heldInDir()).toBeGreaterThan(50);
    source.close();
    expect(heldInDir()).toBe(0);
  });

  it('an engine renaming a container shows within SLOW_EVERY refreshes', () => {
    const dir = copyOfSample();
    const source = createFrameSource(openHostRoot(dir), deps);
    const name = (): string | null | undefined => source.next().model.containers.find((c) => c.id === WEB)?.name;
    expect(name()).toBe('sample-web');
    // Settled: nothing but the periodic re-read can show the rename now.
    for (let i = 0; i < 3; i++) expect(name()).toBe('sample-web');
    const config = join(dir, `var/lib/docker/containers/${WEB}/config.v2.json`);
    writeFileSync(config, readFileSync(config, 'utf8').replace('"Name":"/sample-web"', '"Name":"/renamed-web"'));
    let seen = -1;
    for (let i = 1; i <= SLOW_EVERY && seen < 0; i++) if (name() === 'renamed-web') seen = i;
    source.close();
    expect(seen).toBeGreaterThan(0);
  });
});
