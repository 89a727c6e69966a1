/** `ctrscope ps` as a text table. */
import type { Container } from '../../src/model/container.js';
import { shortId, type HostModel } from '../../src/model/host-model.js';
import { renderTable, type Column } from './table.js';

function podLabel(model: HostModel, c: Container): string {
  if (c.pod === null) return '-';
  const pod = model.pods.find((p) => p.key === c.pod);
  if (!pod) return '-';
  const label = pod.name ?? (/^[0-9a-f]{64}$/.test(pod.id) ? pod.id.slice(0, 12) : pod.id);
  return pod.infra !== null && pod.infra === `${c.engine ?? 'none'}/${c.id}` ? `${label}*` : label;
}

/**
 * The namespaces engines normally make private, when shared with the host (`--net host`...).
 * user, cgroup and time are shared by most containers on most hosts (no userns remap, cgroupns
 * host on v1, time namespaces unused), so the column leaves them to --json and inspect.
 */
const ISOLATING = ['mnt', 'uts', 'ipc', 'net', 'pid'] as const;
export function notableHostNamespaces(c: Container): string {
  const shared = ISOLATING.filter((t) => c.hostNamespaces.includes(t));
  return shared.length === 0 ? '-' : shared.join(',');
}

export function psColumns(model: HostModel): Column<Container>[] {
  return [
    { header: 'ID', value: (c) => shortId(c) },
    { header: 'NAME', flexible: true, value: (c) => c.name ?? '-' },
    { header: 'ENGINE', value: (c) => c.engine ?? '-' },
    { header: 'POD', flexible: true, value: (c) => podLabel(model, c) },
    { header: 'PID', align: 'right', value: (c) => String(c.pid) },
    { header: 'PROCS', align: 'right', value: (c) => String(c.processes.length) },
    { header: 'IMAGE', flexible: true, value: (c) => c.image ?? '-' },
    { header: 'HOSTNS', value: (c) => notableHostNamespaces(c) },
  ];
}

export function renderPs(model: HostModel, width = Infinity): string {
  return renderTable(psColumns(model), model.containers, width);
}
