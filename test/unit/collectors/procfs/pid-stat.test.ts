import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePidStat } from '../../../../collectors/procfs/pid-stat.js';
import { ParseError } from '../../../../collectors/read.js';

describe('parsePidStat', () => {
  it('reads a container init from samples/hybrid-docker (sample-web, pid 678)', () => {
    const s = parsePidStat(readFileSync('samples/hybrid-docker/proc/678/stat', 'utf8'));
    expect(s).toEqual({
      pid: 678,
      comm: 'sleep',
      state: 'S',
      ppid: 656,
      kernelThread: false,
      utimeTicks: 0,
      stimeTicks: 1,
      numThreads: 1,
      starttimeTicks: 672925,
      rssPages: 316,
    });
  });

  it('flags kthreadd as a kernel thread (PF_KTHREAD in field 9)', () => {
    const s = parsePidStat(readFileSync('samples/hybrid-docker/proc/2/stat', 'utf8'));
    expect(s).toMatchObject({ pid: 2, comm: 'kthreadd', ppid: 0, kernelThread: true, starttimeTicks: 25 });
  });

  it('takes comm up to the LAST ")" when it contains ") (" and spaces', () => {
    // Captured on the test VM after `printf 'a) (b c' > /proc/$$/comm`.
    const line =
      '6981 (a) (b c) S 6979 6979 7458 0 -1 4194304 93 0 0 0 0 0 0 0 20 0 1 0 153091 2654208 399 18446744073709551615 94290551848960 94290551925689 140735535571872 0 0 0 0 0 65538 1 0 0 17 0 0 0 0 0 0 94290551954992 94290551960128 94291439423488 140735535577791 140735535577849 140735535577849 140735535579116 0\n';
    const s = parsePidStat(line);
    expect(s.comm).toBe('a) (b c');
    expect(s.state).toBe('S');
    expect(s.ppid).toBe(6979);
    expect(s.starttimeTicks).toBe(153091);
    expect(s.rssPages).toBe(399);
  });

  it('reads a zombie (state Z) captured on the test VM', () => {
    const line = '28532 (python3) Z 28486 28484 7458 0 -1 4227148 223 0 0 0 0 0 0 0 20 0 1 0 171727 0 0 18446744073709551615 0 0 0 0 0 0 0 16781312 2 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';
    expect(parsePidStat(line)).toMatchObject({ pid: 28532, comm: 'python3', state: 'Z', ppid: 28486, starttimeTicks: 171727, rssPages: 0 });
  });

  it.each([
    ['no comm', '6981 S 6979'],
    ['short line', '6981 (sleep) S 6979 6979 7458 0 -1'],
    ['non-numeric ppid', '6981 (sleep) S x 6979 7458 0 -1 4194304 93 0 0 0 0 0 0 0 20 0 1 0 153091 2654208 399 1'],
  ])('refuses %s with a ParseError', (_what, text) => {
    expect(() => parsePidStat(text)).toThrow(ParseError);
  });
});
