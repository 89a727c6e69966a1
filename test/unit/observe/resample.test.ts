/**
 * Observer.resample on recorded hosts: the model, processes and details are the observation's
 * own, the counters are read again (a recorded tree reads the same), and no rate is made up from
 * a recording's single reading.
 */
import { describe, expect, it } from 'vitest';
import { openHostRoot } from '../../../collectors/host-root.js';
import { RECORDED_NO_RATE } from '../../../src/model/resources.js';
import { createObserver } from '../../../src/observe/observer.js';

describe('resample: the counters again, the rest as observed', () => {
  // hybrid-handmade was recorded without /proc/<pid>/net: no namespace's counters to read.
  for (const [name, netns] of [['hybrid-docker', true], ['hybrid-handmade', false], ['v2-systemd', true]] as const) {
    it(`${name}: same model and details, the same limits and usage, rates Unknown (recorded)`, async () => {
      const observer = createObserver(openHostRoot(`samples/${name}`), { continuous: true });
      try {
        await expect(observer.resample(0)).rejects.toThrow(/before observe/);
        const first = observer.observe({ details: {} });
        const second = await observer.resample(0);
        expect(observer.last).toBe(second);
        expect(second.model).toBe(first.model);
        expect(second.details).toBe(first.details);
        expect(second.model.containers.length).toBeGreaterThan(0);
        expect([...second.resources.keys()]).toEqual([...first.resources.keys()]);
        for (const [key, r] of second.resources) {
          const before = first.resources.get(key)!;
          expect(r.limits).toEqual(before.limits);
          expect(r.usage.memoryBytes).toEqual(before.usage.memoryBytes);
          expect(r.usage.cpuPercent).toEqual(RECORDED_NO_RATE);
        }
        expect(second.network.size > 0).toBe(netns);
        expect([...second.network.keys()]).toEqual([...first.network.keys()]);
        for (const n of second.network.values()) expect(n.rate).toEqual(RECORDED_NO_RATE);
      } finally {
        observer.close();
      }
    });
  }
});
