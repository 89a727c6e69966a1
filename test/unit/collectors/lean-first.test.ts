/**
 * `ps` with rates observes twice: the first observation reads no process's status or argv
 * (ObserveRound.lean) and only the counters (resources: 'counters'). The second must come out as
 * a one-shot observation does, on recorded hosts where a repeated scan finds nothing changed.
 */
import { describe, expect, it } from 'vitest';
import { openHostRoot } from '../../../collectors/host-root.js';
import { createObserver, observeOnce } from '../../../src/observe/observer.js';
import type { Observation } from '../../../src/observe/observation.js';

const shape = (o: Observation) =>
  o.model.containers.map((c) => ({ key: `${c.engine}/${c.id}`, name: c.name, pid: c.pid, command: c.command, pod: c.pod, processes: c.processes, limits: o.resources.get(`${c.engine ?? 'none'}/${c.id}`)?.limits }));

describe('a lean first observation, then a full one', () => {
  for (const name of ['hybrid-docker', 'hybrid-handmade', 'v2-systemd']) {
    it(`${name}: the second observation has every member's status, argv and the limits`, () => {
      const root = openHostRoot(`samples/${name}`);
      const once = observeOnce(root);
      const observer = createObserver(root, { continuous: true });
      try {
        const first = observer.observe({ lean: true, resources: 'counters' });
        // The first read no member's argv: its commands are the kernel's comm.
        expect(first.model.snapshot.processes.filter((p) => p.cmdline !== null).length).toBeLessThan(once.model.snapshot.processes.filter((p) => p.cmdline !== null).length);
        const second = observer.observe();
        expect(shape(second)).toEqual(shape(once));
        expect(second.model.containers.some((c) => c.processes.some((m) => m.nspid !== null))).toBe(true);
      } finally {
        observer.close();
      }
    });
  }
});
