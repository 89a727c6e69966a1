import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePidStat } from '../../../../collectors/procfs/pid-stat.js';
import { ParseError } from '../../../../collectors/read.js';
import { recordedProcFiles } from '../../../helpers/fixtures.js';

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

/** Field N of a stat line as proc(5) numbers them, by splitting everything after comm on spaces. */
function splitField(text: string, n: number): string | undefined {
  return text.slice(text.lastIndexOf(')') + 2).trim().split(' ')[n - 3];
}

describe('parsePidStat on every recorded stat', () => {
  const files = recordedProcFiles('stat');

  it('reads each field where splitting the whole line finds it', () => {
    expect(files.length).toBeGreaterThan(200);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const s = parsePidStat(text);
      expect([s.state, s.ppid, s.utimeTicks, s.stimeTicks, s.numThreads, s.starttimeTicks, s.rssPages], f).toEqual([
        splitField(text, 3),
        Number(splitField(text, 4)),
        Number(splitField(text, 14)),
        Number(splitField(text, 15)),
        Number(splitField(text, 20)),
        Number(splitField(text, 22)),
        Math.max(0, Number(splitField(text, 24))),
      ]);
    }
  });

  it('counts the fields of a short line as splitting does, and reads exactly 24', () => {
    const full = readFileSync('samples/hybrid-docker/proc/678/stat', 'utf8').trim();
    const cut = (k: number): string => full.split(' ').slice(0, k).join(' ');
    for (let k = 3; k < 24; k++) expect(() => parsePidStat(cut(k))).toThrow(`expected at least 24 fields, got ${k}`);
    expect(parsePidStat(cut(24)).rssPages).toBe(316);
    expect(parsePidStat(cut(24) + '\n').rssPages).toBe(316);
    // Two spaces make an empty field, as splitting on one space does.
    expect(() => parsePidStat(full.replace(' S ', ' S  '))).toThrow(ParseError);
  });
});
