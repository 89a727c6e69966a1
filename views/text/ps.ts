/** `ctrscope ps` as a text table. */
import type { Container } from '../../src/model/container.js';
import { shortId, type HostModel } from '../../src/model/host-model.js';
import type { NetRate } from '../../src/model/network.js';
import { containerKey } from '../../src/model/reconstruct.js';
import type { ContainerResources } from '../../src/model/resources.js';
import { resourceColumns } from './resources.js';
import { renderTable, type Column } from './table.js';

/** The pod column: name or short id, `*` for the infra container, `-` outside pods. */
export function podLabel(model: HostModel, c: Container): string {
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

/** Bytes per second, short: 0, 812, 12K, 3.4M. */
export function formatRate(bps: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let v = bps;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i > 0 && v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}

/** NET: receive/transmit bytes per second of the container's network namespace (lo excluded). */
export function netCell(v: NetRate | 'host' | null | undefined): string {
  if (v === 'host') return 'host';
  if (v === null || v === undefined) return '-';
  return `${formatRate(v.rxBytesPerSec)}/${formatRate(v.txBytesPerSec)}`;
}

/** Resources measured by `ps`; `rates`: CPU% was sampled. */
export interface PsResources {
  readonly byContainer: ReadonlyMap<string, ContainerResources>;
  readonly rates: boolean;
}

export function psColumns(model: HostModel, net?: ReadonlyMap<string, NetRate | 'host' | null>, resources?: PsResources): Column<Container>[] {
  return [
    { header: 'ID', value: (c) => shortId(c) },
    { header: 'NAME', flexible: true, value: (c) => c.name ?? '-' },
    { header: 'ENGINE', value: (c) => c.engine ?? '-' },
    { header: 'POD', flexible: true, value: (c) => podLabel(model, c) },
    { header: 'PID', align: 'right', value: (c) => String(c.pid) },
    { header: 'PROCS', align: 'right', value: (c) => String(c.processes.length) },
    ...(resources ? resourceColumns(resources.byContainer, resources.rates) : []),
    { header: 'IMAGE', flexible: true, value: (c) => c.image ?? '-' },
    { header: 'HOSTNS', value: (c) => notableHostNamespaces(c) },
    ...(net ? [{ header: 'NET', align: 'right' as const, value: (c: Container) => netCell(net.get(containerKey(c))) }] : []),
  ];
}

export function renderPs(model: HostModel, width = Infinity, net?: ReadonlyMap<string, NetRate | 'host' | null>, resources?: PsResources): string {
  return renderTable(psColumns(model, net, resources), model.containers, width);
}
