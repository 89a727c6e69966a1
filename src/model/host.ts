import type { CgroupMode } from './cgroup.js';
import type { EngineMetadata } from './container.js';
import type { NsSet } from './namespace.js';
import type { Process, ReadGap } from './process.js';
import type { RuntimeState } from './reconstruct.js';

/** Everything one collection pass read from a host root, with what it could not read. */
export interface HostSnapshot {
  /** Milliseconds since the epoch when the scan started (from the caller's clock). */
  readonly takenAtMs: number;
  readonly root: { readonly kind: 'live' | 'recorded'; readonly dir: string };
  readonly hostname: string | null;
  readonly kernel: string | null;
  readonly clockTicksPerSec: number;
  readonly bootTimeSec: number | null;
  readonly cgroupMode: CgroupMode | null;
  readonly hostNs: NsSet;
  /** Where hostNs was read: `/proc/1/ns`, or kthreadd's when pid 1 is unreadable. */
  readonly hostNsSource: string;
  /** The namespaces of the process doing the reading (live only): tells a pid-namespaced view. */
  readonly readerNs: NsSet | null;
  readonly processes: readonly Process[];
  readonly rootDiffers: ReadonlyMap<number, boolean>;
  readonly runtimeStates: readonly RuntimeState[];
  readonly metadata: ReadonlyMap<string, EngineMetadata>;
  readonly stats: { readonly vanished: number; readonly partial: number; readonly hidden: Readonly<Record<string, number>> };
  /** Files that exist but hold text the kernel or engine would not write. */
  readonly malformed: readonly ReadGap[];
  readonly gaps: readonly ReadGap[];
}

/** Initial pid namespace inode: fixed since Linux 3.8 (include/linux/proc_ns.h PROC_PID_INIT_INO). */
export const INIT_PID_NS_INODE = 0xeffffffc;
