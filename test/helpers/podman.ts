/**
 * Podman for integration tests, rootful and rootless. Host quirks: podman needs `--runtime runc`
 * and ulimits within the hard limits of this machine, and `podman pod create` has no --ulimit
 * flag for its infra container, so a containers.conf (CONTAINERS_CONF) carries both for every
 * container podman starts.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfs, sh, shQuiet, waitFor } from './host.js';

export const PODMAN_RUN_FLAGS = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000'];

/** Write dir/containers.conf and a busybox rootfs.tar (importable rootless too) in dir; returns the conf path. */
export function podmanFiles(dir: string): string {
  chmodSync(dir, 0o755);
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]\n[engine]\nruntime = "runc"\n', { mode: 0o644 });
  busyboxRootfs(join(dir, 'rootfs'));
  // dev/null is a device node, which a rootless import cannot create; podman mounts /dev anyway.
  sh('sh', ['-c', `tar -C "${dir}/rootfs" --exclude=./dev/null -cf "${dir}/rootfs.tar" . && chmod 644 "${dir}/rootfs.tar"`]);
  return conf;
}

/** Every process of a uid, by pid (the rootless user's pause process, conmons, containers). */
export function pidsOfUid(uid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return statSync(`/proc/${e}`).uid === uid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

export interface RootlessUser {
  readonly user: string;
  readonly uid: number;
  readonly home: string;
  /** Run podman as the user, with the given containers.conf; returns trimmed stdout. */
  podman(...args: string[]): string;
  /** Remove the user's containers, processes, files and the user itself. */
  remove(): Promise<void>;
}

/**
 * A throw-away user (named `name`, at most 32 characters for useradd) with subordinate ids and
 * a runtime directory, ready for rootless podman.
 */
export function rootlessUser(name: string, conf: string): RootlessUser {
  sh('useradd', ['-m', '-s', '/bin/sh', name]);
  const uid = Number(sh('id', ['-u', name]).trim());
  const home = sh('sh', ['-c', `getent passwd "${name}" | cut -d: -f6`]).trim();
  // useradd allocates subordinate ids when login.defs asks it to; add them when it did not.
  for (const f of ['/etc/subuid', '/etc/subgid']) {
    if (!readFileSync(f, 'utf8').split('\n').some((l) => l.startsWith(`${name}:`))) writeFileSync(f, `${name}:${400000 + (process.pid % 1000) * 65536}:65536\n`, { flag: 'a' });
  }
  const runDir = `/run/user/${uid}`;
  sh('install', ['-d', '-m', '700', '-o', name, '-g', name, runDir]);
  const env = ['env', `HOME=${home}`, `XDG_RUNTIME_DIR=${runDir}`, `CONTAINERS_CONF=${conf}`, 'PATH=/usr/sbin:/usr/bin:/sbin:/bin'];
  return {
    user: name,
    uid,
    home,
    podman: (...args) => sh('runuser', ['-u', name, '--', ...env, 'podman', ...args], { env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' } }).trim(),
    remove: async () => {
      shQuiet('runuser', ['-u', name, '--', ...env, 'podman', 'rm', '-f', '-a', '-t', '0']);
      // The pause process (holder of the user namespace) and exiting conmons outlive `podman rm`;
      // end them by pid: they are all this user's.
      for (const pid of pidsOfUid(uid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await waitFor(() => (pidsOfUid(uid).length === 0 ? true : undefined), 10_000, `processes of ${name} to exit`).catch(() => undefined);
      // Container files belong to subordinate uids, so remove them as root before userdel.
      if (home.startsWith('/home/') && existsSync(home)) rmSync(home, { recursive: true, force: true });
      shQuiet('userdel', ['-f', name]);
      for (const f of ['/etc/subuid', '/etc/subgid']) {
        const lines = readFileSync(f, 'utf8').split('\n');
        const kept = lines.filter((l) => !l.startsWith(`${name}:`));
        if (kept.length !== lines.length) writeFileSync(f, kept.join('\n'));
      }
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
