/**
 * Memory controller files (kernel cgroup-v2.rst "Memory"; cgroup-v1/memory.rst):
 *   v2 memory.current 48648192 · memory.max max · memory.high max · memory.swap.max max
 *   v2 memory.swap.current 0  (absent where swap is not accounted: swapaccount=0, no CONFIG_MEMCG_SWAP)
 *   v2 memory.stat    anon 44892160 / file 1044480 / kernel 195010560 / shmem 98304 / inactive_file 159744
 *   v2 memory.events  low 0 / high 0 / max 0 / oom 0 / oom_kill 0 / oom_group_kill 0
 *   v1 memory.usage_in_bytes 295997440 · memory.limit_in_bytes 9223372036854771712 (unlimited)
 *   v1 memory.stat    rss 229376 / cache 0 / ... / total_rss 229376 / total_swap 0 / total_inactive_file 0
 *                     (swap and total_swap only where swap is accounted, with the memory.memsw.* files)
 *   v1 memory.oom_control  oom_kill_disable 0 / under_oom 0 / oom_kill 0
 */
import { ParseError } from '../read.js';
import { keyedInt, parseFlatKeyed } from './values.js';

export interface MemoryStat {
  readonly anonBytes: number | null;
  readonly fileBytes: number | null;
  /** v2 `kernel` (since 5.18); on v1 it comes from memory.kmem.usage_in_bytes instead. */
  readonly kernelBytes: number | null;
  readonly shmemBytes: number | null;
  readonly inactiveFileBytes: number | null;
  /** v1 `total_swap`: swap used by the cgroup and its children; v2 reads memory.swap.current instead. */
  readonly swapBytes: number | null;
}

/** v2 `memory.stat`: already hierarchical (the cgroup and its descendants). */
const V2_STAT_KEYS = ['anon', 'file', 'kernel', 'shmem', 'inactive_file'];
const V1_STAT_KEYS = ['total_rss', 'total_cache', 'total_shmem', 'total_inactive_file', 'total_swap'];

export function parseMemoryStatV2(text: string): MemoryStat {
  const kv = parseFlatKeyed(text, 'memory.stat', V2_STAT_KEYS);
  return {
    anonBytes: keyedInt(kv, 'anon'),
    fileBytes: keyedInt(kv, 'file'),
    kernelBytes: keyedInt(kv, 'kernel'),
    shmemBytes: keyedInt(kv, 'shmem'),
    inactiveFileBytes: keyedInt(kv, 'inactive_file'),
    swapBytes: null,
  };
}

/**
 * v1 `memory.stat`. The plain keys count the cgroup's own pages only; the `total_` keys include
 * its children (memory.rst 5.2), so a container with sub-cgroups must be read from `total_*`.
 * `rss` is anonymous memory and `cache` the page cache (memory.rst 5.2).
 */
export function parseMemoryStatV1(text: string): MemoryStat {
  const kv = parseFlatKeyed(text, 'memory.stat', V1_STAT_KEYS);
  return {
    anonBytes: keyedInt(kv, 'total_rss'),
    fileBytes: keyedInt(kv, 'total_cache'),
    kernelBytes: null,
    shmemBytes: keyedInt(kv, 'total_shmem'),
    inactiveFileBytes: keyedInt(kv, 'total_inactive_file'),
    swapBytes: keyedInt(kv, 'total_swap'),
  };
}

export interface MemoryEvents {
  readonly high: number | null;
  readonly max: number | null;
  readonly oom: number | null;
  readonly oomKill: number | null;
}

/** v2 `memory.events` (hierarchical; `memory.events.local` would be the cgroup's own). */
export function parseMemoryEvents(text: string): MemoryEvents {
  const kv = parseFlatKeyed(text, 'memory.events');
  return { high: keyedInt(kv, 'high'), max: keyedInt(kv, 'max'), oom: keyedInt(kv, 'oom'), oomKill: keyedInt(kv, 'oom_kill') };
}

export interface OomControl {
  readonly oomKillDisable: boolean;
  readonly underOom: boolean;
  /** Since Linux 4.13; null before. */
  readonly oomKill: number | null;
}

/** v1 `memory.oom_control`. */
export function parseOomControl(text: string): OomControl {
  const kv = parseFlatKeyed(text, 'memory.oom_control');
  const disable = keyedInt(kv, 'oom_kill_disable');
  const under = keyedInt(kv, 'under_oom');
  if (disable === null || under === null) throw new ParseError('memory.oom_control: missing oom_kill_disable or under_oom', text);
  return { oomKillDisable: disable === 1, underOom: under === 1, oomKill: keyedInt(kv, 'oom_kill') };
}
