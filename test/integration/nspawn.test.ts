/**
 * systemd-nspawn without machined (`--register=no --keep-unit`, as on a host without systemd):
 * no machine scope and no /run/systemd/machines record, so the container is known only as the
 * child of its systemd-nspawn process, named from that process's arguments.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, childrenOf, ctrscope, describeWith, psJson, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';
import { cgroupLines, expectNamespacesOf, nsInode, onlyContainerWith, removeCgroupDirs } from '../helpers/kernel-view.js';

describeWith(['root', 'nspawn', 'nsenter'], 'systemd-nspawn container', () => {
  const prefix = testPrefix('nspawn');
  let dir = '';
  let rootfs = '';
  let nspawn: ChildProcess | undefined;
  let initPid = 0;
  const extra: ChildProcess[] = [];
  const leftCgroups = new Set<string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    // No -M: nspawn names the machine after the directory, so the directory carries the prefix.
    rootfs = join(dir, `${prefix}-machine`);
    busyboxRootfs(rootfs);
    // nspawn refuses a directory without os-release ("doesn't look like an OS root directory").
    mkdirSync(join(rootfs, 'usr/lib'), { recursive: true });
    writeFileSync(join(rootfs, 'usr/lib/os-release'), 'ID=busybox\nNAME=busybox\n');
    // The trailing `-M decoy` is the payload's $0/$1, after the first operand: nspawn stops
    // reading options at /bin/sh, and so must ctrscope.
    nspawn = spawn(
      'systemd-nspawn',
      ['--register=no', '--keep-unit', '--quiet', '--console=pipe', `--directory=${rootfs}`, '/bin/sh', '-c', 'sleep 600 & sleep 600 & wait', '-M', 'decoy'],
      { stdio: 'ignore' },
    );
    const monitor = nspawn.pid as number;
    initPid = await waitFor(() => {
      const c = childrenOf(monitor).find((p) => nsInode(p, 'pid') !== nsInode(monitor, 'pid'));
      return c !== undefined && childrenOf(c).length === 2 ? c : undefined;
    }, 20_000, 'nspawn payload with two sleeps');
    // With --keep-unit nspawn splits its own cgroup into payload/ and supervisor/ (systemd
    // src/nspawn/nspawn-cgroup.c create_subcgroup) and leaves them behind.
    for (const pid of [initPid, monitor]) for (const p of cgroupLines(pid).values()) if (p !== '/') leftCgroups.add(p);
  });

  afterAll(() => {
    for (const p of extra) p.kill('SIGKILL');
    if (initPid) {
      try {
        process.kill(initPid, 'SIGKILL'); // pid 1 of the container: the kernel kills the rest
      } catch {
        // already gone
      }
    }
    nspawn?.kill('SIGKILL');
    // Let the kernel empty the cgroups before removing them.
    shQuiet('sleep', ['0.3']);
    removeCgroupDirs([...leftCgroups].filter((p) => /\/(payload|supervisor)$/.test(p)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is a systemd-nspawn container named as nspawn named it, with its payload as members', async () => {
    const monitor = nspawn?.pid as number;
    const doc = await psJson();
    expect(schemaErrors(doc)).toEqual([]);
    const c = onlyContainerWith(doc, initPid);
    expect(c?.engine).toBe('systemd-nspawn');
    // nspawn sets the container's hostname to the machine name: ask the container.
    const hostname = sh('nsenter', ['-t', String(initPid), '-u', 'hostname']).trim();
    expect(hostname).toBe(basename(rootfs));
    expect(c?.id).toBe(hostname);
    expect(c?.name).toBe(hostname);
    expect(c?.pid).toBe(initPid);
    expect(c?.processes.find((p) => p.pid === initPid)?.nspid).toEqual([initPid, 1]);
    expect(new Set(c?.pids)).toEqual(new Set([initPid, ...childrenOf(initPid)]));
    expectNamespacesOf(c as NonNullable<typeof c>, initPid);
    expect(c?.monitor).toEqual({ pid: monitor, kind: 'systemd-nspawn', id: hostname });
    expect(c?.image).toBe(rootfs);
    expect(c?.evidence).toContain(`child of systemd-nspawn ${monitor}`);
  });

  it('never counts the systemd-nspawn process itself', async () => {
    const monitor = nspawn?.pid as number;
    const doc = await psJson();
    expect(doc.containers.filter((x) => x.pids.includes(monitor))).toEqual([]);
    expect(doc.containers.filter((x) => x.partialMembers.some((p) => p.pid === monitor))).toEqual([]);
  });

  it('counts an nsenter --all process as a member of the machine, not a container of its own', async () => {
    const all = spawn('nsenter', ['-t', String(initPid), '-a', '/bin/sleep', '600'], { stdio: 'ignore' });
    extra.push(all);
    const joined = await waitFor(() => childrenOf(all.pid as number)[0]);
    await waitFor(() => (readFileSync(`/proc/${joined}/cmdline`, 'utf8').startsWith('/bin/sleep') ? true : undefined));
    const doc = await psJson();
    const c = onlyContainerWith(doc, joined);
    expect(c?.pid).toBe(initPid);
    expect(c?.processes.find((p) => p.pid === joined)?.via).toBe('namespaces');
    expect(doc.containers.map((x) => x.id)).not.toContain(`ns-pid-${nsInode(initPid, 'pid')}`);
  });

  it('inspect by the machine\'s first pid: the machine, its systemd-nspawn monitor, and the nspawn process named as its monitor', async () => {
    const r = await ctrscope(['inspect', String(initPid), '--json', '--no-rates']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { container: { engine: string; pid: number; monitor: { pid: number; kind: string } }; asked: { pid: number; descendsFromInit: boolean } };
    expect(doc.container.engine).toBe('systemd-nspawn');
    expect(doc.container.pid).toBe(initPid);
    expect(doc.container.monitor).toMatchObject({ pid: nspawn?.pid, kind: 'systemd-nspawn' });
    expect(doc.asked).toMatchObject({ pid: initPid, descendsFromInit: true });
    const mon = await ctrscope(['inspect', String(nspawn?.pid), '--json']);
    const m = JSON.parse(mon.stdout) as { inContainer: boolean; hostProcess: { owner: string } };
    expect(m.inContainer).toBe(false);
    expect(m.hostProcess.owner).toMatch(/^systemd-nspawn for container /);
  });
});

