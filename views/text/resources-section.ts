/**
 * The inspect report's Resources section as text lines. Pure.
 *
 * An unknown value prints as `?[n]`, and each distinct reason once, as footnote `[n]`, after
 * the section: on a host where one cause hides a dozen fields (no cgroup controller, a
 * container without its own cgroup) the reason is read once, not a dozen times.
 */
import { isUnknown, type ContainerResources, type Known, type Limit } from '../../src/model/resources.js';
import { formatBytesLong } from '../format.js';

export function resourceLines(r: ContainerResources | undefined, diagnosis: readonly string[]): string[] {
  if (!r) return ['not collected'];
  if (r.unavailable !== null) return [`unavailable: ${r.unavailable}`];
  const reasons = new Map<string, number>();
  const unknownMark = (reason: string): string => {
    let n = reasons.get(reason);
    if (n === undefined) {
      n = reasons.size + 1;
      reasons.set(reason, n);
    }
    return `?[${n}]`;
  };
  const show = <T>(v: Known<T> | Limit, fmt: (x: T) => string): string => (v === 'unlimited' ? 'unlimited' : isUnknown(v) ? unknownMark(v.unknown) : fmt(v as T));
  const bytes = (v: Known<number> | Limit): string => show(v, (x: number) => formatBytesLong(x));
  const pct = (v: Known<number> | Limit): string => show(v, (x: number) => `${x.toFixed(1)}%`);
  const n = (v: Known<number> | Limit): string => show(v, (x: number) => String(x));
  const l = r.limits;
  const u = r.usage;
  const out: string[] = diagnosis.map((d) => `!! ${d}`);
  out.push(`CPU        limit ${show(l.cpuCores, (c: number) => `${c} cores`)}, shares/weight ${isUnknown(l.cpuShares) ? n(l.cpuWeight) : n(l.cpuShares)}, cpuset ${show(l.cpusetCpus, String)}`);
  const over = r.sampleIntervalMs !== null ? ` (over ${(r.sampleIntervalMs / 1000).toFixed(1)} s)` : '';
  if (l.cpuCores === 'unlimited') {
    // No CFS quota: no limit to be a share of, and the kernel throttles nothing.
    out.push(`           ${pct(u.cpuPercent)} of a CPU${over}; no CPU limit, so never throttled`);
  } else {
    out.push(`           ${pct(u.cpuPercent)} of a CPU, ${pct(u.cpuPercentOfLimit)} of its limit, throttled ${pct(u.throttledPercent)} of periods${over}`);
    out.push(`           throttled so far: ${n(u.throttling.throttledPeriods)} of ${n(u.throttling.periods)} periods, ${show(u.throttling.throttledUsec, (x: number) => `${(x / 1e6).toFixed(1)} s`)}`);
  }
  out.push(`memory     ${bytes(u.memoryBytes)} used (working set ${bytes(u.workingSetBytes)}) of ${bytes(l.memoryBytes)}; high ${bytes(l.memoryHighBytes)}, swap limit ${bytes(l.swapBytes)}`);
  const m = u.memory;
  out.push(`           anon ${bytes(m.anonBytes)}, file ${bytes(m.fileBytes)} (inactive ${bytes(m.inactiveFileBytes)}), kernel ${bytes(m.kernelBytes)}, shmem ${bytes(m.shmemBytes)}`);
  const e = u.events;
  out.push(`           OOM events ${n(e.oom)}, OOM kills ${n(e.oomKill)}, hit max ${n(e.max)}, failcnt ${n(e.failcnt)}`);
  out.push(`pids       ${n(u.pids)} of ${n(l.pids)}`);
  if (!isUnknown(u.io)) for (const d of u.io) out.push(`io ${d.device.padEnd(7)} read ${d.readBytes === null ? '?' : formatBytesLong(d.readBytes)} (${d.readOps ?? '?'} ops), write ${d.writeBytes === null ? '?' : formatBytesLong(d.writeBytes)} (${d.writeOps ?? '?'} ops)`);
  for (const [what, p] of [['cpu', u.pressure.cpu], ['memory', u.pressure.memory], ['io', u.pressure.io]] as const) {
    if (isUnknown(p)) continue;
    const line = (k: string, x: { avg10: number; avg60: number } | null): string => (x ? `${k} avg10 ${x.avg10.toFixed(2)} avg60 ${x.avg60.toFixed(2)}` : '');
    out.push(`pressure   ${what}: ${[line('some', p.some), line('full', p.full)].filter(Boolean).join('; ')}`);
  }
  out.push(`freezer    ${show(u.freezer, String)}`);
  for (const [reason, i] of reasons) out.push(`[${i}] ${reason}`);
  return out;
}
