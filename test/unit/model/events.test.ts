/**
 * Events from two observations, on the recorded hybrid-docker host (samples/hybrid-docker/README.md
 * says what is true in it): the second frame is the recording, the first the recording with one
 * fact changed as the kernel would have before (a container not yet there, a process not yet
 * exec'd, a limit before `docker update`, the freezer before `docker pause`).
 */
import { describe, expect, it } from 'vitest';
import { openHostRoot } from '../../../collectors/host-root.js';
import { briefEvents, diffFrames, matchesFilter, parseEventFilters, reportedExitCode, signalName, type EventFilter, type EventFrame, type KernelFacts } from '../../../src/model/events.js';
import { containerKey } from '../../../src/model/reconstruct.js';
import type { ContainerResources } from '../../../src/model/resources.js';
import { cgroupFileChange } from '../../../src/observe/event-source.js';
import { observeOnce } from '../../../src/observe/observer.js';
import { eventToJson } from '../../../views/json/events.js';
import { renderEventLine } from '../../../views/text/events.js';
import { schemaErrors } from '../../helpers/schema.js';

const WEB = '9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483';
const HOSTNET = 'ba9989d3d599ce65c0e517c8785a278c46642825b4ed61ace179153aa5fb4815';
const T = 1_764_000_000_000_000_000n;

const o = observeOnce(openHostRoot('samples/hybrid-docker'));
const recorded: EventFrame = { containers: o.model.containers, pods: o.model.pods, processes: o.model.snapshot.processes, resources: o.resources, timeNano: T };
const facts = (over: Partial<KernelFacts> = {}): KernelFacts => ({ exits: new Map(), execs: new Map(), starts: new Map(), oomNotified: new Map(), oomKills: [], kernelLog: true, trigger: 'proc-connector', ...over });
const web = o.model.containers.find((c) => c.id === WEB);
const webKey = web ? containerKey(web) : '';
const withResources = (f: EventFrame, key: string, edit: (r: ContainerResources) => ContainerResources): EventFrame => {
  const r = f.resources.get(key);
  if (!r) throw new Error(`no resources for ${key}`);
  return { ...f, resources: new Map([...f.resources, [key, edit(r)]]) };
};

