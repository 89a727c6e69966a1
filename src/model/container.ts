import type { CgroupMode } from './cgroup.js';
import type { Engine, MonitorInfo, PodKind } from './engines.js';
import type { NsSet, NsType } from './namespace.js';

/** How a process came to be counted in a container. */
export type Membership =
  /** Its cgroup is the container's engine cgroup (or below it). */
  | 'cgroup'
  /** A child of the container's monitor (shim, conmon, lxc monitor, nspawn). */
  | 'monitor'
  /** The init a runc/crun state file names (plain `runc run`, no monitor, no engine cgroup). */
  | 'runtime-state'
  /** A descendant of a member, still inside the container's pid or mount namespace. */
  | 'descendant'
  /** Not related by cgroup or parentage, but in every namespace of the container (nsenter -a). */
  | 'namespaces'
  /** Engine-less container found from its private namespaces alone. */
  | 'private-namespaces';

export interface ContainerProcess {
  readonly pid: number;
  /** NSpid: pid in each pid namespace, host first; the last one is the in-container pid. */
  readonly nspid: readonly number[] | null;
  readonly via: Membership;
}

export interface PartialMember {
  readonly pid: number;
  readonly comm: string;
  /** Which of the container's private namespaces the process shares. */
  readonly shared: readonly NsType[];
}

export interface KubernetesIdentity {
  readonly podUid: string | null;
  readonly podName: string | null;
  readonly namespace: string | null;
  readonly containerName: string | null;
  /** 'sandbox' for the pause/infra container, 'container' for workloads. */
  readonly containerType: 'sandbox' | 'container' | null;
}

/** What an engine's on-disk bookkeeping says about a container, read-only. */
export interface EngineMetadata {
  readonly name?: string | null;
  readonly image?: string | null;
  readonly imageId?: string | null;
  readonly runtime?: string | null;
  readonly createdAt?: string | null;
  readonly startedAt?: string | null;
  readonly labels?: Readonly<Record<string, string>>;
  readonly podId?: string | null;
  readonly podName?: string | null;
  /** This container is its pod's infra / pause / sandbox container. */
  readonly infra?: boolean;
  readonly kubernetes?: KubernetesIdentity;
  /** Host path of the file(s) this came from. */
  readonly sources: readonly string[];
}

export interface Container {
  /** Engine's full id; for engine-less containers `ns-<type>-<inode>` of the namespace that defines it. */
  readonly id: string;
  readonly idKind: 'engine' | 'derived';
  readonly name: string | null;
  readonly engine: Engine | null;
  readonly runtime: string | null;
  readonly image: string | null;
  /** argv of the first process (or `[comm]` when unreadable). */
  readonly command: readonly string[];
  /** Key of the pod in HostModel.pods, or null. */
  readonly pod: string | null;
  readonly kubernetes: KubernetesIdentity | null;
  /** Host pid of the container's first process. */
  readonly pid: number;
  readonly processes: readonly ContainerProcess[];
  readonly namespaces: NsSet;
  /** Types whose namespace is the host's own (e.g. ['net'] for --net host). */
  readonly hostNamespaces: readonly NsType[];
  readonly cgroup: { readonly mode: CgroupMode | null; readonly path: string | null };
  readonly monitor: (MonitorInfo & { readonly pid: number }) | null;
  readonly partialMembers: readonly PartialMember[];
  readonly metadata: EngineMetadata | null;
  /** Why this was recognised, in words: "cgroup /docker/<id>", "child of conmon 812", ... */
  readonly evidence: readonly string[];
  /** Start time of the first process, clock ticks after boot. */
  readonly starttimeTicks: number;
}

export interface Pod {
  readonly key: string;
  readonly kind: PodKind | 'shared-namespaces';
  readonly id: string;
  readonly name: string | null;
  readonly members: readonly string[];
  readonly infra: string | null;
  /** Namespace types all members share (net, ipc, uts...). */
  readonly sharedNamespaces: readonly NsType[];
}
