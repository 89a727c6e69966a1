import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePidStatus } from '../../../../collectors/procfs/pid-status.js';
import { ParseError } from '../../../../collectors/read.js';

const sample = (p: string): string => readFileSync(`samples/${p}`, 'utf8');

describe('parsePidStatus', () => {
  it('reads a docker container init, tab separated (samples/hybrid-docker pid 678)', () => {
    const s = parsePidStatus(readFileSync('samples/hybrid-docker/proc/678/status', 'utf8'));
    expect(s).toEqual({
      name: 'sleep',
      ppid: 656,
      uids: [0, 0, 0, 0],
      gids: [0, 0, 0, 0],
      nspid: [678, 1],
      capInh: '0000000000000000',
      capPrm: '00000000a80425fb',
      capEff: '00000000a80425fb',
      capBnd: '00000000a80425fb',
      capAmb: '0000000000000000',
      seccomp: 2,
      seccompFilters: 1,
      noNewPrivs: false,
      vmRssKiB: 1380,
    });
  });

  it('reads the space-separated variant (coroot proc/fixtures/88451/status)', () => {
    // A real capture where every "Key:" is followed by spaces, not a tab.
    const s = parsePidStatus(sample('cgroup-coroot/proc/88451/status'));
    expect(s.name).toBe('java');
    expect(s.ppid).toBe(88450);
    expect(s.uids).toEqual([991, 991, 991, 991]);
    expect(s.gids).toEqual([987, 987, 987, 987]);
    expect(s.nspid).toEqual([88451]);
  });

  it('reads NSpid of a process inside a child pid namespace (coroot proc/fixtures/123/status)', () => {
    const s = parsePidStatus(sample('cgroup-coroot/proc/123/status'));
    expect(s.nspid).toEqual([1873966, 1]);
    expect(s.capEff).toBe('00000000a80425fb');
    expect(s.seccomp).toBe(0);
  });

  it('refuses a status without Uid, and a capability mask that is not hex', () => {
    expect(() => parsePidStatus('Name:\tsleep\nPPid:\t1\n')).toThrow(ParseError);
    expect(() => parsePidStatus('Name:\tsleep\nPPid:\t1\nUid:\t0\t0\t0\t0\nCapEff:\tzz\n')).toThrow(ParseError);
  });
});
