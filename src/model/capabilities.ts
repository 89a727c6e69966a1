/**
 * Capability masks as /proc/<pid>/status shows them (CapEff: 00000000a80425fb), decoded to names.
 * Bit numbers from include/uapi/linux/capability.h (capabilities(7)).
 */

export const CAPABILITY_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid',
  'setpcap', 'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw',
  'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct',
  'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod',
  'lease', 'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog',
  'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf', 'checkpoint_restore',
] as const;

/** Decode a hex mask; bits above the known names come back as `cap_<n>`. */
export function decodeCapabilities(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  const out: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((mask >> BigInt(bit)) & 1n) out.push(CAPABILITY_NAMES[bit] ?? `cap_${bit}`);
  }
  return out;
}

/** Docker's default set (moby oci/caps/defaults.go DefaultCapabilities). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid', 'setfcap',
  'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write',
];

/**
 * Podman's built-in default: default_capabilities in /usr/share/containers/containers.conf (as shipped
 * by containers/common and read on a Debian podman 4.3 host): docker's set minus mknod, net_raw
 * and audit_write. A host's /etc/containers/containers.conf may override it.
 */
export const PODMAN_DEFAULT_CAPS: readonly string[] = [
  'chown', 'dac_override', 'fowner', 'fsetid', 'kill', 'net_bind_service', 'setfcap', 'setgid', 'setpcap', 'setuid', 'sys_chroot',
];

/** Capabilities that give a process power over the host when held in the host user namespace. */
export const DANGEROUS_CAPS: Readonly<Record<string, string>> = {
  sys_admin: 'mount filesystems, use most namespace and device operations: close to full root',
  sys_module: 'load kernel modules: full control of the host kernel',
  sys_ptrace: 'trace and inject into any process it can see',
  sys_rawio: 'raw I/O port and device access',
  dac_read_search: 'bypass file read permission checks and open files by handle (host files via open_by_handle_at)',
  net_admin: 'reconfigure network interfaces, routes and firewall of its network namespace',
  sys_boot: 'reboot the host',
  sys_time: 'set the host clock',
  bpf: 'load BPF programs',
  perfmon: 'use perf events on any process',
  mac_admin: 'change LSM policy',
  mac_override: 'override LSM policy',
  syslog: 'read and clear the kernel log',
};
