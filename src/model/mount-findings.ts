/** Turn flagged mounts into security findings an on-call engineer can act on. Pure. */
import type { ContainerFs } from './mount.js';
import type { SecurityInputs, Severity } from './security.js';

export function flaggedMounts(fs: ContainerFs | null): SecurityInputs['flaggedMounts'] {
  if (!fs) return [];
  const out: Array<{ mountPoint: string; reason: string; severity: Severity }> = [];
  for (const m of fs.mounts) {
    const src = m.hostSource ?? m.source;
    for (const f of m.flags) {
      if (f === 'engine-socket') out.push({ mountPoint: m.mountPoint, severity: 'critical', reason: `the engine socket ${src} is mounted: anything in the container can drive the engine and so start a privileged container on the host` });
      else if (f === 'writable-proc-sys') out.push({ mountPoint: m.mountPoint, severity: 'high', reason: 'is writable: the container can change kernel settings (sysctl) for the host' });
      else if (f === 'writable-sys') out.push({ mountPoint: m.mountPoint, severity: 'high', reason: 'is writable: the container can write host sysfs (devices, cgroups, kernel parameters)' });
      else if (f === 'sensitive-host-path') out.push({ mountPoint: m.mountPoint, severity: m.readOnly ? 'medium' : 'high', reason: `host path ${src} is mounted ${m.readOnly ? 'read-only: the container can read it' : 'read-write: the container can change it'}` });
      else if (f === 'device') out.push({ mountPoint: m.mountPoint, severity: 'medium', reason: `host device ${src} is available inside` });
    }
  }
  return out;
}
