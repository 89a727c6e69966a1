/**
 * One-line diagnoses of a container's resources, for the top of the inspect report's Resources
 * section: what is wrong, and which limit causes it. Pure; thresholds are stated where used.
 */
import { isUnknown, type ContainerResources, type Known, type Limit } from './resources.js';

const num = (v: Known<number> | Limit): number | null => (typeof v === 'number' ? v : null);

function mib(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(n / 1024 ** 2)} MiB`;
}

export function diagnoseResources(r: ContainerResources): string[] {
  if (r.unavailable !== null) return [];
  const out: string[] = [];
  const u = r.usage;
  const l = r.limits;
  const secs = r.sampleIntervalMs === null ? null : r.sampleIntervalMs / 1000;
  const throttled = num(u.throttledPercent);
  const cores = num(l.cpuCores);
  // 20% of periods: the kernel stopped the group in one period out of five; latency suffers.
  const limit = cores === null ? '' : `CPU limit ${cores} core${cores === 1 ? '' : 's'} is the bottleneck`;
  if (throttled !== null && throttled >= 20 && cores !== null && secs !== null) {
    out.push(`throttled ${Math.round(throttled)}% of periods in the last ${secs.toFixed(1)} s: ${limit}`);
  } else if (isUnknown(u.throttledPercent) && u.throttledPercent.cause === 'unsampled' && cores !== null) {
    // No interval to measure (a recorded tree, --no-rates): the cgroup's counters since it was
    // created still say how often the limit stopped it.
    const periods = num(u.throttling.periods);
    const stopped = num(u.throttling.throttledPeriods);
    const lifetime = periods !== null && stopped !== null && periods > 0 ? (stopped / periods) * 100 : null;
    if (lifetime !== null && lifetime >= 20) out.push(`throttled ${Math.round(lifetime)}% of periods since the cgroup was created: ${limit}`);
  }
  const kills = num(u.events.oomKill);
  const memLimit = num(l.memoryBytes);
  if (kills !== null && kills > 0) out.push(`${kills} OOM kill${kills === 1 ? '' : 's'}${memLimit !== null ? `: memory limit ${mib(memLimit)}` : ''}`);
  else if (u.events.underOom === true) out.push('under OOM now: its processes wait for memory (oom_kill_disable)');
  const mem = num(u.memoryBytes);
  const ws = num(u.workingSetBytes);
  // 90% of the limit counting only memory the kernel cannot drop (working set): the next
  // allocation spike reclaims or OOM-kills.
  if (ws !== null && mem !== null && memLimit !== null && ws >= 0.9 * memLimit) {
    out.push(`memory at ${Math.round((ws / memLimit) * 100)}% of its limit (${mib(ws)} working set of ${mib(memLimit)})`);
  }
  const pids = num(u.pids);
  const pidsMax = num(l.pids);
  if (pids !== null && pidsMax !== null && pids >= 0.9 * pidsMax) out.push(`${pids} of ${pidsMax} pids used: fork() will fail at the limit`);
  for (const [what, p] of [['cpu', u.pressure.cpu], ['memory', u.pressure.memory], ['io', u.pressure.io]] as const) {
    if (isUnknown(p)) continue;
    const some = p.some?.avg10 ?? null;
    // PSI some avg10 ≥ 10%: tasks stalled on this resource a tenth of the last 10 s.
    if (some !== null && some >= 10) out.push(`${what} pressure: tasks stalled ${some.toFixed(0)}% of the last 10 s`);
  }
  if (u.freezer === 'frozen') out.push('frozen: its processes do not run (docker pause / cgroup freezer)');
  return out;
}
