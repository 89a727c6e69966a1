/**
 * `top --batch --json`: one object per refresh (NDJSON), kind "top". Containers are the `ps
 * --json` container objects, their rates taken against the previous refresh, plus `stats`:
 * the dashboard's figures of schema 1.0, kept (deprecated since 1.1) for existing filters; the
 * same facts are in `limits` and `usage`.
 */
import type { ContainerStats, TopFrame } from '../../src/model/container-stats.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { containerUptimeSec } from '../tui/view-model.js';
import { containerToJson, hostToJson, podToJson, SCHEMA_VERSION } from './container.js';

const STAT_FIELDS = [
  'cpuPercent',
  'cpuLimitCpus',
  'throttledPercent',
  'memoryBytes',
  'memoryLimitBytes',
  'pids',
  'pidsMax',
  'oomKillsRecent',
  'pressurePercent',
  'netRxBytesPerSec',
  'netTxBytesPerSec',
  'ioReadBytesPerSec',
  'ioWriteBytesPerSec',
] as const satisfies readonly (keyof ContainerStats)[];

export function topFrameToJson(frame: TopFrame, intervalSec: number): Record<string, unknown> {
  const model = frame.model;
  const h = frame.summary;
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'top',
    seq: frame.seq,
    intervalSec,
    host: {
      ...hostToJson(model),
      uptimeSec: h.uptimeSec,
      load: h.load,
      cpuCount: h.cpuCount,
      memTotalBytes: h.memTotalBytes,
      memAvailableBytes: h.memAvailableBytes,
    },
    containers: model.containers.map((c) => {
      const s = frame.stats.get(containerKey(c)) ?? {};
      const stats: Record<string, unknown> = { uptimeSec: containerUptimeSec(c, frame) };
      for (const f of STAT_FIELDS) stats[f] = s[f] ?? null;
      return { ...containerToJson(c, frame.observation), stats };
    }),
    pods: model.pods.map(podToJson),
    scan: { processes: model.snapshot.processes.length, vanished: model.snapshot.stats.vanished, partial: model.snapshot.stats.partial },
  };
}
