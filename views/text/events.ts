/**
 * `ctrscope events` text: one line per event, like `docker events`: time, action, the short
 * id, then the attributes that are known, in a fixed order.
 */
import type { ContainerEvent, PastOomKill } from '../../src/model/events.js';
import { rfc3339Nano } from '../events-time.js';

const shortId = (id: string): string => (/^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id);

export function renderEventLine(e: ContainerEvent): string {
  const c = e.container;
  const attrs: string[] = [];
  const add = (k: string, v: string | number | boolean | null): void => {
    if (v !== null) attrs.push(`${k}=${v}`);
  };
  add('name', c.name);
  add('engine', c.engine ?? 'none');
  add('image', c.image);
  add('pod', c.pod);
  add('pid', e.pid);
  if (e.action === 'exit') add('exitCode', e.exitCode ?? '?');
  add('signal', e.exitSignalName ?? e.exitSignal);
  add('command', e.command);
  add('partial', e.partial);
  if (e.namespaces) add('namespaces', e.namespaces.join(','));
  for (const [field, ch] of Object.entries(e.changes ?? {})) add(field, `${ch.from ?? 'unlimited'}->${ch.to ?? 'unlimited'}`);
  add('source', e.source);
  return `${rfc3339Nano(e.timeNano)} ${e.action} ${shortId(c.id)} (${attrs.join(', ')})\n`;
}

/** inspect: one line per OOM kill still in the kernel log. */
export function oomKillLines(k: readonly PastOomKill[] | { unknown: string }): string[] {
  if ('unknown' in k) return [`  unknown: ${k.unknown}`];
  if (k.length === 0) return ['  none in the kernel log (it keeps the most recent messages only)'];
  return k.map((x) => `  ${x.atMs === null ? '?' : new Date(x.atMs).toISOString()}  pid ${x.pid} (${x.command})  ${x.memoryCgroup ?? ''}`.trimEnd());
}
