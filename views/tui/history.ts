/**
 * The last few minutes of each container's CPU, memory and network figures, for the detail
 * view's sparklines. Bounded: HISTORY samples per container, and containers that are gone are
 * dropped at once, so memory stays flat however long top runs.
 */
import type { TopFrame } from '../../src/model/container-stats.js';
import { containerKey } from '../../src/model/reconstruct.js';

/** 5 minutes at the default 1 s interval. */
export const HISTORY = 300;

export interface Series {
  readonly cpu: (number | null)[];
  readonly mem: (number | null)[];
  readonly net: (number | null)[];
}

export class History {
  private series = new Map<string, Series>();

  push(frame: TopFrame): void {
    const next = new Map<string, Series>();
    for (const c of frame.model.containers) {
      const key = containerKey(c);
      const s = this.series.get(key) ?? { cpu: [], mem: [], net: [] };
      const st = frame.stats.get(key);
      const rx = st?.netRxBytesPerSec;
      const tx = st?.netTxBytesPerSec;
      add(s.cpu, st?.cpuPercent ?? null);
      add(s.mem, st?.memoryBytes ?? null);
      add(s.net, rx == null && tx == null ? null : (rx ?? 0) + (tx ?? 0));
      next.set(key, s);
    }
    this.series = next;
  }

  get(key: string): Series | undefined {
    return this.series.get(key);
  }
}

function add(a: (number | null)[], v: number | null): void {
  a.push(v);
  if (a.length > HISTORY) a.splice(0, a.length - HISTORY);
}
