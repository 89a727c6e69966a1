/**
 * Resource collection for `ps` (and any command that shows usage): decide each container's
 * cgroup (model), read the CPU counters, wait the sampling interval, then read everything, so
 * rates come from the cgroup's own counters across a known interval. One mountinfo read, then
 * only cgroupfs files; never a /proc/<pid> walk.
 */
import type { Container } from '../src/model/container.js';
import type { Process } from '../src/model/process.js';
import { containerKey } from '../src/model/reconstruct.js';
import { deriveResources, isUnknown, resourceTargets, unavailableResources, unknown, type ContainerResources, type CpuCounters, type Unknown } from '../src/model/resources.js';
import { readCgroupLayout } from './collect.js';
import { readCgroupSample, readCpuCounters } from './cgroupfs/sample.js';
import type { HostRoot } from './host-root.js';

export interface ResourceOptions {
  /** Milliseconds between the two samples; null takes one sample and leaves rates Unknown. */
  readonly intervalMs: number | null;
  /** Monotonic milliseconds. */
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function collectResources(
  root: HostRoot,
  processes: readonly Process[],
  containers: readonly Container[],
  opts: ResourceOptions,
): Promise<Map<string, ContainerResources>> {
  const out = new Map<string, ContainerResources>();
  const clock = opts.clock ?? (() => performance.now());
  const { layout, gap } = readCgroupLayout(root);
  if (gap || layout.mode === null) {
    const why = unknown(gap ? `cgroup mounts unknown: ${gap.reason}: ${gap.path}` : 'no cgroup filesystem mounted');
    for (const c of containers) out.set(containerKey(c), unavailableResources(why));
    return out;
  }
  const targets = resourceTargets(processes, containers);
  const first = new Map<Container, CpuCounters>();
  if (opts.intervalMs !== null) {
    for (const [c, t] of targets) if (!isUnknown(t)) first.set(c, readCpuCounters(root, layout, t, clock));
    await (opts.sleep ?? defaultSleep)(opts.intervalMs);
  }
  const noRates: Unknown = unknown('rates not sampled (--no-rates or --interval 0)');
  for (const c of containers) {
    const t = targets.get(c) ?? unknown('no cgroup target');
    if (isUnknown(t)) {
      out.set(containerKey(c), unavailableResources(t));
      continue;
    }
    out.set(containerKey(c), deriveResources(first.get(c) ?? noRates, readCgroupSample(root, layout, t, clock)));
  }
  return out;
}