describe('events from two observations (recorded hybrid-docker host)', () => {
  it('the recording has what the tests change', () => {
    expect(web?.name).toBe('sample-web');
    expect(o.resources.get(webKey)?.usage.freezer).toBe('thawed');
    expect(o.resources.get(webKey)?.limits.memoryBytes).toBe(67108864);
  });

  it('nothing changed: no event', () => {
    expect(diffFrames(recorded, { ...recorded, timeNano: T + 1n }, facts())).toEqual([]);
  });

  it('a container gone is an exit with its init exit status; one new is a start, named as ps names it', () => {
    const without = { ...recorded, containers: recorded.containers.filter((c) => c.id !== HOSTNET) };
    const exit = diffFrames(recorded, without, facts({ exits: new Map([[791, { exitCode: 7, signal: null, timeNano: T - 5n }]]) }));
    expect(exit).toEqual([expect.objectContaining({ action: 'exit', pid: 791, exitCode: 7, exitSignal: null, timeNano: T - 5n, source: 'proc-connector', container: { key: `docker/${HOSTNET}`, id: HOSTNET, name: 'sample-hostnet', engine: 'docker', image: 'ctrscope-sample-busybox:1', pod: null } })]);
    const start = diffFrames(without, recorded, facts({ execs: new Map([[791, T - 9n]]) }));
    expect(start).toEqual([expect.objectContaining({ action: 'start', pid: 791, timeNano: T - 9n, exitCode: null, command: 'sleep' })]);
  });

  it('a member whose parent is outside the container is a join (docker exec); a child of a member is not', () => {
    const before = { ...recorded, containers: recorded.containers.map((c) => (c.id === WEB ? { ...c, processes: c.processes.filter((p) => p.pid !== 820 && p.pid !== 705) } : c)) };
    const events = diffFrames(before, recorded, facts());
    expect(events.map((e) => [e.action, e.pid, e.partial])).toEqual([['join', 820, false]]);
    expect(events[0]?.command).toBe('sleep');
  });

  it('a new partial member is a partial join naming the namespaces it shares', () => {
    const nsenter = { pid: 4242, comm: 'sleep', shared: ['net' as const] };
    const after = { ...recorded, containers: recorded.containers.map((c) => (c.id === WEB ? { ...c, partialMembers: [...c.partialMembers, nsenter] } : c)) };
    const events = diffFrames(recorded, after, facts());
    expect(events).toEqual([expect.objectContaining({ action: 'join', pid: 4242, partial: true, namespaces: ['net'], command: 'sleep' })]);
  });

  it('freezer thawed -> frozen is pause, back is unpause', () => {
    const frozen = withResources(recorded, webKey, (r) => ({ ...r, usage: { ...r.usage, freezer: 'frozen' } }));
    expect(diffFrames(recorded, frozen, facts()).map((e) => e.action)).toEqual(['pause']);
    expect(diffFrames(frozen, recorded, facts()).map((e) => e.action)).toEqual(['unpause']);
  });

  it('a changed limit is an update with from and to (null: unlimited)', () => {
    const before = withResources(recorded, webKey, (r) => ({ ...r, limits: { ...r.limits, memoryBytes: 'unlimited', pids: 40 } }));
    const [e] = diffFrames(before, recorded, facts());
    expect(e).toMatchObject({ action: 'update', changes: { memoryBytes: { from: null, to: 67108864 }, pids: { from: 40, to: 50 } } });
  });

  it('an OOM kill from the kernel log goes to the container of its memory cgroup, or of its pid', () => {
    const byCgroup = diffFrames(recorded, recorded, facts({ oomKills: [{ pid: 99999, command: 'tail', taskMemcg: `/docker/${WEB}`, timeNano: T }] }));
    expect(byCgroup).toEqual([expect.objectContaining({ action: 'oom-kill', pid: 99999, command: 'tail', source: 'kmsg' })]);
    expect(byCgroup[0]?.container.name).toBe('sample-web');
    const byPid = diffFrames(recorded, recorded, facts({ oomKills: [{ pid: 705, command: 'sleep', taskMemcg: null, timeNano: T }] }));
    expect(byPid[0]?.container.name).toBe('sample-web');
    expect(diffFrames(recorded, recorded, facts({ oomKills: [{ pid: 99999, command: 'x', taskMemcg: '/user.slice', timeNano: T }] }))).toEqual([]);
  });

  it('without the kernel log, a rise of the oom_kill count is an oom-kill with no victim', () => {
    const count = (n: number): EventFrame => withResources(recorded, webKey, (r) => ({ ...r, usage: { ...r.usage, events: { ...r.usage.events, oomKill: n } } }));
    const events = diffFrames(count(0), count(1), facts({ kernelLog: false }));
    expect(diffFrames(count(0), count(1), facts({ kernelLog: true }))).toEqual([]);
    expect(events).toEqual([expect.objectContaining({ action: 'oom-kill', pid: null, command: null })]);
  });

  it('cgroup v2: a rise of memory.events oom is one oom event, not repeated when the v1 notification said it', () => {
    const count = (n: number): EventFrame => withResources(recorded, webKey, (r) => ({ ...r, usage: { ...r.usage, events: { ...r.usage.events, oom: n } } }));
    expect(diffFrames(count(0), count(2), facts())).toEqual([expect.objectContaining({ action: 'oom', source: 'cgroup-events', pid: 678 })]);
    expect(diffFrames(count(0), count(2), facts({ oomNotified: new Map([[webKey, T]]) })).map((e) => e.source)).toEqual(['oom-eventfd']);
  });

  it('a container that started and ended between two observations: start at its exec, exit with its status (briefEvents)', () => {
    const hostnet = recorded.containers.filter((c) => c.id === HOSTNET);
    const events = briefEvents(hostnet, recorded.pods, new Map([[791, T - 9n]]), new Map([[791, { exitCode: null, signal: 15, timeNano: T - 2n }]]));
    const container = { key: `docker/${HOSTNET}`, id: HOSTNET, name: 'sample-hostnet', engine: 'docker', image: 'ctrscope-sample-busybox:1', pod: null };
    expect(events).toEqual([
      expect.objectContaining({ action: 'start', pid: 791, timeNano: T - 9n, command: 'sleep', container, source: 'proc-connector' }),
      expect.objectContaining({ action: 'exit', pid: 791, timeNano: T - 2n, exitCode: 143, exitSignal: 15, exitSignalName: 'SIGTERM', container, source: 'proc-connector' }),
    ]);
    // Without an exit status (not ended, or the kernel did not say): neither.
    expect(briefEvents(hostnet, recorded.pods, new Map([[791, T - 9n]]), new Map())).toEqual([]);
  });

  it('an exit by a signal reads as engines and shells say it: 128 + the number, and the name', () => {
    expect([9, 15, 11, 34, 36, 64].map(signalName)).toEqual(['SIGKILL', 'SIGTERM', 'SIGSEGV', 'SIGRTMIN', 'SIGRTMIN+2', 'SIGRTMIN+30']);
    expect([0, 32, 65].map(signalName)).toEqual([null, null, null]);
    expect(reportedExitCode({ exitCode: null, signal: 9 })).toBe(137);
    expect(reportedExitCode({ exitCode: 7, signal: null })).toBe(7);
    expect(reportedExitCode({ exitCode: null, signal: null })).toBeNull();
  });

  it('which cgroup file modifications trigger what (v2 kernel notifications, limits, membership)', () => {
    expect(['cgroup.events', 'memory.events'].map(cgroupFileChange)).toEqual(['kernel-events', 'kernel-events']);
    expect(['memory.max', 'memory.limit_in_bytes', 'cpu.max', 'cpu.cfs_quota_us', 'pids.max', 'freezer.state', 'cgroup.freeze', 'cpuset.cpus'].map(cgroupFileChange)).toEqual(Array(8).fill('state'));
    expect(['cgroup.procs', 'tasks'].map(cgroupFileChange)).toEqual(['membership', 'membership']);
    expect(['cgroup.event_control', 'memory.stat', 'memory.events.local'].map(cgroupFileChange)).toEqual([null, null, null]);
  });

  it('JSON follows the schema; text is one line with the short id', () => {
    const without = { ...recorded, containers: recorded.containers.filter((c) => c.id !== HOSTNET) };
    const [e] = diffFrames(recorded, without, facts({ exits: new Map([[791, { exitCode: null, signal: 9, timeNano: 1_764_000_000_123_456_789n }]]) }));
    if (!e) throw new Error('no event');
    const json = eventToJson(e);
    expect(schemaErrors(json)).toEqual([]);
    expect(json).toMatchObject({ kind: 'event', time: '2025-11-24T16:00:00.123456789Z', timeNano: '1764000000123456789', exitCode: 137, exitSignal: 9, exitSignalName: 'SIGKILL' });
    expect(renderEventLine(e)).toBe('2025-11-24T16:00:00.123456789Z exit ba9989d3d599 (name=sample-hostnet, engine=docker, image=ctrscope-sample-busybox:1, pid=791, exitCode=137, signal=SIGKILL, source=proc-connector)\n');
  });
});

