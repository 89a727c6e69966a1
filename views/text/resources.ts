/** Table cells for container resources: "-" for no limit, "?" for unknown (reason in --json). */
import type { Container } from '../../src/model/container.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { isUnknown, type ContainerResources, type Known, type Limit } from '../../src/model/resources.js';
import { formatBytes } from '../format.js';
import type { Column } from './table.js';

function cell<T>(v: Known<T> | Limit, fmt: (x: T) => string): string {
  if (v === 'unlimited') return '-';
  if (isUnknown(v)) return '?';
  return fmt(v as T);
}

export function resourceColumns(resources: ReadonlyMap<string, ContainerResources>, rates: boolean): Column<Container>[] {
  const get = (c: Container): ContainerResources | undefined => resources.get(containerKey(c));
  const cols: Column<Container>[] = [];
  if (rates) cols.push({ header: 'CPU%', align: 'right', value: (c) => cell(get(c)?.usage.cpuPercent ?? { unknown: '' }, (v: number) => v.toFixed(1)) });
  cols.push(
    {
      header: 'MEM',
      align: 'right',
      value: (c) => {
        const r = get(c);
        return r ? `${cell(r.usage.memoryBytes, formatBytes)}/${cell(r.limits.memoryBytes, formatBytes)}` : '?';
      },
    },
    {
      header: 'PIDS',
      align: 'right',
      value: (c) => {
        const r = get(c);
        return r ? `${cell(r.usage.pids, String)}/${cell(r.limits.pids, String)}` : '?';
      },
    },
  );
  return cols;
}
