/**
 * `ns` and the `ps` table read status and argv of each container's candidates for its first
 * process only (CollectOptions.initsOnly), not of every member. On every recorded host that
 * replays, the containers, their first processes, commands and pods must come out as when every
 * member is read, and the other members must not have been read.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../../collectors/collect.js';
import { openHostRoot } from '../../../collectors/host-root.js';
import { buildHostModel } from '../../../src/model/host-model.js';
import type { HostSnapshot } from '../../../src/model/host.js';
import { initCandidatePids } from '../../../src/model/reconstruct.js';
import { createObserver, type ObserverOptions } from '../../../src/observe/observer.js';
import { writePsJson } from '../../../views/json/container.js';

const SAMPLES = ['hybrid-docker', 'hybrid-handmade', 'v2-systemd'];

describe('initsOnly on the recorded hosts', () => {
  for (const name of SAMPLES) {
    const dir = `samples/${name}`;
    it(`${name}: same containers, first processes, commands and pods; other members unread`, () => {
      expect(existsSync(dir)).toBe(true);
      const root = openHostRoot(dir);
      const full = buildHostModel(collectSnapshot(root, { nowMs: 0 }));
      const lean = buildHostModel(collectSnapshot(root, { nowMs: 0, initsOnly: true }));
      const shape = (m: typeof full) => ({
        containers: m.containers.map((c) => ({ id: c.id, engine: c.engine, name: c.name, pid: c.pid, command: c.command, pod: c.pod, processes: c.processes.map((p) => [p.pid, p.via]), partial: c.partialMembers })),
        pods: m.pods,
      });
      expect(shape(lean)).toEqual(shape(full));
      expect(full.containers.length).toBeGreaterThan(0);

      const candidates = initCandidatePids(lean.snapshot.grouping as NonNullable<typeof lean.snapshot.grouping>, lean.snapshot.processes);
      const byPid = new Map(lean.snapshot.processes.map((p) => [p.pid, p]));
      const members = full.containers.flatMap((c) => c.processes.map((p) => p.pid));
      // Every first process was read; members that could not be one were not.
      for (const c of lean.containers) expect(byPid.get(c.pid)?.uids).not.toBeNull();
      const unread = members.filter((pid) => !candidates.has(pid));
      if (name === 'hybrid-handmade') expect(unread.length).toBeGreaterThan(0);
      for (const pid of unread) expect([pid, byPid.get(pid)?.uids, byPid.get(pid)?.cmdline]).toEqual([pid, null, null]);
    });
  }
});

/**
 * `ps --json` reads every member's status (it shows each one's NSpid) but the argv of each
 * container's candidates for its first process only (CollectOptions.membersArgv false): the
 * container's command is the only argv it shows. The document must be byte for byte the one a
 * read of every member's argv makes.
 */
describe('membersArgv false on the recorded hosts', () => {
  const psJson = (dir: string, options: ObserverOptions): { text: string; snapshot: HostSnapshot } => {
    const observer = createObserver(openHostRoot(dir), { now: () => 0, ...options });
    try {
      const obs = observer.observe({ details: {} });
      let text = '';
      writePsJson(obs, (t) => (text += t));
      return { text, snapshot: obs.model.snapshot };
    } finally {
      observer.close();
    }
  };
  for (const name of SAMPLES) {
    const dir = `samples/${name}`;
    it(`${name}: the same ps --json document; each member's status read, argv of first-process candidates only`, () => {
      const full = psJson(dir, {});
      const lean = psJson(dir, { membersArgv: false });
      expect(lean.text).toBe(full.text);
      const doc = JSON.parse(lean.text) as { containers: { processes: { pid: number; nspid: number[] | null }[] }[] };
      expect(doc.containers.length).toBeGreaterThan(0);
      const grouping = lean.snapshot.grouping as NonNullable<HostSnapshot['grouping']>;
      const candidates = initCandidatePids(grouping, lean.snapshot.processes);
      const byPid = new Map(lean.snapshot.processes.map((p) => [p.pid, p]));
      const members = doc.containers.flatMap((c) => c.processes.map((p) => p.pid));
      for (const pid of members) expect([pid, byPid.get(pid)?.uids]).not.toEqual([pid, null]);
      const unread = members.filter((pid) => !candidates.has(pid));
      if (name === 'hybrid-handmade') expect(unread.length).toBeGreaterThan(0);
      for (const pid of unread) expect([pid, byPid.get(pid)?.cmdline]).toEqual([pid, null]);
      for (const pid of candidates) if (byPid.get(pid)?.gaps.length === 0) expect([pid, byPid.get(pid)?.cmdline]).not.toEqual([pid, null]);
    });
  }
});