describe('--filter', () => {
  const f = (...specs: string[]): EventFilter => {
    const r = parseEventFilters(specs);
    if ('error' in r) throw new Error(r.error);
    return r;
  };
  const without = { ...recorded, containers: recorded.containers.filter((c) => c.id !== HOSTNET) };
  const [exit] = diffFrames(recorded, without, facts());

  it('keys combine, values of one key are alternatives; id is a prefix', () => {
    if (!exit) throw new Error('no event');
    expect(matchesFilter(exit, f('engine=docker', 'action=exit'))).toBe(true);
    expect(matchesFilter(exit, f('action=start', 'action=exit'))).toBe(true);
    expect(matchesFilter(exit, f('id=ba9989'))).toBe(true);
    expect(matchesFilter(exit, f('id=9d45'))).toBe(false);
    expect(matchesFilter(exit, f('name=sample-hostnet', 'engine=podman'))).toBe(false);
    expect(matchesFilter(exit, f('engine=none'))).toBe(false);
    expect(matchesFilter(exit, f('pod=anything'))).toBe(false);
  });

  it('a filter that does not parse is one message', () => {
    for (const bad of ['engine', 'colour=red', 'action=die', 'name=']) {
      const r = parseEventFilters([bad]);
      expect('error' in r && r.error.startsWith(`--filter ${bad}:`)).toBe(true);
    }
  });
});
