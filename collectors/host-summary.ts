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
