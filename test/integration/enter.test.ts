/**
 * `ctrscope enter` against real containers: hand-made unshare ones (one with its own user and
 * time namespaces, which goes through util-linux nsenter), runc, docker and podman. ctrscope runs
 * as a subprocess: enter changes the namespaces of the process that runs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtCli, runCli, startCli, type CliRun } from '../helpers/cli.js';
import { busyboxRootfs, childrenOf, describeWith, sh, shQuiet, testPrefix, waitFor } from '../helpers/host.js';

const prefix = testPrefix('enter');
const MARKER = `${prefix}-in-the-image`;
let dir = '';
let rootfs = '';
let hostMarker = '';

/** `ls -l /proc/self/ns/` as name -> "type:[inode]". */
function nsLinks(lsOutput: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of lsOutput.matchAll(/(\S+) -> (\w+:\[\d+\])/g)) out[m[1] as string] = m[2] as string;
  return out;
}

/** `ls -l /proc/self/fd` as fd numbers, less the one ls itself opened to list the directory. */
function openFds(lsOutput: string): number[] {
  return [...lsOutput.matchAll(/ (\d+) -> (\S+)/g)].filter((m) => !/^\/proc\/\d+\/fd$/.test(m[2] as string)).map((m) => Number(m[1])).sort((a, b) => a - b);
}

function ok(r: CliRun): string {
  if (r.code !== 0) throw new Error(`ctrscope exited ${r.code ?? r.signal}: ${r.stderr}`);
  return r.stdout;
}

/** A hand-made container: unshare forks, and its child (pid 1 inside) runs cmd. */
async function unshareContainer(args: string[], cmd: string): Promise<{ unshare: ChildProcess; pid: number }> {
  const unshare = spawn('unshare', ['--fork', '--pid', '--mount', '--uts', '--net', '--ipc', '--mount-proc', `--root=${rootfs}`, ...args, '/bin/sh', '-c', cmd], { stdio: 'ignore' });
  const pid = await waitFor(() => {
    const c = childrenOf(unshare.pid as number)[0];
    // ready once the shell has exec'd sleep
    return c !== undefined && readlinkSync(`/proc/${c}/exe`).endsWith('busybox') && readFileSync(`/proc/${c}/cmdline`, 'utf8').startsWith('sleep') ? c : undefined;
  });
  return { unshare, pid };
}

