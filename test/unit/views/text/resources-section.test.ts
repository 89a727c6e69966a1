/**
 * The inspect report's Resources section: wording without a CPU limit, and unknown values that
 * share a reason printed once. Samples as in test/unit/model/diagnosis.test.ts (the limits of
 * samples/cgroup-coroot's v1 docker container), with the CPU quota removed or controllers gone.
 */
import { describe, expect, it } from 'vitest';
import { deriveResources, unknown, type CgroupSample } from '../../../../src/model/resources.js';
import { resourceLines } from '../../../../views/text/resources-section.js';

const NO_MEMORY = 'memory controller not mounted for this container (v1 hierarchy without a memory cgroup)';
const sample = (cpu: Partial<CgroupSample['cpu']>, memoryUnknown = false): CgroupSample => ({
  dirs: {},
  binding: {
    cpuCores: cpu.quotaUsec === 'unlimited' ? { value: 'unlimited', source: null } : { value: 1.5, source: { kind: 'own', cgroup: '/docker/b43d92bf', outside: 0 } },
    memoryBytes: memoryUnknown ? { value: unknown(NO_MEMORY), source: null } : { value: 21474836480, source: { kind: 'own', cgroup: '/docker/b43d92bf', outside: 0 } },
    pids: { value: 'unlimited', source: null },
  },
  counters: { atMs: 2000, dir: null, usageUsec: 1_000_000, userUsec: 800_000, systemUsec: 200_000, nrPeriods: 0, nrThrottled: 0, throttledUsec: 0 },
  cpu: { quotaUsec: 150000, periodUsec: 100000, weight: unknown('v1'), shares: 1024, cpus: unknown('absent'), ...cpu },
  memory: memoryUnknown
    ? {
        usageBytes: unknown(NO_MEMORY), limitBytes: unknown(NO_MEMORY), highBytes: unknown(NO_MEMORY), softLimitBytes: unknown(NO_MEMORY), swapBytes: unknown(NO_MEMORY), swapUsageBytes: unknown(NO_MEMORY),
        anonBytes: unknown(NO_MEMORY), fileBytes: unknown(NO_MEMORY), kernelBytes: unknown(NO_MEMORY), shmemBytes: unknown(NO_MEMORY), inactiveFileBytes: unknown(NO_MEMORY),
        oom: unknown(NO_MEMORY), oomKill: unknown(NO_MEMORY), max: unknown(NO_MEMORY), high: unknown(NO_MEMORY), failcnt: unknown(NO_MEMORY), underOom: unknown(NO_MEMORY),
      }
    : {
        usageBytes: 16_000_000_000, limitBytes: 21474836480, highBytes: 'unlimited', softLimitBytes: 'unlimited', swapBytes: 'unlimited', swapUsageBytes: 0,
        anonBytes: 12778020864, fileBytes: 3206844416, kernelBytes: 0, shmemBytes: 0, inactiveFileBytes: 3_000_000_000,
        oom: 0, oomKill: 0, max: 0, high: 0, failcnt: 0, underOom: false,
      },
  pids: { current: 10, max: 'unlimited' },
  io: { devices: [], limits: [] },
  pressure: { cpu: unknown('v1'), memory: unknown('v1'), io: unknown('v1') },
  freezer: 'thawed',
});
const prev = (s: CgroupSample): CgroupSample => ({ ...s, counters: { atMs: 0, dir: null, usageUsec: 0, userUsec: 0, systemUsec: 0, nrPeriods: 0, nrThrottled: 0, throttledUsec: 0 } });

describe('resourceLines', () => {
  it('without a CPU limit says so, instead of "unlimited of its limit, throttled unlimited"', () => {
    const s = sample({ quotaUsec: 'unlimited' });
    const text = resourceLines(deriveResources(prev(s), s), []).join('\n');
    expect(text).toContain('50.0% of a CPU (over 2.0 s); no CPU limit, so never throttled');
    expect(text).not.toMatch(/unlimited of|throttled unlimited/);
  });

  it('with a CPU limit gives the share of it and the throttled periods', () => {
    const s = sample({});
    const text = resourceLines(deriveResources(prev(s), s), []).join('\n');
    expect(text).toContain('50.0% of a CPU, 33.3% of its limit, throttled 0.0% of periods (over 2.0 s)');
  });

  it('prints a reason shared by many unknown values once, as a footnote', () => {
    const s = sample({}, true);
    const lines = resourceLines(deriveResources(prev(s), s), []);
    const text = lines.join('\n');
    expect(text.split(NO_MEMORY)).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('[')).map((l) => l.replace(/^\[\d+\] /, ''))).toContain(NO_MEMORY);
    const mark = /^\[(\d+)\] /.exec(lines.find((l) => l.includes(NO_MEMORY)) ?? '')?.[1];
    expect(text.match(new RegExp(`\\?\\[${mark}\\]`, 'g'))?.length).toBeGreaterThan(10);
    // Distinct reasons get distinct marks: the v1 pressure files and cpu.weight are another.
    expect(new Set(lines.filter((l) => /^\[\d+\] /.test(l))).size).toBe(lines.filter((l) => /^\[\d+\] /.test(l)).length);
  });
});
