/**
 * top's mount watch on real mount namespaces: poll(2) on a kept /proc/<pid>/mountinfo names the
 * namespace whose mount table changed (a tmpfs mounted in it with nsenter) and no other, and top
 * re-decides that namespace's root at the very next refresh, not after SLOW_EVERY of them. The
 * descriptor of a namespace whose last process exited is closed at the next refresh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openHostRoot } from '../../collectors/host-root.js';
import { createMountWatch, type MountWatch } from '../../collectors/mount-watch.js';
import { createFrameSource } from '../../src/cli/commands/top.js';
import { busyboxRootfs, describeWith, sh, testPrefix, waitFor } from '../helpers/host.js';
import { SLOW_EVERY } from '../../collectors/resources.js';

const mntNs = (pid: number | 'self'): number => Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/mnt`))?.[1]);

/** Our descriptors open on /proc/<pid>/mountinfo, as the kernel lists them. */
function mountinfoFds(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === `/proc/${pid}/mountinfo`) out.push(fd);
    } catch {
      // the descriptor of the listing itself, closed by now
    }
  }
  return out;
}

/** The root field of the visible `/` entry of a process's mountinfo (the last one: mounts stack). */
function rootEntryRoot(pid: number): string | undefined {
  let found: string | undefined;
  for (const line of readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f[4] === '/') found = f[3];
  }
  return found;
}

