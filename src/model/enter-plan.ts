/**
 * What `ctrscope enter` joins, decided from the flags, the kernel and the target. Pure: the
 * action (src/actions/enter.ts) opens, verifies and joins; this says what and in which order,
 * and what the entered process will lack compared with the container.
 */
import { NS_TYPES, type NsSet, type NsType } from './namespace.js';

/**
 * Join order, from util-linux nsenter.c `namespace_files[]`: user first or last (the two-pass
 * rule, done by nsenter itself in the user case), mnt after pid and net so that paths of the
 * earlier ns files never resolve inside the container, time last.
 */
export const JOIN_ORDER: readonly NsType[] = ['user', 'cgroup', 'ipc', 'uts', 'net', 'pid', 'mnt', 'time'];

/**
 * setns(2) of these types is refused to a multithreaded caller, which Node always is: user with
 * EINVAL (kernel/user_namespace.c userns_install: thread_group_empty), time with EUSERS
 * (kernel/time/namespace.c timens_install: current_is_single_threaded).
 */
export const SINGLE_THREADED_TYPES: readonly NsType[] = ['user', 'time'];

export interface EnterFlags {
  /** Types named one by one (--net, -m, ...). */
  readonly types: readonly NsType[];
  readonly all: boolean;
  readonly noUser: boolean;
}

/**
 * The types to open for the target: the named ones, or with --all every type this kernel has
 * (less user with --no-user). For a pod, --all means the namespaces its containers share.
 * Named types the kernel lacks are returned apart: that is an error, not a silent skip.
 */
export function requestedTypes(flags: EnterFlags, supported: ReadonlySet<NsType>, podShared: readonly NsType[] | null): { types: NsType[]; unsupported: NsType[] } {
  const named = new Set(flags.types);
  const unsupported = JOIN_ORDER.filter((t) => named.has(t) && !supported.has(t));
  const wanted = new Set(named);
  if (flags.all) for (const t of podShared ?? NS_TYPES) if (supported.has(t) && !(flags.noUser && t === 'user')) wanted.add(t);
  return { types: JOIN_ORDER.filter((t) => wanted.has(t) && supported.has(t)), unsupported };
}

export type NsOutcome =
  /** setns into the target's namespace. */
  | 'join'
  /** The target is in the caller's own namespace of this type: nothing to join (for user and time, setns would even fail). */
  | 'same'
  /** The target has its own namespace of this type, and it was not asked for. */
  | 'not-requested'
  | 'unsupported';

/** Per type: join, already the same, or left alone. Unknown inodes count as different. */
export function decideOutcomes(types: readonly NsType[], target: NsSet, own: NsSet, supported: ReadonlySet<NsType>): Record<NsType, NsOutcome> {
  const out = {} as Record<NsType, NsOutcome>;
  for (const t of JOIN_ORDER) {
    if (!supported.has(t)) out[t] = 'unsupported';
    else if (target[t] !== undefined && target[t] === own[t]) out[t] = 'same';
    else out[t] = types.includes(t) ? 'join' : 'not-requested';
  }
  return out;
}

/** Does joining need a single-threaded process (util-linux nsenter, see src/actions/enter.ts)? */
export function needsSingleThreaded(outcomes: Readonly<Record<NsType, NsOutcome>>): boolean {
  return SINGLE_THREADED_TYPES.some((t) => outcomes[t] === 'join');
}

export interface ConfinementInput {
  readonly outcomes: Readonly<Record<NsType, NsOutcome>>;
  /** The target's cgroup path when it is not the caller's, null when the same or unknown. */
  readonly cgroupPath: string | null;
  readonly joinCgroup: boolean;
  /** The target's seccomp mode (2 = filter) and bounding set; null when unknown. */
  readonly seccomp: number | null;
  readonly capBnd: string | null;
  /** The caller's bounding set. */
  readonly ownCapBnd: string | null;
}

/**
 * Where the entered process is less confined than the target, one short phrase each: its own
 * namespaces not joined, its cgroup (limits) not joined, and privileges that enter never copies
 * (seccomp filter, capability bounding set): the command runs with ctrscope's own.
 */
export function confinementGaps(i: ConfinementInput): string[] {
  const out: string[] = [];
  const kept = JOIN_ORDER.filter((t) => i.outcomes[t] === 'not-requested');
  if (kept.length > 0) out.push(`not in its ${kept.join(', ')} namespace${kept.length > 1 ? 's' : ''}: the host's are kept`);
  if (i.cgroupPath !== null && !i.joinCgroup) out.push(`not in the container's cgroup (${i.cgroupPath}): its memory, cpu and pids limits do not apply (--join-cgroup to apply them)`);
  const extra: string[] = [];
  if (i.seccomp === 2) extra.push('no seccomp filter');
  if (i.capBnd !== null && i.ownCapBnd !== null && (BigInt(`0x${i.ownCapBnd}`) & ~BigInt(`0x${i.capBnd}`)) !== 0n) extra.push('capabilities it was denied');
  if (extra.length > 0) out.push(`runs with ctrscope's privileges, unlike the target: ${extra.join(', ')}`);
  return out;
}
