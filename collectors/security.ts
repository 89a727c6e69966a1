/**
 * What the security posture needs beyond /proc/<pid>/status: id maps, the LSM label, and on
 * cgroup v1 the devices controller's allow list (`devices.list`; `a *:* rwm` = every device, as
 * --privileged sets). Cgroup v2 enforces device access with a BPF program that cannot be read
 * back as text, so allDevices is null there.
 */
import type { CgroupLine } from '../src/model/cgroup.js';
import type { SecurityInputs } from '../src/model/security.js';
import { cgroupDir, mountForLine, type CgroupLayout } from './cgroupfs/layout.js';
import type { HostRoot } from './host-root.js';
import { readProcessSecurityFiles } from './procfs/pid-security.js';

export function readAllDevices(root: HostRoot, layout: CgroupLayout, cgroups: readonly CgroupLine[] | null): boolean | null {
  const line = cgroups?.find((l) => l.controllers.includes('devices'));
  if (!line) return null;
  const mount = mountForLine(layout, line);
  const dir = mount ? cgroupDir(mount, line.path) : null;
  if (dir === null) return null;
  const r = root.readText(`${dir}/devices.list`);
  if (!r.ok) return null;
  return r.value.split('\n').some((l) => l.trim() === 'a *:* rwm');
}

export function collectSecurityInputs(
  root: HostRoot,
  layout: CgroupLayout,
  pid: number,
  cgroups: readonly CgroupLine[] | null,
  flaggedMounts: SecurityInputs['flaggedMounts'] = [],
): SecurityInputs {
  const f = readProcessSecurityFiles(root, pid);
  let lsmUnavailable: string | null = null;
  if (!f.lsmLabel.ok) {
    // EINVAL from attr/current means no LSM is active at all.
    lsmUnavailable = f.lsmLabel.gap.detail === 'EINVAL' ? 'none' : f.lsmLabel.gap.reason;
  }
  return {
    uidMap: f.uidMap.ok ? f.uidMap.value : null,
    gidMap: f.gidMap.ok ? f.gidMap.value : null,
    lsmLabel: f.lsmLabel.ok ? f.lsmLabel.value : null,
    lsmUnavailable,
    allDevices: readAllDevices(root, layout, cgroups),
    flaggedMounts,
  };
}
