/**
 * Interface index ↔ name, from the /proc/<pid>/net files that print it (net/dev has no index):
 *  - dev_mcast (net/core/net-procfs.c dev_mc_seq_show, "%-4d %-15s %-5d %-5d %*phN"), one line per
 *    multicast address of an up interface:   2    eth0            1     0     333300000001
 *  - igmp (net/ipv4/igmp.c igmp_mc_seq_show), "Idx\tDevice    : Count Querier" then per device
 *    "2\teth0      :     1      V3" followed by indented group lines; lists IPv4 devices, lo too.
 * Both are partial (up, multicast, IPv4); callers merge them with if_inet6 and sysfs.
 */
export interface IfIndexName {
  readonly ifindex: number;
  readonly name: string;
}

export function parseDevMcast(text: string): IfIndexName[] {
  const out: IfIndexName[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // Some kernels briefly printed a header line; skip anything not starting with a number.
    if (f.length < 2 || !/^\d+$/.test(f[0] as string)) continue;
    out.push({ ifindex: Number(f[0]), name: f[1] as string });
  }
  return out;
}

export function parseIgmp(text: string): IfIndexName[] {
  const out: IfIndexName[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(\S+?)\s*:/.exec(line);
    if (m) out.push({ ifindex: Number(m[1]), name: m[2] as string });
  }
  return out;
}
