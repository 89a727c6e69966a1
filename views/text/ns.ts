/** `ctrscope ns` as a text table, lsns's columns plus who owns, shares and pins each namespace. */
import type { Container } from '../../src/model/container.js';
import { shortId, type HostModel } from '../../src/model/host-model.js';
import type { NamespaceEntry, NsPin } from '../../src/model/namespaces.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { renderTable, type Column } from './table.js';

export function pinLabel(p: NsPin): string {
  switch (p.kind) {
    case 'mount':
      return `mount ${p.path}`;
    case 'fd':
      return `fd ${p.fd} of ${p.pid} (${p.comm})`;
    case 'for-children':
      return `children of ${p.pid} (${p.comm})`;
  }
}

export function renderNs(model: HostModel, entries: readonly NamespaceEntry[], width = Infinity): string {
  const byKey = new Map<string, Container>(model.containers.map((c) => [containerKey(c), c]));
  const label = (key: string): string => {
    const c = byKey.get(key);
    return c ? (c.name ?? shortId(c)) : key;
  };
  const columns: Column<NamespaceEntry>[] = [
    { header: 'NS', align: 'right', value: (e) => String(e.inode) },
    { header: 'TYPE', value: (e) => e.type },
    { header: 'NPROCS', align: 'right', value: (e) => String(e.pids.length) },
    { header: 'PID', align: 'right', value: (e) => (e.pid === null ? '-' : String(e.pid)) },
    { header: 'OWNER', flexible: true, value: (e) => (e.owner === null ? '-' : e.owner === 'host' ? 'host' : label(e.owner)) },
    {
      header: 'SHARED BY',
      flexible: true,
      value: (e) => {
        const others = e.containers.filter((k) => k !== e.owner);
        if (others.length === 0) return '-';
        // Every container shares the host's user, cgroup and time namespaces on most hosts.
        return others.length > 3 ? `${others.slice(0, 3).map(label).join(',')},+${others.length - 3} more` : others.map(label).join(',');
      },
    },
    { header: 'PINNED BY', flexible: true, value: (e) => (e.pins.length === 0 ? '-' : e.pins.map(pinLabel).join('; ')) },
    { header: 'COMMAND', flexible: true, value: (e) => e.command ?? '-' },
  ];
  return renderTable(columns, entries, width);
}