describeWith(['root', 'unshare', 'nsenter'], 'mount watch (poll on kept mountinfo)', () => {
  const prefix = testPrefix('mountwatch');
  const kids: ChildProcess[] = [];
  const dirs: string[] = [];
  const watches: MountWatch[] = [];
  // Their kept descriptors pin the namespaces, and the mounts in them, until closed.
  const sources: { close(): void }[] = [];

  afterAll(() => {
    for (const w of watches) w.close();
    for (const s of sources) s.close();
    // The namespaces, and every mount made in them, go with their last process (and our pins).
    for (const k of kids) k.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** `sleep` in a private mount namespace of its own (unshare execs it: same pid). */
  async function isolated(): Promise<{ pid: number; ns: number; proc: ChildProcess }> {
    const proc = spawn('unshare', ['--mount', '--propagation', 'private', 'sleep', '600'], { stdio: 'ignore' });
    kids.push(proc);
    const pid = proc.pid as number;
    const ns = await waitFor(() => (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep' && mntNs(pid) !== mntNs('self') ? mntNs(pid) : undefined), 10_000, 'sleep in its own mount namespace');
    return { pid, ns, proc };
  }

  async function exited(c: { pid: number; proc: ChildProcess }): Promise<void> {
    c.proc.kill('SIGKILL');
    await waitFor(() => (c.proc.exitCode !== null || c.proc.signalCode !== null ? true : undefined), 10_000, `pid ${c.pid} to exit`);
  }

  it('poll names exactly the namespace a tmpfs was mounted in, once, and the re-read shows the mount', async () => {
    const a = await isolated();
    const b = await isolated();
    const watch = createMountWatch(openHostRoot('/'));
    expect(watch).not.toBeNull();
    if (!watch) return;
    watches.push(watch);
    for (const c of [a, b]) {
      const r = watch.read(c.ns, c.pid);
      expect(r.ok && r.value).toContain(' / / ');
      expect(watch.watching(c.ns)).toBe(true);
    }
    expect(mountinfoFds(a.pid)).toHaveLength(1);
    expect([...watch.changed()]).toEqual([]);

    const source = `${prefix}-tmpfs`;
    sh('nsenter', ['-t', String(a.pid), '-m', 'mount', '-t', 'tmpfs', source, '/mnt']);
    // What the kernel shows the namespace's own process (ground truth for the re-read below).
    const mnt = readFileSync(`/proc/${a.pid}/mountinfo`, 'utf8').split('\n').find((l) => l.includes(` - tmpfs ${source} `));
    expect(mnt).toBeDefined();

    expect([...watch.changed()]).toEqual([a.ns]);
    // The changed namespace's descriptor is closed; the next read opens a fresh one.
    expect(watch.watching(a.ns)).toBe(false);
    expect(mountinfoFds(a.pid)).toEqual([]);
    const again = watch.read(a.ns, a.pid);
    expect(again.ok && again.value.split('\n')).toContain(mnt);
    expect([...watch.changed()]).toEqual([]);

    // A descriptor pins its namespace: retain() without it closes it.
    await exited(a);
    expect(mountinfoFds(a.pid)).toHaveLength(1);
    watch.retain(new Set([b.ns]));
    expect(mountinfoFds(a.pid)).toEqual([]);
    expect(watch.size).toBe(1);
    await exited(b);
  });

  it('top re-decides a namespace at the next refresh after its `/` changes, and closes its descriptor when it is gone', async () => {
    const c = await isolated();
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-root-`));
    dirs.push(dir);
    const source = createFrameSource(openHostRoot('/'), { out: () => {}, err: () => {}, euid: 0, now: () => Date.now(), columns: 200 });
    sources.push(source);
    const id = `ns-mnt-${c.ns}`;
    // Two refreshes: the first one of a frame source starts from an empty cache anyway.
    source.next();
    const before = source.next().model;
    expect(before.snapshot.rootDiffers.get(c.ns)).toBe(false);
    expect(before.containers.map((x) => x.id)).not.toContain(id);
    expect(mountinfoFds(c.pid)).toHaveLength(1);

    // A bind mount over `/` stacks a new visible `/` entry whose root is the directory.
    sh('nsenter', ['-t', String(c.pid), '-m', 'mount', '--bind', dir, '/']);
    expect(rootEntryRoot(c.pid)).toBe(dir);
    const after = source.next().model;
    expect(after.snapshot.rootDiffers.get(c.ns)).toBe(true);
    const ctr = after.containers.find((x) => x.id === id);
    expect(ctr?.processes.map((m) => m.pid)).toContain(c.pid);

    await exited(c);
    expect(existsSync(`/proc/${c.pid}`)).toBe(false);
    // Still pinned by our descriptor until the next refresh sees no process in the namespace.
    expect(mountinfoFds(c.pid)).toHaveLength(1);
    const gone = source.next().model;
    expect(gone.snapshot.rootDiffers.has(c.ns)).toBe(false);
    expect(mountinfoFds(c.pid)).toEqual([]);
  });

  it('a chroot moves no mount: top re-decides when the process it read through execs', async () => {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-chroot-`));
    dirs.push(dir);
    busyboxRootfs(dir);
    const go = join(dir, 'go');
    // sh in its own mount namespace, same `/` as the host, until told to chroot into the rootfs.
    const proc = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `while [ ! -e ${go} ]; do sleep 0.1; done; exec chroot ${dir} /bin/sleep 600`], { stdio: 'ignore' });
    kids.push(proc);
    const pid = proc.pid as number;
    const ns = await waitFor(() => (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sh' && mntNs(pid) !== mntNs('self') ? mntNs(pid) : undefined), 10_000, 'sh in its own mount namespace');
    const source = createFrameSource(openHostRoot('/'), { out: () => {}, err: () => {}, euid: 0, now: () => Date.now(), columns: 200 });
    sources.push(source);
    source.next();
    expect(source.next().model.snapshot.rootDiffers.get(ns)).toBe(false);

    writeFileSync(go, '');
    await waitFor(() => (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep' ? true : undefined), 10_000, 'the chrooted sleep');
    // No mount table changed, so poll says nothing; the exec shows at the latest on the scan that
    // reads every process (every SLOW_EVERY refreshes).
    let seen = -1;
    for (let i = 1; i <= SLOW_EVERY + 1 && seen < 0; i++) if (source.next().model.containers.some((c) => c.id === `ns-mnt-${ns}`)) seen = i;
    expect(seen).toBeGreaterThan(0);
  });
});
