/**
 * A container's filesystem as the kernel shows it: the root filesystem (overlay layers resolved
 * to real directories and engine layer ids) and every other mount with its host-side source.
 * Pure: types and the flag rules; collectors/filesystem.ts fills them.
 */
import type { Gap } from './gap.js';
import { isWithin } from './path.js';

export type MountKind = 'bind' | 'volume' | 'tmpfs' | 'proc' | 'sysfs' | 'cgroup' | 'devpts' | 'mqueue' | 'devtmpfs' | 'overlay' | 'nsfs' | 'other';

/** What an incident responder looks for first. */
export type MountFlag =
  /** The engine's API socket (docker.sock, podman.sock, containerd.sock, crio.sock): host root in practice. */
  | 'engine-socket'
  /** /proc/sys or /sys writable: kernel tunables of the host (sysctl) or sysfs writes. */
  | 'writable-proc-sys'
  | 'writable-sys'
  /** A host directory such as /, /etc, /var/run mounted in. */
  | 'sensitive-host-path'
  /** A device node or the host's devtmpfs. */
  | 'device';

export interface Layer {
  /** The path as the overlay options name it (absolute; docker/storage short links `l/<id>`). */
  readonly path: string;
  /** The real directory after resolving short links; null when the link does not resolve. */
  readonly dir: string | null;
  /** Engine layer id: docker chain id `sha256:…`, containers/storage layer id; null where unknown. */
  readonly layerId: string | null;
  /** Docker's `<mount-id>-init` layer, the container's own writable layer, or an image layer. */
  readonly role: 'image' | 'init' | 'container' | null;
  /** Why dir or layerId is missing. */
  readonly gap?: Gap;
}

export interface UpperSize {
  readonly bytes: number;
  readonly files: number;
  /** overlayfs whiteouts: 0/0 character devices (Documentation/filesystems/overlayfs.rst "whiteouts"). */
  readonly whiteouts: number;
  /** false when the time bound stopped the walk (then the figures are lower bounds). */
  readonly complete: boolean;
  readonly reason: string | null;
}

export interface OverlayRoot {
  /** Top layer first, as overlayfs stacks them. */
  readonly lowerdirs: readonly Layer[];
  readonly dataDirs: readonly Layer[];
  readonly upperdir: Layer | null;
  readonly workdir: string | null;
  readonly index: boolean | null;
  readonly metacopy: boolean | null;
  readonly redirectDir: string | null;
  readonly volatile: boolean;
  readonly userxattr: boolean;
}

export interface RootFs {
  readonly fsType: string;
  readonly source: string;
  readonly readOnly: boolean;
  /** Where the host mount namespace has the same filesystem mounted (overlay: the merged dir). */
  readonly hostPath: string | null;
  readonly overlay: OverlayRoot | null;
  /** Only with --sizes. */
  readonly upperSize?: UpperSize;
}

export interface ContainerMount {
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
  /** Path inside the source filesystem (a bind's subdirectory). */
  readonly root: string;
  /** The same directory as the host mount namespace names it; null for container-only filesystems. */
  readonly hostSource: string | null;
  readonly readOnly: boolean;
  readonly kind: MountKind;
  readonly flags: readonly MountFlag[];
}

export interface ContainerFs {
  readonly mntNs: number | null;
  readonly rootfs: RootFs | null;
  readonly mounts: readonly ContainerMount[];
  readonly gaps: readonly Gap[];
}

const ENGINE_SOCKETS = new Set(['docker.sock', 'podman.sock', 'containerd.sock', 'crio.sock', 'cri-dockerd.sock', 'dockershim.sock']);
const SENSITIVE = ['/', '/etc', '/var/run', '/run', '/proc', '/sys', '/dev', '/root', '/home', '/boot', '/usr', '/lib/modules', '/var/lib/docker', '/var/lib/containers', '/var/lib/containerd', '/var/lib/kubelet', '/var/log'];
const DEVICE_DIRS_OK = ['/dev/pts', '/dev/shm', '/dev/mqueue'];

/** Flags of one mount, given the container's other mounts (a ro /proc/sys masks a rw /proc). */
export function mountFlags(m: Omit<ContainerMount, 'flags'>, all: readonly Omit<ContainerMount, 'flags'>[]): MountFlag[] {
  return mountFlagsIn(m, procSysMasked(all));
}

/** Whether a container's mounts include a read-only /proc/sys, which masks the sysctls of a writable /proc. */
export function procSysMasked(all: readonly Pick<ContainerMount, 'mountPoint' | 'readOnly'>[]): boolean {
  return all.some((o) => o.mountPoint === '/proc/sys' && o.readOnly);
}

/** Flags of one mount of a container whose mounts do or do not include a read-only /proc/sys (procSysMasked). */
export function mountFlagsIn(m: Omit<ContainerMount, 'flags'>, procSysMasked: boolean): MountFlag[] {
  const flags: MountFlag[] = [];
  const base = (m.hostSource ?? m.root).split('/').pop() ?? '';
  if (ENGINE_SOCKETS.has(base) || ENGINE_SOCKETS.has(m.mountPoint.split('/').pop() ?? '')) flags.push('engine-socket');
  if (!m.readOnly && m.kind === 'proc' && m.mountPoint === '/proc' && !procSysMasked) flags.push('writable-proc-sys');
  if (!m.readOnly && m.mountPoint === '/proc/sys') flags.push('writable-proc-sys');
  if (!m.readOnly && m.kind === 'sysfs' && m.mountPoint === '/sys') flags.push('writable-sys');
  if (m.hostSource !== null && (m.kind === 'bind' || m.kind === 'volume') && SENSITIVE.includes(m.hostSource)) flags.push('sensitive-host-path');
  const devSource = m.hostSource !== null && isWithin(m.hostSource, '/dev') && !DEVICE_DIRS_OK.some((d) => isWithin(m.hostSource as string, d));
  if (m.kind === 'devtmpfs' || (m.kind === 'bind' && devSource)) flags.push('device');
  return flags;
}

export function classifyMount(fsType: string, root: string, hostSource: string | null): MountKind {
  switch (fsType) {
    case 'proc':
      return 'proc';
    case 'sysfs':
      return 'sysfs';
    case 'cgroup':
    case 'cgroup2':
      return 'cgroup';
    case 'devpts':
      return 'devpts';
    case 'mqueue':
      return 'mqueue';
    case 'nsfs':
      return 'nsfs';
    case 'devtmpfs':
      return 'devtmpfs';
    default:
      break;
  }
  // Docker's `<data-root>/volumes/<name>/_data`, podman's `<graphroot>/volumes/<name>/_data`.
  if (hostSource !== null && /\/volumes\/[^/]+\/_data(\/|$)/.test(hostSource)) return 'volume';
  if (fsType === 'tmpfs') return hostSource !== null && root !== '/' ? 'bind' : 'tmpfs';
  if (fsType === 'overlay' && root === '/') return 'overlay';
  return root !== '/' || hostSource !== null ? 'bind' : 'other';
}
