/**
 * LXC from a hand-written config in a private lxcpath (`lxc-start -P`), started daemonized so
 * that a `[lxc monitor] <lxcpath> <name>` process supervises it. One container starts clean; the
 * other finds a stale lxc.payload.<name> cgroup (as a crashed run leaves) and so gets LXC's
 * `-1` collision suffix, which must not leak into its name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, childrenOf, describeWith, psJson, sh, shQuiet, testPrefix, waitFor, type PsJson } from '../helpers/host.js';
import { argvOf, cgroupLines, expectNamespacesOf, nsInode, onlyContainerWith, ppidOf, removeCgroupDirs } from '../helpers/kernel-view.js';

describeWith(['root', 'lxc'], 'LXC container', () => {
  const prefix = testPrefix('lxc');
  const clean = `${prefix}-a`;
  const bumped = `${prefix}-b`;
  let lxcpath = '';
  const pids = new Map<string, number>();
  const extra: ChildProcess[] = [];
  // A v1 controller where one exists (this hybrid host), else the unified root.
  const staleRoot = existsSync('/sys/fs/cgroup/pids/cgroup.procs') ? '/sys/fs/cgroup/pids' : '/sys/fs/cgroup';
  const pivotExisted = existsSync(`${staleRoot}/lxc.pivot`);

  const lxcInfoPid = (name: string): number => Number(sh('lxc-info', ['-P', lxcpath, '-n', name, '-p', '-H']).trim());

  const configure = (name: string): void => {
    const rootfs = join(lxcpath, name, 'rootfs');
    busyboxRootfs(rootfs);
    mkdirSync(join(rootfs, 'sbin'), { recursive: true });
    writeFileSync(join(rootfs, 'sbin/init'), '#!/bin/sh\nsleep 600 &\nsleep 600 &\nwait\n');
    chmodSync(join(rootfs, 'sbin/init'), 0o755);
    writeFileSync(
      join(lxcpath, name, 'config'),
      [`lxc.uts.name = ${name}`, `lxc.rootfs.path = dir:${rootfs}`, 'lxc.net.0.type = empty', 'lxc.apparmor.profile = unconfined', ''].join('\n'),
    );
  };

  beforeAll(async () => {
    lxcpath = mkdtempSync(join(tmpdir(), `${prefix}-`));
    for (const name of [clean, bumped]) configure(name);
    mkdirSync(`${staleRoot}/lxc.payload.${bumped}`);
    for (const name of [clean, bumped]) {
      sh('lxc-start', ['-P', lxcpath, '-n', name, '-d', '-o', join(lxcpath, `${name}.log`)]);
      const init = await waitFor(() => {
        const pid = lxcInfoPid(name);
        return pid > 0 && childrenOf(pid).length === 2 ? pid : undefined;
      }, 20_000, `lxc ${name} with two sleeps`);
      pids.set(name, init);
    }
  });

  afterAll(() => {
    for (const p of extra) p.kill('SIGKILL');
    for (const name of [clean, bumped]) {
      shQuiet('lxc-stop', ['-P', lxcpath, '-n', name, '-k']);
      shQuiet('lxc-destroy', ['-P', lxcpath, '-n', name, '-f']);
    }
    shQuiet('sleep', ['0.3']);
    // LXC leaves monitor cgroups it could not remove while it was still in them, and our stale one.
    const dirs = [clean, bumped].flatMap((n) => [`/lxc.payload.${n}`, `/lxc.payload.${n}-1`, `/lxc.monitor.${n}`, `/lxc.monitor.${n}-1`]);
    removeCgroupDirs(pivotExisted ? dirs : [...dirs, '/lxc.pivot']);
    if (lxcpath) rmSync(lxcpath, { recursive: true, force: true });
  });

  const check = (doc: PsJson, name: string, cgroupPath: string): void => {
    const init = pids.get(name) as number;
    const c = onlyContainerWith(doc, init);
    expect(c?.engine).toBe('lxc');
    expect(c?.idKind).toBe('engine');
    expect(c?.id).toBe(name);
    expect(c?.name).toBe(name);
    expect(c?.pid).toBe(init);
    expect(c?.processes.find((p) => p.pid === init)?.nspid).toEqual([init, 1]);
    expect(new Set(c?.pids)).toEqual(new Set([init, ...childrenOf(init)]));
    expectNamespacesOf(c as NonNullable<typeof c>, init);
    expect(c?.hostNamespaces).not.toContain('net'); // lxc.net.0.type = empty
    // The kernel's view of the cgroup, and LXC's naming (lxc src/lxc/cgroups/cgroup.h).
    expect(cgroupLines(init).get('pids')).toBe(cgroupPath);
    expect(c?.cgroup.path).toBe(cgroupPath);
    const monitor = ppidOf(init);
    expect(argvOf(monitor)[0]).toBe(`[lxc monitor] ${lxcpath} ${name}`);
    expect(c?.monitor).toEqual({ pid: monitor, kind: 'lxc-monitor', id: name });
    expect(c?.pids).not.toContain(monitor);
    expect(c?.metadataSources).toEqual([join(lxcpath, name, 'config')]);
    expect(c?.image).toBe(`dir:${join(lxcpath, name, 'rootfs')}`);
  };

  it('is an lxc container with lxc-info pid, monitor, lxc.payload cgroup and config metadata', async () => {
    const doc = await psJson();
    expect(schemaErrors(doc)).toEqual([]);
    check(doc, clean, `/lxc.payload.${clean}`);
    // No monitor is a container or a member of one.
    const monitors = doc.containers.flatMap((x) => (x.monitor ? [x.monitor.pid] : []));
    expect(doc.containers.filter((x) => x.pids.some((p) => monitors.includes(p)))).toEqual([]);
  });

  it('names a container by its monitor when LXC had to suffix its cgroup (lxc.payload.<name>-1)', async () => {
    const doc = await psJson();
    check(doc, bumped, `/lxc.payload.${bumped}-1`);
    expect(doc.containers.map((x) => x.id)).not.toContain(`${bumped}-1`);
  });

  it('counts an lxc-attach process in the suffixed cgroup as a member of the same container', async () => {
    const attach = spawn('lxc-attach', ['-P', lxcpath, '-n', bumped, '--', '/bin/sleep', '600'], { stdio: 'ignore' });
    extra.push(attach);
    const init = pids.get(bumped) as number;
    const attached = await waitFor(() => childrenOf(attach.pid as number).find((p) => nsInode(p, 'pid') === nsInode(init, 'pid')), 15_000, 'attached sleep');
    const doc = await psJson();
    const c = onlyContainerWith(doc, attached);
    expect(c?.id).toBe(bumped);
    expect(c?.processes.find((p) => p.pid === attached)?.via).toBe('cgroup');
  });
});
