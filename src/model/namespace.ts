/** Namespace kinds and identities. Pure model: no I/O. */

export const NS_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
export type NsType = (typeof NS_TYPES)[number];
/** The links read per process: the 8 types plus the two *_for_children views. */
export const NS_LINKS = [...NS_TYPES, 'pid_for_children', 'time_for_children'] as const;
export type NsLink = (typeof NS_LINKS)[number];

/** Namespace inode per type; a missing key means unreadable (denied, gone) or unsupported. */
export type NsSet = Partial<Record<NsLink, number>>;

export function isNsType(s: string): s is NsType {
  return (NS_TYPES as readonly string[]).includes(s);
}
