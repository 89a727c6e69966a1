/**
 * `ctrscope inspect` on real containers: identity against docker inspect, the asked-for process
 * (exec'd vs descendant), partial members, the security posture, a host pid outside any
 * container, and targets that match nothing or several things.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { schemaErrors } from '../helpers/schema.js';
import { busyboxRootfs, childrenOf, ctrscope, describeWith, killTree, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';

interface InspectJson {
  kind: string;
  inContainer: boolean;
  container: { id: string; name: string | null; engine: string | null; image: string | null; pid: number; pids: number[]; runtime: string | null } | null;
  asked: { pid: number; nspid: number[]; descendsFromInit: boolean; via: string | null } | null;
  processTree: Array<{ pid: number; innerPid: number | null; command: string; children: unknown[] }>;
  namespaces: Array<{ type: string; inode: number; verdict: string; sharedWith: string[] }>;
  security: { capabilities: { added: string[]; dropped: string[]; effective: string[] }; seccomp: { mode: string }; findings: Array<{ severity: string; title: string }>; privileged: boolean } | null;
  hostProcess: { pid: number; owner: string | null; monitorOf: string | null } | null;
}

async function inspectJson(target: string): Promise<InspectJson> {
  const r = await ctrscope(['inspect', target, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout) as InspectJson;
  expect(schemaErrors(doc)).toEqual([]);
  return doc;
}

describeWith(['root', 'docker', 'unshare', 'nsenter'], 'inspect', () => {
  const prefix = testPrefix('inspect');
  const image = `${prefix}:busybox`;
  const web = `${prefix}-web`;
  const web2 = `${prefix}-web2`;
  let dir = '';
  const procs: ChildProcess[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    busyboxRootfs(join(dir, 'rootfs'));
    sh('sh', ['-c', `tar -C "${join(dir, 'rootfs')}" -c . | docker import - ${image}`]);
    sh('docker', ['run', '-d', '--name', web, '--cap-add', 'NET_ADMIN', '--cap-drop', 'MKNOD', image, 'sleep', '600']);
    sh('docker', ['run', '-d', '--name', web2, '-v', '/var/run/docker.sock:/var/run/docker.sock', image, 'sleep', '600']);
  });

  afterAll(() => {
    for (const p of procs) killTree(p.pid);
    shQuiet('docker', ['rm', '-f', web, web2]);
    shQuiet('docker', ['rmi', '-f', image]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports identity as docker inspect does, by name, full id and id prefix', async () => {
    const info = JSON.parse(sh('docker', ['inspect', web]))[0] as { Id: string; Name: string; State: { Pid: number }; Config: { Image: string } };
    for (const target of [web, info.Id, info.Id.slice(0, 10)]) {
      const doc = await inspectJson(target);
      expect(doc.inContainer).toBe(true);
      expect(doc.container?.id).toBe(info.Id);
      expect(doc.container?.name).toBe(info.Name.replace(/^\//, ''));
      expect(doc.container?.engine).toBe('docker');
      expect(doc.container?.image).toBe(info.Config.Image);
      expect(doc.container?.pid).toBe(info.State.Pid);
      expect(doc.processTree[0]?.pid).toBe(info.State.Pid);
      expect(doc.processTree[0]?.innerPid).toBe(1);
    }
  });

  it('compares capabilities with the docker default set and lists findings by severity', async () => {
    const doc = await inspectJson(web);
    expect(doc.security?.capabilities.added).toEqual(['net_admin']);
    expect(doc.security?.capabilities.dropped).toEqual(['mknod']);
    expect(doc.security?.seccomp.mode).toBe('filter');
    expect(doc.security?.privileged).toBe(false);
    const titles = doc.security?.findings.map((f) => f.title) ?? [];
    expect(titles).toContain('capability net_admin added');
    const order = ['critical', 'high', 'medium', 'low', 'info'];
    const sev = doc.security?.findings.map((f) => order.indexOf(f.severity)) ?? [];
    expect([...sev].sort((a, b) => a - b)).toEqual(sev);
    const text = await ctrscope(['inspect', web]);
    for (const section of ['Identity', 'Processes (1)', 'Namespaces', 'Security', 'Findings']) expect(text.stdout).toContain(section);
    expect(text.stdout).toMatch(/added net_admin; dropped mknod/);
    expect(text.stdout).not.toMatch(/\x1b\[/); // no colour when not a terminal
  });

  it('tells an exec\'d process from a descendant, with its pid at every namespace level', async () => {
    sh('docker', ['exec', '-d', web, 'sleep', '601']);
    const cpid = (JSON.parse(sh('docker', ['inspect', web]))[0] as { State: { Pid: number } }).State.Pid;
    const execd = await waitFor(() => {
      const out = sh('docker', ['top', web, '-o', 'pid,args']).split('\n').find((l) => l.includes('sleep 601'));
      return out ? Number(out.trim().split(/\s+/)[0]) : undefined;
    });
    const doc = await inspectJson(String(execd));
    expect(doc.asked?.pid).toBe(execd);
    expect(doc.asked?.descendsFromInit).toBe(false);
    expect(doc.asked?.nspid[0]).toBe(execd);
    expect(doc.asked?.nspid).toHaveLength(2);
    expect(doc.container?.pid).toBe(cpid);
    const init = await inspectJson(String(cpid));
    expect(init.asked?.descendsFromInit).toBe(true);
  });

  it('lists an nsenter --net shell as a partial member, not a member', async () => {
    const cpid = (JSON.parse(sh('docker', ['inspect', web2]))[0] as { State: { Pid: number } }).State.Pid;
    const p = spawn('nsenter', ['-t', String(cpid), '-n', 'sleep', '600'], { stdio: 'ignore' });
    procs.push(p);
    await waitFor(() => (sh('readlink', [`/proc/${p.pid}/ns/net`]) === sh('readlink', [`/proc/${cpid}/ns/net`]) ? true : undefined));
    const doc = await inspectJson(web2);
    expect(doc.container?.pids).not.toContain(p.pid);
    const text = (await ctrscope(['inspect', web2])).stdout;
    expect(text).toMatch(new RegExp(`${p.pid} \\S+: net`));
    const self = await inspectJson(String(p.pid));
    expect(self.inContainer).toBe(false);
  });

  it('shows the overlay, the veth peer and the mounted engine socket, and takes the host veth as a target', async () => {
    const info = JSON.parse(sh('docker', ['inspect', web2]))[0] as { Id: string; GraphDriver: { Data: { UpperDir: string; MergedDir: string } } };
    const doc = (await inspectJson(web2)) as InspectJson & {
      rootfs: { hostPath: string; overlay: { upperdir: { dir: string } } };
      network: { interfaces: Array<{ name: string; peer: { name: string; bridge: string | null } | null }> };
    };
    expect(doc.rootfs.overlay.upperdir.dir).toBe(info.GraphDriver.Data.UpperDir);
    expect(doc.rootfs.hostPath).toBe(info.GraphDriver.Data.MergedDir);
    const eth0 = doc.network.interfaces.find((i) => i.name === 'eth0');
    expect(eth0?.peer?.bridge).toBe('docker0');
    const hostVeth = eth0?.peer?.name as string;
    expect(sh('ip', ['-o', 'link', 'show', hostVeth])).toContain('master docker0');
    const critical = doc.security?.findings.filter((f) => f.severity === 'critical').map((f) => f.title);
    expect(critical).toEqual(['mount /var/run/docker.sock']);
    const byVeth = await inspectJson(hostVeth);
    expect(byVeth.container?.id).toBe(info.Id);
    const text = (await ctrscope(['inspect', web2])).stdout;
    expect(text).toContain(`upperdir   ${info.GraphDriver.Data.UpperDir}`);
    expect(text).toMatch(new RegExp(`eth0 .* peer ${hostVeth} on bridge docker0`));
    expect(text).toMatch(/CRITICAL mount \/var\/run\/docker.sock/);
  });

  it('diagnoses a CPU-throttled container against its limit, with the numbers docker set', async () => {
    const busy = `${prefix}-busy`;
    try {
      sh('docker', ['run', '-d', '--name', busy, '--cpus', '0.2', '--memory', '32m', image, 'sh', '-c', 'while :; do :; done']);
      const doc = (await inspectJson(busy)) as InspectJson & { diagnosis: string[]; limits: { cpuCores: number; memoryBytes: number }; usage: { throttledPercent: number } };
      expect(doc.limits.cpuCores).toBe(0.2);
      expect(doc.limits.memoryBytes).toBe(32 * 1024 * 1024);
      expect(doc.usage.throttledPercent).toBeGreaterThan(20);
      // The interval is the one measured between the two readings: the 1 s asked for, and on a
      // loaded host up to a few tenths more (the first observation's work after its reading).
      expect(doc.diagnosis.some((d) => /^throttled \d+% of periods in the last 1\.\d s: CPU limit 0\.2 cores is the bottleneck$/.test(d))).toBe(true);
      const text = (await ctrscope(['inspect', busy, '--interval', '0.5'])).stdout;
      expect(text).toMatch(/Resources\n {2}!! throttled \d+% of periods in the last 0\.[5-9] s: CPU limit 0\.2 cores/);
      expect(text).toMatch(/memory .* of 32\.0 MiB/);
    } finally {
      shQuiet('docker', ['rm', '-f', busy]);
    }
  });

  it('--sizes measures the upper layer only: written bytes and whiteouts, compared with du', async () => {
    // 2 MiB written, one image file deleted (a whiteout in the upper layer).
    sh('docker', ['exec', web, 'sh', '-c', 'head -c 2097152 /dev/zero > /root/blob && rm /bin/yes && sync']);
    const info = JSON.parse(sh('docker', ['inspect', web]))[0] as { GraphDriver: { Data: { UpperDir: string } } };
    const doc = (await inspectJson(`${web}`)) as InspectJson & { rootfs: { upperSize?: unknown } };
    expect(doc.rootfs.upperSize, 'not measured without --sizes').toBeUndefined();
    const r = await ctrscope(['inspect', web, '--sizes', '--json', '--no-rates']);
    const sized = JSON.parse(r.stdout) as { rootfs: { upperSize: { bytes: number; files: number; whiteouts: number; complete: boolean } } };
    const u = sized.rootfs.upperSize;
    expect(u.complete).toBe(true);
    expect(u.whiteouts).toBe(1);
    expect(u.bytes).toBeGreaterThanOrEqual(2097152);
    // du counts the same tree's apparent sizes; the merged dir (the whole image) is not counted.
    const du = Number(sh('du', ['-sb', info.GraphDriver.Data.UpperDir]).split(/\s/)[0]);
    expect(u.bytes).toBeLessThanOrEqual(du);
    expect(u.bytes).toBeGreaterThan(du * 0.5);
  });

  it('names the shim of a container when given its pid', async () => {
    const doc = await inspectJson(web);
    const shimPid = (await ctrscope(['ps', '--json'])).stdout;
    const monitor = (JSON.parse(shimPid) as { containers: Array<{ id: string; monitor: { pid: number } | null }> }).containers.find((c) => c.id === doc.container?.id)?.monitor;
    expect(monitor).toBeTruthy();
    const shim = await inspectJson(String(monitor?.pid));
    expect(shim.inContainer).toBe(false);
    expect(shim.hostProcess?.owner).toMatch(new RegExp(`containerd-shim for container ${web}`));
  });

  it('reports a hand-made container and says plainly when nothing or several things match', async () => {
    const u = spawn('unshare', ['--fork', '--pid', '--mount', '--uts', '--mount-proc', `--root=${join(dir, 'rootfs')}`, '/bin/sleep', '600'], { stdio: 'ignore' });
    procs.push(u);
    const inner = await waitFor(() => childrenOf(u.pid as number)[0]);
    const doc = await inspectJson(String(inner));
    expect(doc.container?.engine).toBeNull();
    expect(doc.namespaces.find((n) => n.type === 'net')?.verdict).toBe('host');
    expect(doc.namespaces.find((n) => n.type === 'pid')?.verdict).toBe('private');
    expect(doc.security?.findings.map((f) => f.title)).toContain('host network');

    const none = await ctrscope(['inspect', `${prefix}-nothing`]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/nothing matches/);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    // Two engine-less containers: their derived ids share the prefix "ns-pid-".
    const u2 = spawn('unshare', ['--fork', '--pid', '--mount', '--mount-proc', `--root=${join(dir, 'rootfs')}`, '/bin/sleep', '600'], { stdio: 'ignore' });
    procs.push(u2);
    await waitFor(() => childrenOf(u2.pid as number)[0]);
    const amb = await ctrscope(['inspect', 'ns-pid-']);
    expect(amb.code).toBe(5);
    // Worded as enter words it (one target resolution for every command).
    const ambiguous = /^ctrscope: 'ns-pid-' is ambiguous \(id prefix\), it matches .+: give more of the id\n$/;
    expect(amb.stderr).toMatch(ambiguous);
    const enter = await ctrscope(['enter', '--net', 'ns-pid-', '--', 'true']);
    expect(enter.code).toBe(5);
    expect(enter.stderr).toMatch(ambiguous);
    expect(amb.stderr).toContain(`ns-pid-${sh('readlink', [`/proc/${inner}/ns/pid`]).replace(/\D/g, '')}`);
  });
});