function kill(p: ChildProcess | undefined, pid: number): void {
  p?.kill('SIGKILL');
  try {
    if (pid) process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  rootfs = join(dir, 'rootfs');
  busyboxRootfs(rootfs);
  writeFileSync(join(rootfs, 'etc', 'marker'), MARKER);
  hostMarker = join(dir, 'host-only');
  writeFileSync(hostMarker, 'host filesystem');
  builtCli();
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describeWith(['root', 'unshare', 'nsenter'], 'enter: hand-made unshare containers', () => {
  let plain: { unshare: ChildProcess; pid: number } | undefined;
  let userns: { unshare: ChildProcess; pid: number } | undefined;

  beforeAll(async () => {
    plain = await unshareContainer([], 'hostname ctrscope-it-u; exec sleep 600');
    // A veth pair, both ends inside, with an address only this network namespace has.
    sh('nsenter', ['-t', String(plain.pid), '-n', 'sh', '-c', 'ip link add ctrscope-it0 type veth peer name ctrscope-it1 && ip addr add 10.213.7.1/24 dev ctrscope-it0 && ip link set ctrscope-it0 up']);
    // Its own user (root mapped to root) and time namespaces (boot clock 10 days ahead): the nsenter path.
    userns = await unshareContainer(['--user', '--map-root-user', '--time', '--boottime', '864000'], 'exec sleep 600');
  });

  afterAll(() => {
    kill(plain?.unshare, plain?.pid ?? 0);
    kill(userns?.unshare, userns?.pid ?? 0);
  });

  it('--net sees the container interfaces and addresses, with the host filesystem', () => {
    const pid = String(plain?.pid);
    const out = ok(runCli(['enter', '--net', pid, '--', 'sh', '-c', `cat /proc/net/dev; cat /proc/net/fib_trie; cat ${hostMarker}`]));
    expect(out).toContain('ctrscope-it0');
    expect(out).toContain('10.213.7.1');
    expect(out).toContain('host filesystem');
    // and the host's own interfaces are not there
    expect(readFileSync('/proc/net/dev', 'utf8')).not.toContain('ctrscope-it0');
  });

  it('--uts sees its hostname; the report names what was and was not joined', () => {
    const r = runCli(['enter', '--uts', String(plain?.pid), '--', 'hostname']);
    expect(ok(r).trim()).toBe('ctrscope-it-u');
    expect(r.stderr).toMatch(/joined uts;/);
    expect(r.stderr).toMatch(/not joined: ipc, net, pid, mnt/);
    expect(r.stderr).toMatch(/warning: not in its ipc, net, pid, mnt namespaces/);
    expect(runCli(['enter', '-q', '--uts', String(plain?.pid), '--', 'true']).stderr).toBe('');
  });

  it('--all equals nsenter --all, in-process and through nsenter for the user and time namespaces', () => {
    for (const c of [plain, userns]) {
      const pid = String(c?.pid);
      const ours = nsLinks(ok(runCli(['enter', '--all', pid, '--', 'ls', '-l', '/proc/self/ns/'])));
      const theirs = nsLinks(sh('nsenter', ['--all', '--target', pid, 'ls', '-l', '/proc/self/ns/']));
      expect(Object.keys(ours).sort()).toEqual(['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts']);
      expect(ours).toEqual(theirs);
    }
    // The time namespace is really joined: the boot clock runs 10 days ahead of the host's.
    const uptime = Number(ok(runCli(['enter', '-q', '--time', String(userns?.pid), '--', 'cat', '/proc/uptime'])).split(' ')[0]);
    const hostUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    expect(uptime - hostUptime).toBeGreaterThan(863_000);
  });

  it('only fds 0, 1 and 2 reach the command, even a host directory fd leaked to ctrscope', () => {
    // fd 100 open on a host directory, not close-on-exec: the leak of runc CVE-2024-21626.
    const leak = ['bash', '-c', 'exec 100<"$0" && exec "$@"', dir];
    for (const c of [plain, userns]) {
      const out = ok(runCli(['enter', '--all', String(c?.pid), '--', 'ls', '-l', '/proc/self/fd'], { wrapper: leak }));
      expect(openFds(out)).toEqual([0, 1, 2]);
    }
  });

  it('--mnt runs the shell its passwd names, in its root', () => {
    const r = runCli(['enter', '--mnt', '--pid', String(plain?.pid)], {});
    // stdin is /dev/null: the shell reads no command and exits 0.
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/joined pid, mnt/);
  });

  it('the exit code propagates and a signal death is re-raised', () => {
    expect(runCli(['enter', '-q', '--net', String(plain?.pid), '--', 'sh', '-c', 'exit 7']).code).toBe(7);
    const killed = runCli(['enter', '-q', '--net', String(plain?.pid), '--', 'sh', '-c', 'kill -TERM $$']);
    expect([killed.code, killed.signal]).toEqual([null, 'SIGTERM']);
  });

  it('a target that exits while entering gives a clean error and runs nothing', async () => {
    const victim = await unshareContainer([], 'exec sleep 600');
    const ran = join(dir, 'ran');
    try {
      const { child, done } = startCli(['enter', '--net', String(victim.pid), '--', 'touch', ran], { env: { ...process.env, CTRSCOPE_ENTER_STOP_BEFORE_JOIN: '1' } });
      // Stopped at the join point (state T), with every fd open.
      await waitFor(() => (readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T') ? true : undefined), 20_000, 'ctrscope to stop before joining');
      kill(victim.unshare, victim.pid);
      await waitFor(() => (existsSync(`/proc/${victim.pid}`) ? undefined : true), 10_000, 'the target to exit');
      child.kill('SIGCONT');
      const r = await done;
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`target pid ${victim.pid} exited while entering; nothing was run`));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(ran)).toBe(false);
    } finally {
      kill(victim.unshare, victim.pid);
    }
  });

  it('--started-at enters the pid only while it names the process chosen (top passes it): another start time is refused and nothing runs', () => {
    const pid = plain?.pid as number;
    // Field 22 of stat, the 20th after the command's closing parenthesis.
    const ticks = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19]);
    const ran = join(dir, 'ran-started-at');
    const reused = runCli(['enter', '--net', '--started-at', String(ticks + 1), String(pid), '--', 'touch', ran]);
    expect(reused.code).toBe(3);
    expect(reused.stderr).toContain(`started at ${ticks} ticks after boot, not ${ticks + 1}: the process chosen has exited (its pid may be another's now); nothing was run`);
    expect(reused.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(ran)).toBe(false);
    expect(runCli(['enter', '-q', '--net', '--started-at', String(ticks), String(pid), '--', 'touch', ran]).code).toBe(0);
    expect(existsSync(ran)).toBe(true);
    const bad = runCli(['enter', '--net', '--started-at', 'soon', String(pid), '--', 'true']);
    expect([bad.code, bad.stderr]).toEqual([2, 'ctrscope: --started-at soon: expected clock ticks since boot (field 22 of /proc/PID/stat)\n']);
  });

  it('refuses a non-root caller with one clear line', () => {
    const r = runCli(['enter', '--net', String(plain?.pid), '--', 'true'], { wrapper: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('ctrscope: enter needs root with CAP_SYS_ADMIN to join namespaces, and this is uid 65534: run it with sudo on the host\n');
  });
});

