/**
 * Two samples of per-namespace byte counters for ps's NET column. Kept apart from the resource
 * columns' sampling so the two can share one interval once both exist.
 */
import { readNetTotals } from '../../collectors/net-counters.js';
import type { HostRoot } from '../../collectors/host-root.js';
import type { HostModel } from '../model/host-model.js';
import { netRate, type NetRate } from '../model/network.js';
import { containerKey } from '../model/reconstruct.js';

/** `host` for host-network containers, null where no rate could be taken. */
export type NetCell = NetRate | 'host' | null;

export async function sampleNetRates(root: HostRoot, model: HostModel, intervalMs: number, now: () => number): Promise<Map<string, NetCell>> {
  const out = new Map<string, NetCell>();
  const targets = new Map<number, number>();
  for (const c of model.containers) {
    if (c.hostNamespaces.includes('net')) out.set(containerKey(c), 'host');
    else if (c.namespaces.net !== undefined && !targets.has(c.namespaces.net)) targets.set(c.namespaces.net, c.pid);
  }
  if (intervalMs <= 0 || targets.size === 0) return out;
  const t0 = now();
  const first = readNetTotals(root, targets);
  await new Promise((r) => setTimeout(r, intervalMs));
  const second = readNetTotals(root, targets);
  const dt = now() - t0;
  for (const c of model.containers) {
    const ns = c.namespaces.net;
    if (ns === undefined || out.has(containerKey(c))) continue;
    const a = first.get(ns);
    const b = second.get(ns);
    out.set(containerKey(c), a && b ? netRate(a, b, dt) : null);
  }
  return out;
}
