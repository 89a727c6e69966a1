/**
 * What enter joins: flags against the kernel's namespace types and the target's inodes (values
 * as /proc/<pid>/ns links show them on this machine's kernel), and what it warns about.
 */
import { describe, expect, it } from 'vitest';
import { confinementGaps, decideOutcomes, needsSingleThreaded, requestedTypes } from '../../../src/model/enter-plan.js';
import { NS_TYPES, type NsSet, type NsType } from '../../../src/model/namespace.js';

const ALL = new Set<NsType>(NS_TYPES);
const NO_TIME = new Set<NsType>(NS_TYPES.filter((t) => t !== 'time'));
// Host namespaces, and a docker container's: private mnt, uts, ipc, net, pid, cgroup; host user and time.
const HOST: NsSet = { cgroup: 4026531835, ipc: 4026531839, mnt: 4026531841, net: 4026531840, pid: 4026531836, time: 4026531834, user: 4026531837, uts: 4026531838 };
const DOCKER: NsSet = { ...HOST, cgroup: 4026532641, ipc: 4026532638, mnt: 4026532636, net: 4026532640, pid: 4026532639, uts: 4026532637 };
const flags = (types: NsType[], all = false, noUser = false) => ({ types, all, noUser });

describe('requestedTypes', () => {
  it('keeps named types in nsenter join order', () => {
    expect(requestedTypes(flags(['mnt', 'net', 'pid']), ALL, null)).toEqual({ types: ['net', 'pid', 'mnt'], unsupported: [] });
  });

  it('--all is every type the kernel has, --all --no-user leaves user out', () => {
    expect(requestedTypes(flags([], true), NO_TIME, null).types).toEqual(['user', 'cgroup', 'ipc', 'uts', 'net', 'pid', 'mnt']);
    expect(requestedTypes(flags([], true, true), ALL, null).types).toEqual(['cgroup', 'ipc', 'uts', 'net', 'pid', 'mnt', 'time']);
  });

  it('a named type the kernel lacks is reported, not dropped', () => {
    expect(requestedTypes(flags(['net', 'time']), NO_TIME, null)).toEqual({ types: ['net'], unsupported: ['time'] });
  });

  it('for a pod, --all means the namespaces its containers share', () => {
    expect(requestedTypes(flags([], true), ALL, ['net', 'ipc', 'uts']).types).toEqual(['ipc', 'uts', 'net']);
  });
});

describe('decideOutcomes', () => {
  it('joins what differs, skips what the target shares with us, and names what it has on its own', () => {
    const o = decideOutcomes(['user', 'net', 'pid', 'time'], DOCKER, HOST, ALL);
    expect(o).toEqual({ user: 'same', cgroup: 'not-requested', ipc: 'not-requested', uts: 'not-requested', net: 'join', pid: 'join', mnt: 'not-requested', time: 'same' });
    // user and time are the host's: no single-threaded helper needed even though they were asked for.
    expect(needsSingleThreaded(o)).toBe(false);
  });

  it('a private user or time namespace needs the single-threaded helper', () => {
    const rootless = { ...DOCKER, user: 4026532700 };
    expect(needsSingleThreaded(decideOutcomes(['user', 'net'], rootless, HOST, ALL))).toBe(true);
    expect(needsSingleThreaded(decideOutcomes(['net'], rootless, HOST, ALL))).toBe(false);
  });

  it('an unknown target inode counts as different', () => {
    expect(decideOutcomes(['net'], {}, HOST, ALL).net).toBe('join');
    expect(decideOutcomes(['net'], {}, HOST, NO_TIME).time).toBe('unsupported');
  });
});

describe('confinementGaps', () => {
  const o = decideOutcomes(['net'], DOCKER, HOST, ALL);
  // CapBnd of a docker default container (read on this machine), and the full set of a 41-capability kernel.
  const dockerBnd = '00000000a80425fb';
  const rootBnd = '000001ffffffffff';

  it('names the private namespaces not joined, the cgroup, seccomp and capabilities', () => {
    const gaps = confinementGaps({ outcomes: o, cgroupPath: '/docker/abc', joinCgroup: false, seccomp: 2, capBnd: dockerBnd, ownCapBnd: rootBnd });
    expect(gaps).toEqual([
      "not in its cgroup, ipc, uts, pid, mnt namespaces: the host's are kept",
      "not in the container's cgroup (/docker/abc): its memory, cpu and pids limits do not apply (--join-cgroup to apply them)",
      "runs with ctrscope's privileges, unlike the target: no seccomp filter, capabilities it was denied",
    ]);
  });

  it('says nothing when the command is as confined as far as enter can tell', () => {
    const all = decideOutcomes(NS_TYPES.slice(), DOCKER, HOST, ALL);
    expect(confinementGaps({ outcomes: all, cgroupPath: '/docker/abc', joinCgroup: true, seccomp: 0, capBnd: rootBnd, ownCapBnd: rootBnd })).toEqual([]);
  });
});
