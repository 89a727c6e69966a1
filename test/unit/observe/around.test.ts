/**
 * `inspect PID` on recorded hosts: read around the pid, the pid's container is what reading
 * every process makes it, field for field; where the processes read cannot tell (a pid in no
 * container, an engine container whose cgroup.procs were not recorded), every process is read.
 */
import { describe, expect, it } from 'vitest';
import { openHostRoot } from '../../../collectors/host-root.js';
import { inspectFacts, observeFor } from '../../helpers/around.js';

describe('inspect PID read around the pid, against every process read', () => {
  // Read around: the members of hm1 (joined member 14589 too), hm2 and hm3 (samples/hybrid-handmade/README.md).
  // Recorded without cgroup.procs, engine containers are read in full, and so are pids in no container.
  const aroundPids: Record<string, number[]> = { 'hybrid-handmade': [14541, 14542, 14543, 14589, 12853, 12854, 12851], 'hybrid-docker': [], 'v2-systemd': [] };
  for (const [name, expected] of Object.entries(aroundPids)) {
    it(`${name}: every pid inspects the same`, () => {
      const root = openHostRoot(`samples/${name}`);
      const all = observeFor(root, 1, false).model.snapshot.processes;
      const fast: number[] = [];
      for (const p of all) {
        const around = observeFor(root, p.pid, true);
        // Not read around: every process read, as by the command before.
        if (!around.model.snapshot.around) {
          expect(around.model.snapshot.processes.length).toBe(all.length);
          continue;
        }
        fast.push(p.pid);
        expect(around.model.snapshot.processes.length).toBeLessThan(all.length);
        expect(inspectFacts(around, p.pid), `pid ${p.pid}`).toEqual(inspectFacts(observeFor(root, p.pid, false), p.pid));
      }
      expect(fast).toEqual(expect.arrayContaining(expected));
      if (expected.length === 0) expect(fast).toEqual([]);
    });
  }
});
