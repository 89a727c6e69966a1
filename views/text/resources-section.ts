/** The inspect report's Resources section as text lines. Pure. */
import { isUnknown, type ContainerResources, type Known, type Limit } from '../../src/model/resources.js';
import { formatBytesLong } from '../format.js';

const show = <T>(v: Known<T> | Limit, fmt: (x: T) => string): string => (v === 'unlimited' ? 'unlimited' : isUnknown(v) ? `? (${v.unknown})` : fmt(v as T));
const bytes = (v: Known<number> | Limit): string => show(v, (n: number) => formatBytesLong(n));
const pct = (v: Known<number> | Limit): string => show(v, (n: number) => `${n.toFixed(1)}%`);
const n = (v: Known<number> | Limit): string => show(v, (x: number) => String(x));

export function resourceLines(r: ContainerResources | undefined, diagnosis: readonly string[]): string[] {
  if (!r) return ['not collected'];
  if (r.unavailable !== null) return [`unavailable: ${r.unavailable}`];
  const l = r.limits;
  const u = r.usage;
  const out: string[] = diagnosis.map((d) => `!! ${d}`);
  out.push(`CPU        limit ${show(l.cpuCores, (c: number) => `${c} cores`)}, shares/weight ${isUnknown(l.cpuShares) ? n(l.cpuWeight) : n(l.cpuShares)}, cpuset ${show(l.cpusetCpus, String)}`);
  out.push(`           ${pct(u.cpuPercent)} of a CPU, ${pct(u.cpuPercentOfLimit)} of its limit, throttled ${pct(u.throttledPercent)} of periods${r.sampleIntervalMs !== null ? ` (over ${(r.sampleIntervalMs / 1000).toFixed(1)} s)` : ''}`);
  out.push(`           throttled so far: ${n(u.throttling.throttledPeriods)} of ${n(u.throttling.periods)} periods, ${show(u.throttling.throttledUsec, (x: number) => `${(x / 1e6).toFixed(1)} s`)}`);
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
  return out;
}
