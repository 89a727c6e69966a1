/** `ctrscope ps` as a text table. */
import type { Container } from '../../src/model/container.js';
import { shortId, type HostModel } from '../../src/model/host-model.js';
import type { NetRate } from '../../src/model/network.js';
import { isUnknown } from '../../src/model/resources.js';
import type { Observation } from '../../src/observe/observation.js';
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

/** NET of a container in an observation: `host`, its namespace's rate, or null without one. */
export function containerNet(obs: Observation, c: Container): NetRate | 'host' | null {
  if (c.hostNamespaces.includes('net')) return 'host';
  const rate = c.namespaces.net === undefined ? undefined : obs.network.get(c.namespaces.net)?.rate;
  return rate === undefined || isUnknown(rate) ? null : rate;
}

/** `rates`: rates were sampled (CPU% is shown). */
export function psColumns(obs: Observation, opts: { rates: boolean }): Column<Container>[] {
  const model = obs.model;
  return [
    { header: 'ID', value: (c) => shortId(c) },
    { header: 'NAME', flexible: true, value: (c) => c.name ?? '-' },
    { header: 'ENGINE', value: (c) => c.engine ?? '-' },
    { header: 'POD', flexible: true, value: (c) => podLabel(model, c) },
    { header: 'PID', align: 'right', value: (c) => String(c.pid) },
    { header: 'PROCS', align: 'right', value: (c) => String(c.processes.length) },
    ...resourceColumns(obs.resources, opts.rates),
    { header: 'IMAGE', flexible: true, value: (c) => c.image ?? '-' },
    { header: 'HOSTNS', value: (c) => notableHostNamespaces(c) },
    { header: 'NET', align: 'right', value: (c) => netCell(containerNet(obs, c)) },
  ];
}

export function renderPs(obs: Observation, width: number, opts: { rates: boolean }): string {
  return renderTable(psColumns(obs, opts), obs.model.containers, width);
}
