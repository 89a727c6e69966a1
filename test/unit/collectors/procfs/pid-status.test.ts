import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePidStatus } from '../../../../collectors/procfs/pid-status.js';
import { ParseError } from '../../../../collectors/read.js';
import { recordedProcFiles } from '../../../helpers/fixtures.js';

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

describe('parsePidStatus number lists', () => {
  /** The lists and numbers as whitespace splitting reads them, the kernel's tabs or not. */
  const bySplit = (text: string, key: string): number[] | null => {
    const line = text.split('\n').find((l) => l.startsWith(`${key}:`));
    if (line === undefined) return null;
    const v = line.slice(key.length + 1).trim();
    return v === '' ? null : v.split(/\s+/).map(Number);
  };
  const files = recordedProcFiles('status');

  it('reads every field of every recorded status as its line says (number lists as splitting on whitespace does)', () => {
    expect(files.length).toBeGreaterThan(200);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const s = parsePidStatus(text);
      expect(s.uids, f).toEqual(bySplit(text, 'Uid'));
      expect(s.gids, f).toEqual(bySplit(text, 'Gid') ?? []);
      expect(s.nspid, f).toEqual(bySplit(text, 'NSpid'));
      expect(s.seccomp, f).toEqual(bySplit(text, 'Seccomp')?.[0] ?? null);
      expect(s.vmRssKiB, f).toEqual(bySplit(text, 'VmRSS')?.[0] ?? null);
      const value = (key: string): string | undefined => text.split('\n').find((l) => l.startsWith(`${key}:`))?.slice(key.length + 1).trim();
      expect([s.name, s.ppid, s.capInh, s.capPrm, s.capEff, s.capBnd, s.capAmb, s.seccompFilters, s.noNewPrivs], f).toEqual([
        value('Name'),
        Number(value('PPid')),
        value('CapInh') ?? null,
        value('CapPrm') ?? null,
        value('CapEff') ?? null,
        value('CapBnd') ?? null,
        value('CapAmb') ?? null,
        value('Seccomp_filters') === undefined ? null : Number(value('Seccomp_filters')),
        value('NoNewPrivs') === undefined ? null : value('NoNewPrivs') === '1',
      ]);
    }
  });

  it('reads lists spaced otherwise than by single tabs, and refuses what is no number', () => {
    const base = 'Name:\tx\nPPid:\t1\n';
    expect(parsePidStatus(`${base}Uid:  0 1\t\t2   3\nNSpid:\t5\t\t 1\nVmRSS:\t  12\tkB\n`)).toMatchObject({ uids: [0, 1, 2, 3], nspid: [5, 1], vmRssKiB: 12 });
    expect(parsePidStatus(`${base}Uid:\t007\t10\nSeccomp:\t2\n`)).toMatchObject({ uids: [7, 10], seccomp: 2 });
    expect(parsePidStatus(`${base}Uid:\t1234567890123456\t0\n`).uids).toEqual([1234567890123456, 0]);
    expect(() => parsePidStatus(`${base}Uid:\t12345678901234567890\n`)).toThrow(/out of range/);
    for (const bad of ['Uid:\t0\tx', 'Uid:\t-', 'Uid:\t0\nNSpid:\t1\t2a', 'Uid:\t0\nVmRSS:\tkB 12', 'Uid:\t0\nSeccomp:\t1.5']) expect(() => parsePidStatus(`${base}${bad}\n`)).toThrow(ParseError);
  });
});