describeWith(['root', 'nsenter', 'docker'], 'enter: docker', () => {
  const name = prefix;
  const image = `${prefix}:1`;
  let pid = 0;

  beforeAll(() => {
    sh('sh', ['-c', `tar -C "${rootfs}" -c . | docker import - ${image}`]);
    sh('docker', ['run', '-d', '--name', name, '--hostname', 'ctrscope-it-dh', '--memory', '64m', image, 'sleep', '600']);
    pid = Number(sh('docker', ['inspect', '-f', '{{.State.Pid}}', name]).trim());
  });

  afterAll(() => {
    shQuiet('docker', ['rm', '-f', name]);
    shQuiet('docker', ['rmi', '-f', image]);
  });

  it('--net by name sees the address docker inspect reports, with the host filesystem', () => {
    const ip = sh('docker', ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name]).trim();
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const out = ok(runCli(['enter', '--net', name, '--', 'sh', '-c', `cat /proc/net/fib_trie; cat ${hostMarker}`]));
    expect(out).toContain(ip);
    expect(out).toContain('host filesystem');
  });

  it('--mnt --pid by id prefix sees the image filesystem and its own PID 1', () => {
    const id = sh('docker', ['inspect', '-f', '{{.Id}}', name]).trim();
    const cmd = JSON.parse(sh('docker', ['inspect', '-f', '{{json .Config.Cmd}}', name])) as string[];
    const out = ok(runCli(['enter', '--mnt', '--pid', id.slice(0, 8), '--', 'sh', '-c', 'cat /etc/marker; echo; tr "\\0" " " </proc/1/cmdline; echo; echo $$; ls /proc | grep -c "^[0-9]"']));
    const [marker, init, self, count] = out.trim().split('\n');
    expect(marker).toBe(MARKER);
    expect(init?.trim()).toBe(cmd.join(' '));
    expect(Number(self)).toBeGreaterThan(1);
    expect(Number(count)).toBeLessThan(6);
  });

  it('--uts sees the hostname docker inspect reports', () => {
    const hostname = sh('docker', ['inspect', '-f', '{{.Config.Hostname}}', name]).trim();
    expect(ok(runCli(['enter', '-q', '--uts', name, '--', 'hostname'])).trim()).toBe(hostname);
  });

  it('--all equals nsenter --all', () => {
    const ours = nsLinks(ok(runCli(['enter', '--all', name, '--', 'ls', '-l', '/proc/self/ns/'])));
    expect(ours).toEqual(nsLinks(sh('nsenter', ['--all', '--target', String(pid), 'ls', '-l', '/proc/self/ns/'])));
  });

  it('--join-cgroup lands in the container cgroup of every hierarchy; without it, a warning', () => {
    const theirs = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    const joined = runCli(['enter', '--net', '--join-cgroup', name, '--', 'cat', '/proc/self/cgroup']);
    expect(ok(joined)).toBe(theirs);
    expect(joined.stderr).toMatch(/moved into its cgroups/);
    expect(joined.stderr).not.toMatch(/limits do not apply/);
    const kept = runCli(['enter', '--net', name, '--', 'cat', '/proc/self/cgroup']);
    expect(ok(kept)).not.toBe(theirs);
    expect(kept.stderr).toMatch(/warning: not in the container's cgroup \(\/docker\/[0-9a-f]{64}\): its memory, cpu and pids limits do not apply/);
  });

  it('--all --join-cgroup leaves only fds 0, 1 and 2 to the command', () => {
    expect(openFds(ok(runCli(['enter', '-q', '--all', '--join-cgroup', name, '--', 'ls', '-l', '/proc/self/fd'])))).toEqual([0, 1, 2]);
  });

  it('refuses a working directory outside the container root, and --target-wd is inside', () => {
    const r = runCli(['enter', '-q', '--mnt', '--wd', dir, name, '--', 'true']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(`ctrscope: working directory ${dir} is outside the root directory of the entered process; choose one inside it\n`);
    const cwd = sh('docker', ['inspect', '-f', '{{.Config.WorkingDir}}', name]).trim() || '/';
    expect(ok(runCli(['enter', '-q', '--mnt', '--target-wd', name, '--', 'pwd'])).trim()).toBe(cwd);
  });

  it('a command missing from the container is exit 127 with one line', () => {
    const r = runCli(['enter', '-q', '--mnt', name, '--', '/ctrscope-it-nonexistent']);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('ctrscope: command not found in the container: /ctrscope-it-nonexistent\n');
  });
});

describeWith(['root', 'nsenter', 'runc'], 'enter: runc', () => {
  const id = prefix;
  let pid = 0;
  let hostname = '';

  beforeAll(() => {
    const bundle = join(dir, 'runc');
    sh('mkdir', ['-p', bundle]);
    sh('runc', ['spec', '--bundle', bundle]);
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { terminal: boolean; args: string[] }; root: { path: string }; hostname: string };
    spec.process.terminal = false;
    spec.process.args = ['sleep', '600'];
    spec.root.path = rootfs;
    spec.hostname = 'ctrscope-it-rh';
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    hostname = spec.hostname;
    // Detached runc hands its stdio to the container: give it none, or it holds our pipes open.
    expect(spawnSync('runc', ['run', '-d', '--bundle', bundle, id], { stdio: 'ignore', timeout: 60_000 }).status).toBe(0);
    pid = (JSON.parse(sh('runc', ['state', id])) as { pid: number }).pid;
  });

  afterAll(() => {
    shQuiet('runc', ['kill', id, 'KILL']);
    shQuiet('runc', ['delete', '-f', id]);
  });

  it('--uts by runc id sees the hostname of its config', () => {
    expect(ok(runCli(['enter', '-q', '--uts', id, '--', 'hostname'])).trim()).toBe(hostname);
  });

  it('--all equals nsenter --all', () => {
    const ours = nsLinks(ok(runCli(['enter', '--all', id, '--', 'ls', '-l', '/proc/self/ns/'])));
    expect(ours).toEqual(nsLinks(sh('nsenter', ['--all', '--target', String(pid), 'ls', '-l', '/proc/self/ns/'])));
    expect(ours['pid']).toBe(readlinkSync(`/proc/${pid}/ns/pid`));
  });
});

describeWith(['root', 'nsenter', 'podman'], 'enter: podman', () => {
  const name = prefix;
  const image = `localhost/${prefix}:1`;
  let pid = 0;

  beforeAll(() => {
    sh('sh', ['-c', `tar -C "${rootfs}" -c . | podman import - ${image}`]);
    sh('podman', ['run', '-d', '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000', '--network', 'none', '--name', name, image, 'sleep', '600']);
    pid = Number(sh('podman', ['inspect', '-f', '{{.State.Pid}}', name]).trim());
  });

  afterAll(() => {
    shQuiet('podman', ['rm', '-f', '-t', '0', name]);
    shQuiet('podman', ['rmi', '-f', image]);
  });

  it('--all by name equals nsenter --all, and --mnt sees the image', () => {
    const ours = nsLinks(ok(runCli(['enter', '--all', name, '--', 'ls', '-l', '/proc/self/ns/'])));
    expect(ours).toEqual(nsLinks(sh('nsenter', ['--all', '--target', String(pid), 'ls', '-l', '/proc/self/ns/'])));
    expect(ok(runCli(['enter', '-q', '--mnt', name, '--', 'cat', '/etc/marker']))).toBe(MARKER);
  });
});
