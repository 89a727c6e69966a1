/**
 * CPU controller files, v2 and v1 (kernel cgroup-v2.rst "CPU"; cgroup-v1 and
 * scheduler/sched-bwc.rst for CFS bandwidth):
 *   v2 cpu.max:           10000 100000          (quota period, quota may be "max")
 *   v2 cpu.weight:        100
 *   v2 cpu.stat:          usage_usec 3795681254 / user_usec 2979069928 / system_usec 816611326 /
 *                         nr_periods 809036 / nr_throttled 76 / throttled_usec 363166
 *   v1 cpu.cfs_quota_us:  -1                    (no limit) or 150000
 *   v1 cpu.cfs_period_us: 100000
 *   v1 cpu.shares:        1024
 *   v1 cpu.stat:          nr_periods 769021 / nr_throttled 1046 / throttled_time 352597023453 (ns)
 *   v1 cpuacct.usage:     95996653175 (ns, includes child cgroups)
 *   v1 cpuacct.stat:      user 1163836 / system 494150 (USER_HZ ticks, includes child cgroups)
 */
import { ParseError, parseSafeInt } from '../read.js';
import { keyedInt, parseFlatKeyed, type MaxOr } from './values.js';

export interface CpuMax {
  readonly quotaUsec: MaxOr;
  readonly periodUsec: number;
}

/** v2 `cpu.max`: "$MAX $PERIOD"; the period may be omitted on write but is always shown on read. */
export function parseCpuMax(text: string): CpuMax {
  const m = /^(max|\d+) (\d+)$/.exec(text.trim());
  if (!m) throw new ParseError('cpu.max: expected "<quota|max> <period>"', text);
  const periodUsec = parseSafeInt(m[2] as string, 'period');
  if (periodUsec === 0) throw new ParseError('cpu.max: period 0', text);
  return { quotaUsec: m[1] === 'max' ? 'max' : parseSafeInt(m[1] as string, 'quota'), periodUsec };
}

/** v1 `cpu.cfs_quota_us`: -1 means no limit (sched-bwc.rst). */
export function parseCfsQuotaUs(text: string): MaxOr {
  const t = text.trim();
  if (t === '-1') return 'max';
  const n = parseSafeInt(t, 'cfs quota');
  if (n <= 0) throw new ParseError('cpu.cfs_quota_us: expected -1 or a positive quota', t);
  return n;
}

/** Counters of `cpu.stat`, normalised to microseconds; null where this kernel/version lacks the key. */
export interface CpuStat {
  /** v2 only: total CPU time of the cgroup and its children. */
  readonly usageUsec: number | null;
  /** v2 only: that time split into user and system mode (v1 has them in cpuacct.stat). */
  readonly userUsec: number | null;
  readonly systemUsec: number | null;
  readonly nrPeriods: number | null;
  readonly nrThrottled: number | null;
  readonly throttledUsec: number | null;
}

/**
 * v2 and v1 `cpu.stat`. v2 says `throttled_usec`; v1 says `throttled_time` in nanoseconds. On v2
 * the nr_* keys appear only when the cpu controller is enabled for the cgroup.
 */
export function parseCpuStat(text: string): CpuStat {
  const kv = parseFlatKeyed(text, 'cpu.stat');
  const throttledNs = keyedInt(kv, 'throttled_time');
  return {
    usageUsec: keyedInt(kv, 'usage_usec'),
    userUsec: keyedInt(kv, 'user_usec'),
    systemUsec: keyedInt(kv, 'system_usec'),
    nrPeriods: keyedInt(kv, 'nr_periods'),
    nrThrottled: keyedInt(kv, 'nr_throttled'),
    throttledUsec: keyedInt(kv, 'throttled_usec') ?? (throttledNs === null ? null : throttledNs / 1000),
  };
}

/**
 * The clock ticks cpuacct.stat counts in: USER_HZ, which is 100 on every architecture Linux
 * exports tick counts to userspace on (the kernel converts with nsec_to_clock_t).
 */
export const USER_HZ = 100;

export interface CpuacctStat {
  readonly userUsec: number;
  readonly systemUsec: number;
}

/**
 * v1 `cpuacct.stat`: user and system time in USER_HZ ticks. The kernel scales the tick-sampled
 * split to the precise total (kernel/sched/cpuacct.c cpuacct_stats_show, cputime_adjust), so
 * user + system follows cpuacct.usage to within a tick per CPU.
 */
export function parseCpuacctStat(text: string): CpuacctStat {
  const kv = parseFlatKeyed(text, 'cpuacct.stat');
  const user = keyedInt(kv, 'user');
  const system = keyedInt(kv, 'system');
  if (user === null || system === null) throw new ParseError('cpuacct.stat: expected user and system', text);
  return { userUsec: (user * 1e6) / USER_HZ, systemUsec: (system * 1e6) / USER_HZ };
}
