/**
 * Security posture of a container, from its first process: capabilities against the engine's
 * default set, seccomp, NoNewPrivs, LSM label, user namespace maps, host namespaces, privileged
 * detection and flagged mounts, summed up as findings ordered by severity. Pure.
 */
import { DANGEROUS_CAPS, CAPABILITY_NAMES, decodeCapabilities } from './capabilities.js';
import { engineRules, type Engine } from './engines.js';
import type { NsType } from './namespace.js';
import type { Process } from './process.js';

export interface IdMap {
  readonly inside: number;
  readonly outside: number;
  readonly count: number;
}

/** What the collector read beyond /proc/<pid>/status. null = unreadable (reason in `unavailable`). */
export interface SecurityInputs {
  readonly uidMap: readonly IdMap[] | null;
  readonly gidMap: readonly IdMap[] | null;
  /** LSM label text; null with lsmUnavailable 'none' when no LSM is active (EINVAL). */
  readonly lsmLabel: string | null;
  readonly lsmUnavailable: string | null;
  /** v1 devices cgroup `devices.list`: true when it allows every device (`a *:* rwm`). */
  readonly allDevices: boolean | null;
  /** Mounts an incident responder cares about (engine socket, host /, writable /sys...). */
  readonly flaggedMounts: ReadonlyArray<{ readonly mountPoint: string; readonly reason: string; readonly severity: Severity }>;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export interface Finding {
  readonly severity: Severity;
  readonly title: string;
  readonly detail: string;
}

export interface SecurityPosture {
  readonly capabilities: {
    readonly effective: readonly string[] | null;
    readonly bounding: readonly string[] | null;
    readonly engineDefault: readonly string[] | null;
    /** Effective capabilities beyond the engine's default set. */
    readonly added: readonly string[];
    /** Default capabilities the container does not have. */
    readonly dropped: readonly string[];
    readonly all: boolean;
  };
  readonly seccomp: { readonly mode: 'disabled' | 'strict' | 'filter' | null; readonly filters: number | null };
  readonly noNewPrivs: boolean | null;
  readonly lsm: { readonly label: string | null; readonly kind: 'apparmor' | 'selinux' | null; readonly confined: boolean | null; readonly unavailable: string | null };
  readonly user: {
    readonly privateNamespace: boolean;
    readonly uidMap: readonly IdMap[] | null;
    readonly gidMap: readonly IdMap[] | null;
    /** Host uid that uid 0 inside maps to (0 without a user namespace). */
    readonly rootMapsTo: number | null;
    /** Uid of the first process as the host sees it. */
    readonly hostUid: number | null;
  };
  readonly hostNamespaces: readonly NsType[];
  readonly privileged: boolean;
  readonly allDevices: boolean | null;
  readonly findings: readonly Finding[];
}

export function engineDefaultCaps(engine: Engine | null): readonly string[] | null {
  return engine === null ? null : engineRules(engine).defaultCapabilities;
}

function mapOf(map: readonly IdMap[] | null, id: number): number | null {
  if (!map) return null;
  for (const r of map) if (id >= r.inside && id < r.inside + r.count) return r.outside + (id - r.inside);
  return null;
}

const isIdentity = (m: readonly IdMap[] | null): boolean => m !== null && m.length === 1 && m[0]?.inside === 0 && m[0].outside === 0 && m[0].count === 4294967295;

export function deriveSecurity(init: Process, engine: Engine | null, hostNamespaces: readonly NsType[], inputs: SecurityInputs): SecurityPosture {
  const effective = init.capEff === null ? null : decodeCapabilities(init.capEff);
  const bounding = init.capBnd === null ? null : decodeCapabilities(init.capBnd);
  const def = engineDefaultCaps(engine);
  const added = effective && def ? effective.filter((c) => !def.includes(c)) : [];
  const dropped = effective && def ? def.filter((c) => !effective.includes(c)) : [];
  const all = effective !== null && CAPABILITY_NAMES.every((c) => effective.includes(c));
  const privateUser = !hostNamespaces.includes('user') && !isIdentity(inputs.uidMap);
  const rootMapsTo = privateUser ? mapOf(inputs.uidMap, 0) : 0;
  const hostUid = init.uids?.[1] ?? null;
  const label = inputs.lsmLabel;
  const lsmKind = label === null ? null : label.includes(':') && !label.includes(' (') ? 'selinux' : 'apparmor';
  const confined = label === null ? null : !/^unconfined\b/.test(label) && !/:unconfined_t:/.test(label) && !/:spc_t:/.test(label);
  const seccompMode = init.seccomp === null ? null : init.seccomp === 0 ? 'disabled' : init.seccomp === 1 ? 'strict' : 'filter';
  // Privileged = every capability in the host user namespace plus every device: what
  // `docker run --privileged` and `podman run --privileged` grant.
  const privileged = all && !privateUser && inputs.allDevices !== false;

  const findings: Finding[] = [];
  const add = (severity: Severity, title: string, detail: string): void => void findings.push({ severity, title, detail });
  if (privileged) {
    add('critical', 'privileged container', 'It has every capability in the host user namespace' + (inputs.allDevices ? ' and access to every device' : '') + ': a process inside can take over the host. Find out why it runs privileged and drop it.');
  }
  for (const m of inputs.flaggedMounts) add(m.severity, `mount ${m.mountPoint}`, m.reason);
  if (hostNamespaces.includes('pid')) add('high', 'host pid namespace', 'It sees every host process and can signal or trace those its capabilities allow (--pid host).');
  if (hostNamespaces.includes('net')) add('medium', 'host network', 'Its sockets listen on the host\'s interfaces and it can reach host-only services (--net host).');
  if (hostNamespaces.includes('ipc')) add('medium', 'host IPC namespace', 'It shares System V IPC and POSIX message queues with the host (--ipc host).');
  if (hostNamespaces.includes('mnt')) add('high', 'host mount namespace', 'It sees and can change the host\'s mounts.');
  if (!privileged) {
    for (const c of added) {
      const why = DANGEROUS_CAPS[c];
      if (why !== undefined) add(privateUser ? 'medium' : 'high', `capability ${c} added`, `Beyond the ${engine ?? 'engine'} default set: ${why}.${privateUser ? ' Limited to its own user namespace.' : ''}`);
    }
  }
  if (seccompMode === 'disabled') add(privateUser ? 'low' : 'medium', 'no seccomp filter', 'Every system call is allowed (seccomp=unconfined); engines apply a default filter unless told not to.');
  if (!privateUser && hostUid === 0) add('low', 'root without a user namespace', 'uid 0 inside is uid 0 on the host: a breakout lands as host root. Rootless engines or userns-remap avoid this.');
  if (init.noNewPrivs === false && hostUid !== 0) add('info', 'NoNewPrivs off', 'setuid binaries inside can raise privileges (no-new-privileges not set).');
  if (label !== null && confined === false) add('low', 'no LSM confinement', `The LSM label is "${label}".`);
  findings.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));

  return {
    capabilities: { effective, bounding, engineDefault: def, added, dropped, all },
    seccomp: { mode: seccompMode, filters: init.seccompFilters },
    noNewPrivs: init.noNewPrivs,
    lsm: { label, kind: lsmKind, confined, unavailable: inputs.lsmUnavailable },
    user: { privateNamespace: privateUser, uidMap: inputs.uidMap, gidMap: inputs.gidMap, rootMapsTo, hostUid },
    hostNamespaces,
    privileged,
    allDevices: inputs.allDevices,
    findings,
  };
}
