/**
 * cgroupfs parsers on real captured text (samples/cgroup-coroot, samples/cgroup-kepler, and lines
 * read on the hybrid v1 test host), plus one hostile case each.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCfsQuotaUs, parseCpuacctStat, parseCpuMax, parseCpuStat } from '../../../../collectors/cgroupfs/cpu.js';
import { parseCpuList } from '../../../../collectors/cgroupfs/cpuset.js';
import { parseCgroupEventsFrozen, parseFreezerState } from '../../../../collectors/cgroupfs/freezer.js';
import { parseBlkioThrottle, parseBlkioThrottleLimit, parseIoMax, parseIoStat } from '../../../../collectors/cgroupfs/io.js';
import { parseMemoryEvents, parseMemoryStatV1, parseMemoryStatV2, parseOomControl } from '../../../../collectors/cgroupfs/memory.js';
import { parsePressure } from '../../../../collectors/cgroupfs/pressure.js';
import { parseCgroupInt, parseFlatKeyed, parseMaxOrInt, parseV1LimitBytes } from '../../../../collectors/cgroupfs/values.js';
import { ParseError } from '../../../../collectors/read.js';

const COROOT = 'samples/cgroup-coroot/sys/fs/cgroup';
const K8S_V2 = `${COROOT}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod8712f785_1a3e_41ec_a00b_e2dcc77431cb.slice/docker-73051af271105c07e1f493b34856a77e665e3b0b4fc72f76c807dfbffeb881bd.scope`;
const DOCKER_V2 = `${COROOT}/system.slice/docker-ba7b10d15d16e10e3de7a2dcd408a3d971169ae303f46cfad4c5453c6326fee2.scope`;
const V1_ID = 'b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f';
const KEPLER = 'samples/cgroup-kepler/sys/fs/cgroup';
const CRIO_POD = `${KEPLER}/kubepods.slice/kubepods-pod2178b456_853f_4316_9c4c_688928940bdd.slice/crio-89868dc96f57ccd419a59ebbb8e24314690dc992915b2ec6e36536d761829bd.scope`;
const CRIO_SYS = `${KEPLER}/system.slice/crio-06c17bf4f4f3a0bf2b79887c030f5d826e748bfb30c12b1ff498c83622dd5243.scope`;
const text = (p: string): string => readFileSync(p, 'utf8');

describe('single values and "max"', () => {
  it('reads memory.current, memory.max (a number and "max") from v2 captures', () => {
    expect(parseCgroupInt(text(`${K8S_V2}/memory.current`))).toBe(48648192);
    expect(parseMaxOrInt(text(`${K8S_V2}/memory.max`))).toBe('max');
    expect(parseMaxOrInt(text(`${DOCKER_V2}/memory.max`))).toBe(4294967296);
    expect(parseCgroupInt(text(`${CRIO_POD}/memory.current`))).toBe(68997120);
    expect(parseCgroupInt(text(`${CRIO_SYS}/memory.current`))).toBe(67543040);
  });

  it('reads the v1 "unlimited" limit as max, never as a number', () => {
    expect(parseV1LimitBytes(text(`${COROOT}/memory/system.slice/docker.service/memory.limit_in_bytes`))).toBe('max');
    expect(parseV1LimitBytes('9223372036854710272\n')).toBe('max'); // 64 KiB pages
    expect(parseV1LimitBytes(text(`${COROOT}/memory/docker/${V1_ID}/memory.limit_in_bytes`))).toBe(21474836480);
    expect(parseV1LimitBytes('67108864\n')).toBe(64 * 1024 * 1024);
  });

  it.each([
    ['garbage', 'lots'],
    ['negative', '-4096'],
    ['two values', '1\n2\n'],
    ['empty', ''],
    ['beyond 2^53 but not unlimited-sized', '9007199254740993'],
  ])('refuses %s', (_, t) => {
    expect(() => parseCgroupInt(t)).toThrow(ParseError);
  });

  it('refuses garbage in keyed files and names the file', () => {
    expect(() => parseFlatKeyed('anon 1\nnot-a-pair\n', 'memory.stat')).toThrow(/memory.stat/);
    expect(() => parseMemoryStatV2('anon 12x\nfile 1\n')).toThrow(ParseError);
    expect(() => parseMemoryStatV2('anon -5\n')).toThrow(/negative/);
    // Keeping only wanted keys still checks every line, in the kernel's form or not.
    const wanted = ['file'];
    expect(() => parseFlatKeyed('anon 1\nnot-a-pair\nfile 2\n', 'memory.stat', wanted)).toThrow(/memory.stat/);
    expect(() => parseFlatKeyed('anon 1 2\nfile 2\n', 'memory.stat', wanted)).toThrow(/memory.stat/);
    expect(parseFlatKeyed('anon 1\n  file\t2  \n\nshmem 3', 'memory.stat', wanted)).toEqual(new Map([['file', '2']]));
  });

  it('a keyed file read for some keys gives what reading every key gives for them', () => {
    const t = text(`${COROOT}/memory/docker/${V1_ID}/memory.stat`);
    const all = parseFlatKeyed(t, 'memory.stat');
    const some = parseFlatKeyed(t, 'memory.stat', ['total_rss', 'total_inactive_file', 'nonexistent']);
    expect(all.size).toBeGreaterThan(30);
    expect(some).toEqual(new Map([['total_rss', all.get('total_rss')], ['total_inactive_file', all.get('total_inactive_file')]]));
  });
});

describe('cpu', () => {
  it('reads v2 cpu.max: 0.1 CPU and "max"', () => {
    expect(parseCpuMax(text(`${K8S_V2}/cpu.max`))).toEqual({ quotaUsec: 10000, periodUsec: 100000 });
    expect(parseCpuMax(text(`${DOCKER_V2}/cpu.max`))).toEqual({ quotaUsec: 'max', periodUsec: 100000 });
    expect(() => parseCpuMax('max')).toThrow(ParseError);
    expect(() => parseCpuMax('10000 0')).toThrow(/period 0/);
  });

  it('reads v2 cpu.stat in microseconds', () => {
    expect(parseCpuStat(text(`${K8S_V2}/cpu.stat`))).toEqual({ usageUsec: 3795681254, userUsec: 3160014031, systemUsec: 635667223, nrPeriods: 809036, nrThrottled: 76, throttledUsec: 363166 });
    expect(parseCpuStat(text(`${CRIO_POD}/cpu.stat`))).toEqual({ usageUsec: 14055882950, userUsec: 6643993500, systemUsec: 7411889450, nrPeriods: 796033, nrThrottled: 427128, throttledUsec: 576863747453 });
    expect(parseCpuStat(text(`${CRIO_SYS}/cpu.stat`)).nrThrottled).toBe(427152);
    // Hybrid unified cgroup without the cpu controller: usage only.
    expect(parseCpuStat(text(`${COROOT}/unified/system.slice/ssh.service/cpu.stat`))).toEqual({ usageUsec: 151439967, userUsec: 99140470, systemUsec: 52299496, nrPeriods: null, nrThrottled: null, throttledUsec: null });
  });

  it('reads v1 cpu.stat throttled_time (ns) as microseconds, and cfs quota', () => {
    const s = parseCpuStat(text(`${COROOT}/cpu/docker/${V1_ID}/cpu.stat`));
    expect(s).toEqual({ usageUsec: null, userUsec: null, systemUsec: null, nrPeriods: 380975143, nrThrottled: 5583849, throttledUsec: 254005032764.376 });
    expect(parseCfsQuotaUs(text(`${COROOT}/cpu/docker/${V1_ID}/cpu.cfs_quota_us`))).toBe(150000);
    expect(parseCgroupInt(text(`${COROOT}/cpu/docker/${V1_ID}/cpu.cfs_period_us`))).toBe(100000);
    expect(parseCfsQuotaUs(text(`${COROOT}/cpu/system.slice/docker.service/cpu.cfs_quota_us`))).toBe('max');
    expect(parseCgroupInt(text(`${COROOT}/cpuacct/docker/${V1_ID}/cpuacct.usage`))).toBe(107292866812141);
    expect(() => parseCfsQuotaUs('-2')).toThrow(ParseError);
  });

  it('reads v1 cpuacct.stat (USER_HZ ticks) as microseconds', () => {
    // Captured on the hybrid test host (Linux 6.18), the root cpuacct cgroup.
    expect(parseCpuacctStat('user 1163836\nsystem 494150\n')).toEqual({ userUsec: 11638360000, systemUsec: 4941500000 });
    expect(() => parseCpuacctStat('user 12\n')).toThrow(ParseError);
  });

  it('counts cpus in a cpu list', () => {
    expect(parseCpuList('0-1\n')).toEqual({ text: '0-1', count: 2 });
    expect(parseCpuList('0-3,8-11,15\n').count).toBe(9);
    expect(parseCpuList('\n').count).toBe(0);
    expect(() => parseCpuList('3-1')).toThrow(ParseError);
  });
});

describe('memory', () => {
  it('reads the v2 breakdown', () => {
    expect(parseMemoryStatV2(text(`${K8S_V2}/memory.stat`))).toEqual({ anonBytes: 44892160, fileBytes: 1044480, kernelBytes: null, shmemBytes: 98304, inactiveFileBytes: 159744, swapBytes: null });
    const d = parseMemoryStatV2(text(`${DOCKER_V2}/memory.stat`));
    expect([d.anonBytes, d.fileBytes, d.inactiveFileBytes]).toEqual([75247616, 50835456, 50204672]);
  });

  it('reads the v1 breakdown from the hierarchical total_ keys', () => {
    const s = parseMemoryStatV1(text(`${COROOT}/memory/docker/${V1_ID}/memory.stat`));
    expect(s.anonBytes).toBe(12778020864);
    expect(s.fileBytes).toBe(3206844416);
    expect(s.inactiveFileBytes).toBe(1601998848);
    // No total_swap in this capture: swap was not accounted on that host.
    expect(s.swapBytes).toBeNull();
    // hierarchical_memory_limit holds the 2^63 "unlimited": the file still parses.
    const live = 'cache 0\nrss 229376\nhierarchical_memory_limit 9223372036854771712\ntotal_cache 4096\ntotal_rss 229376\ntotal_shmem 0\ntotal_swap 0\ntotal_inactive_file 0\n';
    expect(parseMemoryStatV1(live)).toEqual({ anonBytes: 229376, fileBytes: 4096, kernelBytes: null, shmemBytes: 0, inactiveFileBytes: 0, swapBytes: 0 });
  });

  it('reads memory.events and oom_control', () => {
    expect(parseMemoryEvents('low 0\nhigh 3\nmax 2\noom 1\noom_kill 1\noom_group_kill 0\n')).toEqual({ high: 3, max: 2, oom: 1, oomKill: 1 });
    // Captured on the hybrid test host (Linux 6.18).
    expect(parseOomControl('oom_kill_disable 0\nunder_oom 0\noom_kill 0\n')).toEqual({ oomKillDisable: false, underOom: false, oomKill: 0 });
    expect(parseOomControl('oom_kill_disable 0\nunder_oom 1\n')).toEqual({ oomKillDisable: false, underOom: true, oomKill: null });
    expect(() => parseOomControl('oom_kill 3\n')).toThrow(ParseError);
  });
});

describe('io', () => {
  it('reads v2 io.stat per device', () => {
    expect(parseIoStat(text(`${K8S_V2}/io.stat`))).toEqual([
      { device: '252:0', readBytes: 11, writeBytes: 630538240, readOps: 22, writeOps: 57111 },
      { device: '253:0', readBytes: 33, writeBytes: 630538241, readOps: 44, writeOps: 57056 },
    ]);
    expect(parseIoStat(text(`${CRIO_POD}/io.stat`))).toEqual([
      { device: '8:0', readBytes: 0, writeBytes: 94208, readOps: 0, writeOps: 22 },
      { device: '253:0', readBytes: 0, writeBytes: 94208, readOps: 0, writeOps: 22 },
    ]);
  });

  it('gives the pairs of a multi-device io.stat line to its last device (elastic ubuntu capture)', () => {
    expect(parseIoStat('7:7 7:6 7:5 7:4 rbytes=556032 wbytes=0 rios=120 wios=0\n7:3 7:2\n').map((d) => [d.device, d.readBytes])).toEqual([['7:4', 556032]]);
    expect(() => parseIoStat('8:0 rbytes=x\n')).toThrow(ParseError);
    expect(() => parseIoStat('rbytes=1\n')).toThrow(ParseError);
  });

  it('reads io.max with "max"', () => {
    expect(parseIoMax('8:16 rbps=2097152 wbps=max riops=max wiops=120\n')).toEqual([{ device: '8:16', readBps: 2097152, writeBps: 'max', readIops: 'max', writeIops: 120 }]);
    expect(parseIoMax('')).toEqual([]);
    expect(() => parseIoMax('8:16 rbps=fast\n')).toThrow(ParseError);
  });

  it('reads v1 blkio throttle counters', () => {
    const bytes = parseBlkioThrottle(text(`${COROOT}/blkio/docker/${V1_ID}/blkio.throttle.io_service_bytes`), 'io_service_bytes');
    expect([...bytes.keys()].sort()).toEqual(['8:0', '8:16', '8:32', '8:48', '9:1']);
    expect(bytes.get('8:48')).toEqual({ read: 875529547776, write: 753046432768 });
    const ops = parseBlkioThrottle(text(`${COROOT}/blkio/docker/${V1_ID}/blkio.throttle.io_serviced`), 'io_serviced');
    expect(ops.get('8:0')).toEqual({ read: 0, write: 281 });
    expect(parseBlkioThrottle('Total 0\n', 'x').size).toBe(0);
    expect(parseBlkioThrottleLimit('8:0 1048576\n', 'read_bps_device').get('8:0')).toBe(1048576);
    expect(() => parseBlkioThrottle('8:0 Read\n', 'x')).toThrow(ParseError);
  });
});

describe('pressure and freezer', () => {
  it('reads PSI some/full lines', () => {
    expect(parsePressure(text(`${K8S_V2}/cpu.pressure`))).toEqual({
      some: { avg10: 0, avg60: 0, avg300: 0, totalUsec: 465907442 },
      full: { avg10: 0, avg60: 0, avg300: 0, totalUsec: 463529433 },
    });
    expect(parsePressure(text(`${K8S_V2}/memory.pressure`)).some?.totalUsec).toBe(6937313991);
    expect(parsePressure(text(`${K8S_V2}/io.pressure`)).some?.avg300).toBe(0.05);
    expect(parsePressure('some avg10=1.50 avg60=0.20 avg300=0.00 total=12\n')).toEqual({ some: { avg10: 1.5, avg60: 0.2, avg300: 0, totalUsec: 12 }, full: null });
    expect(() => parsePressure('some avg10=x\n')).toThrow(ParseError);
  });

  it('reads v1 freezer.state and v2 cgroup.events', () => {
    expect(parseFreezerState('THAWED\n')).toBe('thawed');
    expect(parseFreezerState('FROZEN\n')).toBe('frozen');
    expect(() => parseFreezerState('MELTED')).toThrow(ParseError);
    expect(parseCgroupEventsFrozen('populated 1\nfrozen 0\n', '0\n')).toBe('thawed');
    expect(parseCgroupEventsFrozen('populated 1\nfrozen 0\n', '1\n')).toBe('freezing');
    expect(parseCgroupEventsFrozen('populated 1\nfrozen 1\n', '1\n')).toBe('frozen');
    expect(() => parseCgroupEventsFrozen('populated 1\n', null)).toThrow(/5.2/);
  });
});
