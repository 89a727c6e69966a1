/**
 * The top header's host figures, read through the HostRoot so that `--root` shows the recorded
 * host's load and memory rather than the machine running ctrscope (which is what
 * systeminformation would report: it reads the runner's own /proc).
 */
import type { HostSummary } from '../src/model/host-summary.js';
import { readParsed, type HostRoot } from './host-root.js';
import { parseLoadavg } from './procfs/loadavg.js';
import { parseMeminfo } from './procfs/meminfo.js';
import { parseUptime } from './procfs/uptime.js';

const cpuLines = (text: string): number => text.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;

export function collectHostSummary(root: HostRoot): HostSummary {
  const uptime = readParsed(root, '/proc/uptime', parseUptime);
  const load = readParsed(root, '/proc/loadavg', parseLoadavg);
  const mem = readParsed(root, '/proc/meminfo', parseMeminfo);
  const cpus = readParsed(root, '/proc/stat', cpuLines);
  return {
    uptimeSec: uptime.ok ? uptime.value : null,
    load: load.ok ? load.value : null,
    cpuCount: cpus.ok && cpus.value > 0 ? cpus.value : null,
    memTotalBytes: mem.ok ? (mem.value.get('MemTotal') ?? null) : null,
    memAvailableBytes: mem.ok ? (mem.value.get('MemAvailable') ?? null) : null,
  };
}

/**
 * The kernel's count of OOM kills since boot (/proc/vmstat `oom_kill`, Linux 4.13+), or null
 * where it cannot be read. The kernel counts every OOM kill there and in the memory cgroup's own
 * counter (v1 memory.oom_control, v2 memory.events `oom_kill`) at the same place
 * (mm/oom_kill.c __oom_kill_process): while it has not moved, no cgroup's count has.
 */
export function readOomKillCount(root: HostRoot): number | null {
  const r = readParsed(root, '/proc/vmstat', (t) => {
    const m = /^oom_kill (\d+)$/m.exec(t);
    return m ? Number(m[1]) : null;
  });
  return r.ok ? r.value : null;
}
