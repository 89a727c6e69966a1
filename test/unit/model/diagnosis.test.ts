/**
 * Diagnoses of resources as deriveResources computes them from a cgroup sample. The sample holds
 * the limits of samples/cgroup-coroot's v1 docker container (its README), with the counters a
 * kernel shows after a throttled interval or an OOM kill varied per case. The live path is
 * covered by test/integration/inspect.test.ts on a real --cpus 0.2 container.
 */
import { describe, expect, it } from 'vitest';
import { diagnoseResources } from '../../../src/model/diagnosis.js';
import { deriveResources, RECORDED_NO_RATE, unknown, type CgroupSample } from '../../../src/model/resources.js';

// Values of samples/cgroup-coroot's docker container b43d92bf… (README): 1.5 CPU quota, 20 GiB
// memory limit, 12 778 020 864 rss.
const sample = (over: Partial<CgroupSample['memory']> = {}, counters: Partial<CgroupSample['counters']> = {}): CgroupSample => ({
  dirs: {},
  binding: {
    cpuCores: { value: 1.5, source: { kind: 'own', cgroup: '/docker/b43d92bf', outside: 0 } },
    memoryBytes: { value: 21474836480, source: { kind: 'own', cgroup: '/docker/b43d92bf', outside: 0 } },
    pids: { value: 'unlimited', source: null },
  },
  counters: { atMs: 2000, dir: null, usageUsec: 0, userUsec: 0, systemUsec: 0, nrPeriods: 100, nrThrottled: 40, throttledUsec: 0, ...counters },
  cpu: { quotaUsec: 150000, periodUsec: 100000, weight: unknown('v1'), shares: 1024, cpus: unknown('absent') },
  memory: {
    usageBytes: 16_000_000_000, limitBytes: 21474836480, highBytes: 'unlimited', softLimitBytes: 'unlimited', swapBytes: 'unlimited', swapUsageBytes: 0,
    anonBytes: 12778020864, fileBytes: 3206844416, kernelBytes: unknown('v1'), shmemBytes: 0, inactiveFileBytes: 3_000_000_000,
    oom: unknown('v1'), oomKill: 0, max: unknown('v1'), high: unknown('v1'), failcnt: 0, underOom: false, ...over,
  },
  pids: { current: 10, max: 'unlimited' },
  io: { devices: [], limits: [] },
  pressure: { cpu: unknown('v1'), memory: unknown('v1'), io: unknown('v1') },
  freezer: 'thawed',
});

describe('diagnoseResources', () => {
  it('names the CPU limit when most periods were throttled, and says nothing when few were', () => {
    const prev = { ...sample(), counters: { atMs: 0, dir: null, usageUsec: 0, userUsec: 0, systemUsec: 0, nrPeriods: 0, nrThrottled: 0, throttledUsec: 0 } };
    const busy = diagnoseResources(deriveResources(prev, sample()));
    expect(busy).toEqual(['throttled 40% of periods in the last 2.0 s: CPU limit 1.5 cores is the bottleneck']);
    const calm = diagnoseResources(deriveResources(prev, sample({}, { nrThrottled: 5 })));
    expect(calm).toEqual([]);
  });

  it('reports OOM kills with the memory limit, and memory close to its limit by working set', () => {
    const r = deriveResources(unknown('--no-rates'), sample({ oomKill: 2, usageBytes: 21_000_000_000, inactiveFileBytes: 0 }));
    expect(diagnoseResources(r)).toEqual(['2 OOM kills: memory limit 20.0 GiB', 'memory at 98% of its limit (19.6 GiB working set of 20.0 GiB)']);
  });

  it('says nothing it cannot know: no rates means no throttling verdict', () => {
    expect(diagnoseResources(deriveResources(unknown('--no-rates'), sample()))).toEqual([]);
  });

  it('without an interval (a recorded tree, --no-rates) judges the throttling since the cgroup was created', () => {
    const once = diagnoseResources(deriveResources(RECORDED_NO_RATE, sample({}, { nrPeriods: 1000, nrThrottled: 700 })));
    expect(once).toContain('throttled 70% of periods since the cgroup was created: CPU limit 1.5 cores is the bottleneck');
    expect(diagnoseResources(deriveResources(RECORDED_NO_RATE, sample({}, { nrPeriods: 1000, nrThrottled: 50 })))).toEqual([]);
  });
});
