/** runc state.json parsing, on the state file runc 1.1.5 wrote (test/fixtures/runc). */
import { describe, expect, it } from 'vitest';
import { collectRuntimeStates } from '../../../../collectors/engines/readers.js';
import { parseCrunStatus, parseRuncState, runtimeStateMetadata } from '../../../../collectors/engines/runtime-state.js';
import { ParseError } from '../../../../collectors/read.js';
import { filesRoot, fixture } from '../../../helpers/fixtures.js';

const stateJson = fixture('runc/state.json');
// runc's own report at the same moment, and the kernel's start time of the init process.
const runcSays = JSON.parse(fixture('runc/runc-state-output.json')) as { id: string; pid: number; bundle: string; rootfs: string; created: string };
const kernelStart = Number(fixture('runc/init-stat-starttime').trim());

describe('parseRuncState', () => {
  it('reads id, init pid, start time, bundle, rootfs and creation time as runc reports them', () => {
    const s = parseRuncState(stateJson, '/run/runc/ctrscope-it-fixture-web/state.json');
    expect(s).toEqual({
      runtime: 'runc',
      id: runcSays.id,
      pid: runcSays.pid,
      starttimeTicks: kernelStart,
      bundle: runcSays.bundle,
      rootfs: runcSays.rootfs,
      createdAt: runcSays.created,
      source: '/run/runc/ctrscope-it-fixture-web/state.json',
    });
  });

  it('accepts the decimal-string init_process_start of runc before 1.0', () => {
    const old = stateJson.replace(`"init_process_start":${kernelStart}`, `"init_process_start":"${kernelStart}"`);
    expect(old).not.toBe(stateJson);
    expect(parseRuncState(old, 'x').starttimeTicks).toBe(kernelStart);
  });

  it('drops a start time it cannot hold exactly rather than compare a rounded one', () => {
    const huge = stateJson.replace(`"init_process_start":${kernelStart}`, '"init_process_start":18446744073709551615');
    expect(parseRuncState(huge, 'x').starttimeTicks).toBeNull();
  });

  it.each([
    ['truncated file', stateJson.slice(0, 200)],
    ['a JSON array', '[]'],
    ['no init_process_pid', stateJson.replace('"init_process_pid"', '"pid"')],
  ])('refuses %s with a ParseError', (_, text) => {
    expect(() => parseRuncState(text, 'x')).toThrow(ParseError);
  });
});

describe('parseCrunStatus', () => {
  // No crun capture exists (crun cannot run on the hybrid development host; see the fixture
  // README), so only the refusals are tested here.
  it.each([
    ['not JSON', 'pid=1'],
    ['no pid', '{"bundle":"/b"}'],
  ])('refuses %s with a ParseError', (_, text) => {
    expect(() => parseCrunStatus(text, 'c', 'x')).toThrow(ParseError);
  });
});

describe('collectRuntimeStates', () => {
  it('finds the state under /run/runc and turns it into metadata naming the file', () => {
    const file = '/run/runc/ctrscope-it-fixture-web/state.json';
    const { states, gaps } = collectRuntimeStates(filesRoot({ [file]: stateJson }));
    expect(gaps).toEqual([]);
    expect(states.map((s) => [s.id, s.pid])).toEqual([[runcSays.id, runcSays.pid]]);
    expect(runtimeStateMetadata(states[0] as (typeof states)[number])).toEqual({
      name: runcSays.id,
      image: runcSays.rootfs,
      runtime: 'runc',
      createdAt: runcSays.created,
      sources: [file],
    });
  });

  it('reports a malformed state file as a gap and keeps the others', () => {
    const good = '/run/runc/ctrscope-it-fixture-web/state.json';
    const bad = '/run/runc/broken/state.json';
    const { states, gaps } = collectRuntimeStates(filesRoot({ [good]: stateJson, [bad]: stateJson.slice(0, 100) }));
    expect(states.map((s) => s.id)).toEqual([runcSays.id]);
    expect(gaps.map((g) => [g.path, g.reason])).toEqual([[bad, 'malformed']]);
  });
});
