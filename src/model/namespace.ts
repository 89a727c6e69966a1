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

/**
 * The inode numbers the kernel gives its initial namespaces (include/uapi/linux/nsfs.h, enum
 * init_ns_ino; before it, include/linux/proc_ns.h): fixed since Linux 3.8 for ipc, uts, user
 * and pid, since their types arrived for cgroup (4.6) and time (5.6), and for net and mnt only in
 * recent kernels (this machine's 6.18 has them; older ones number those two like any other
 * namespace). Every other namespace's number is allocated from 0xF0000000 up (fs/proc/generic.c
 * PROC_DYNAMIC_FIRST), so a link that reads one of these names the initial namespace of its
 * type, whatever the kernel.
 */
export const INITIAL_NS_INODES: Readonly<Record<NsLink, number>> = {
  ipc: 0xefffffff,
  uts: 0xeffffffe,
  user: 0xeffffffd,
  pid: 0xeffffffc,
  pid_for_children: 0xeffffffc,
  cgroup: 0xeffffffb,
  time: 0xeffffffa,
  time_for_children: 0xeffffffa,
  net: 0xeffffff9,
  mnt: 0xeffffff8,
};
