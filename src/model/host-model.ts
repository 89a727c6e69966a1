import type { Container, Pod } from './container.js';
import type { HostSnapshot } from './host.js';
import { reconstruct } from './reconstruct.js';

/** A snapshot with its containers and pods decided. What every view renders. */
export interface HostModel {
  readonly snapshot: HostSnapshot;
  readonly containers: readonly Container[];
  readonly pods: readonly Pod[];
}

export function buildHostModel(snapshot: HostSnapshot): HostModel {
  const r = reconstruct(snapshot, snapshot.metadata, snapshot.grouping);
  return { snapshot, containers: r.containers, pods: r.pods };
}

/** Short form of an id for tables: 12 hex characters for engine ids, the whole id otherwise. */
export function shortId(c: Pick<Container, 'id'>): string {
  return /^[0-9a-f]{64}$/.test(c.id) ? c.id.slice(0, 12) : c.id;
}

/**
 * When the container's first process started, in seconds since the epoch: the boot time plus its
 * start time in clock ticks. Null where the boot time is unknown.
 */
export function containerStartedAtSec(snapshot: Pick<HostSnapshot, 'bootTimeSec' | 'clockTicksPerSec'>, c: Pick<Container, 'starttimeTicks'>): number | null {
  return snapshot.bootTimeSec === null ? null : snapshot.bootTimeSec + c.starttimeTicks / snapshot.clockTicksPerSec;
}
