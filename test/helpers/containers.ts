/**
 * What the kernel and the engines' own tools say about a container, for integration tests to
 * compare ctrscope with: namespace inodes, the pids of a cgroup, a busybox image imported into
 * docker, the rows of a text table, and the removal of a containerd namespace a test made.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NS_TYPES } from '../../src/model/namespace.js';
import { busyboxRootfs, CTR_ADDRESS, sh, shQuiet, waitFor } from './host.js';

/** Namespace inode per type, as /proc/<pid>/ns/* links say. */
export function nsInodes(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of NS_TYPES) out[t] = Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${t}`))?.[1]);
  return out;
}

/**
 * Pids in the cgroup of pid, from the kernel's cgroup.procs. The pids controller is used because
 * every engine here puts containers in it (v1 `/sys/fs/cgroup/pids` on this machine kind) and the
 * unified hierarchy when the host is pure v2.
 */
export function cgroupProcs(pid: number): number[] {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.find((l) => /^\d+:pids:/.test(l));
  const v2 = lines.find((l) => l.startsWith('0::'));
  const file = v1 ? `/sys/fs/cgroup/pids${v1.split(':')[2]}/cgroup.procs` : `/sys/fs/cgroup${v2?.slice(3) ?? '/'}/cgroup.procs`;
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map(Number).sort((a, b) => a - b);
}

/**
 * Remove an (empty) cgroup directory an engine created for us and left behind, in every
 * hierarchy; one that is absent or still in use stays.
 */
export function removeCgroupDir(path: string): void {
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    try {
      rmdirSync(join('/sys/fs/cgroup', ctrl, path));
    } catch {
      // not created in this hierarchy, or a process is still in it
    }
  }
}

/**
 * Remove cgroup directories a test made (absolute paths, children before parents): what is
 * still in them is killed, and each rmdir is retried while the kernel says it is busy (a killed
 * process leaves its cgroup only when it has exited, later on a loaded host), for up to waitMs.
 */
export async function removeTestCgroups(dirs: readonly string[], waitMs = 10_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (const dir of dirs) {
    for (;;) {
      try {
        for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // exited meanwhile
          }
        }
        rmdirSync(dir);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || Date.now() > deadline) throw new Error(`cannot remove the test's cgroup ${dir}: ${code ?? String(e)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

/** Build a busybox root in dir and `docker import` it as tag. */
export function dockerImportBusybox(tag: string, dir: string): void {
  const rootfs = join(dir, 'rootfs');
  busyboxRootfs(rootfs);
  sh('sh', ['-c', `tar -C "${rootfs}" -c . | docker import - "${tag}"`]);
}

/** Rows of a text table as header -> cell maps. Cells must not contain spaces (ids, names, pids). */
export function tableRows(text: string): Array<Record<string, string>> {
  const [header, ...rows] = text.split('\n').filter((l) => l.trim() !== '');
  const names = (header ?? '').trim().split(/\s+/);
  return rows.map((r) => {
    const cells = r.trim().split(/\s+/);
    if (cells.length !== names.length) throw new Error(`table row has ${cells.length} cells, header ${names.length}: ${r}`);
    return Object.fromEntries(names.map((n, i) => [n, cells[i] as string]));
  });
}

/**
 * A plain `runc run --detach` busybox container running `sleep 600`, its bundle under DIR/bundle
 * (`runc spec` with the resources given merged in); runc's output goes to DIR/runc.log.
 */
export function runcDetached(dir: string, id: string, resources: Record<string, unknown> = {}): void {
  const bundle = join(dir, 'bundle');
  busyboxRootfs(join(bundle, 'rootfs'));
  sh('runc', ['spec', '--bundle', bundle]);
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process: { terminal: boolean; args: string[] }; linux: { resources?: Record<string, unknown> } };
  config.process.terminal = false;
  config.process.args = ['sleep', '600'];
  config.linux.resources = { ...config.linux.resources, ...resources };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  const log = openSync(join(dir, 'runc.log'), 'a');
  try {
    const r = spawnSync('runc', ['run', '--detach', '--bundle', bundle, id], { stdio: ['ignore', log, log], timeout: 60_000 });
    if (r.status !== 0) throw new Error(`runc run: ${readFileSync(join(dir, 'runc.log'), 'utf8')}`);
  } finally {
    closeSync(log);
  }
}

/**
 * Remove a containerd namespace a test made (dockerd's containerd). containerd removes content
 * and snapshots by garbage collection, shortly after the images: the namespace can go only once
 * they have, and only if no other run still uses it, so this retries for a while and then gives up.
 */
export async function removeCtrNamespace(ns: string): Promise<void> {
  await waitFor(
    () => {
      shQuiet('ctr', ['--address', CTR_ADDRESS, 'namespaces', 'rm', ns]);
      return sh('ctr', ['--address', CTR_ADDRESS, 'namespaces', 'ls', '-q']).split('\n').includes(ns) ? undefined : true;
    },
    10_000,
    'containerd namespace removal',
  ).catch(() => undefined);
}

/**
 * Import the busybox image into a containerd namespace of dockerd's containerd (ctr cannot
 * import a directory): imported into docker as dockerTag, saved to dir/image.tar, removed from
 * docker again, and imported with ctr.
 */
export function ctrImportBusybox(ns: string, dockerTag: string, dir: string): void {
  dockerImportBusybox(dockerTag, dir);
  try {
    sh('docker', ['save', '-o', join(dir, 'image.tar'), dockerTag]);
  } finally {
    shQuiet('docker', ['rmi', dockerTag]);
  }
  sh('ctr', ['--address', CTR_ADDRESS, '-n', ns, 'images', 'import', join(dir, 'image.tar')]);
}
