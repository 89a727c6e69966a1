import { describe, expect, it } from 'vitest';
import { parseLoadavg } from '../../../collectors/procfs/loadavg.js';
import { parseMeminfo } from '../../../collectors/procfs/meminfo.js';
import { parseUptime } from '../../../collectors/procfs/uptime.js';
import { ParseError } from '../../../collectors/read.js';

// Captured on the development VM (kernel 6.18, 2 CPUs).
const MEMINFO = `MemTotal:       24684096 kB
MemFree:        23198732 kB
MemAvailable:   24137916 kB
Buffers:           21308 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
`;

describe('host summary parsers', () => {
  it('/proc/loadavg', () => {
    expect(parseLoadavg('1.26 0.86 0.40 1/211 19368\n')).toEqual([1.26, 0.86, 0.4]);
    expect(() => parseLoadavg('1.26 0.86\n')).toThrow(ParseError);
  });
  it('/proc/uptime', () => {
    expect(parseUptime('927.02 1603.14\n')).toBe(927.02);
    expect(() => parseUptime('-3 1\n')).toThrow(ParseError);
  });
  it('/proc/meminfo: kB is KiB; unit-less counts stay counts', () => {
    const m = parseMeminfo(MEMINFO);
    expect(m.get('MemTotal')).toBe(24684096 * 1024);
    expect(m.get('MemAvailable')).toBe(24137916 * 1024);
    expect(m.get('HugePages_Total')).toBe(0);
    expect(() => parseMeminfo('MemTotal: lots\n')).toThrow(ParseError);
    expect(() => parseMeminfo('MemTotal: 99999999999999999999 kB\n')).toThrow(ParseError);
  });
});
