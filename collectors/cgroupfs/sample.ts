/**
 * Read one container's cgroup files into a CgroupSample. Which directory serves each controller:
 * the v1 hierarchy that has the controller bound, else the cgroup2 directory (v2 hosts, and
 * hybrid hosts for what only v2 has, such as pressure files). Each file is optional: a missing
 * controller, an unreadable file or garbage text makes that field Unknown with the reason.
 */
import {
  isUnknown,
  notOn,
  sharedUsage,
  unknown,
  type BindingLimit,
  type CgroupLevel,
  type CgroupPlace,
  type CgroupSample,
  type CpuCounters,
  type IoDeviceLimit,
  type IoDeviceUsage,
  type Known,
  type Limit,
  type ResourceTarget,
  type Unknown,
} from '../../src/model/resources.js';
import { readParsed, type HostRoot } from '../host-root.js';
import type { Gap } from '../read.js';
import { parseCfsQuotaUs, parseCpuacctStat, parseCpuMax, parseCpuStat, type CpuacctStat, type CpuStat } from './cpu.js';
import { parseCpuList } from './cpuset.js';
import { parseCgroupEventsFrozen, parseFreezerState } from './freezer.js';
import { parseBlkioThrottle, parseBlkioThrottleLimit, parseIoMax, parseIoStat } from './io.js';
import { cgroupDir, mountForController, type CgroupLayout, type CgroupMount } from './layout.js';
import { parseMemoryEvents, parseMemoryStatV1, parseMemoryStatV2, parseOomControl, type MemoryStat } from './memory.js';
import { parsePressure } from './pressure.js';
import { parseCgroupInt, parseMaxOrInt, parseV1LimitBytes, type MaxOr } from './values.js';

/** A controller's files for one container: the directory, and the cgroup place it stands for. */
type Where = { readonly version: 1 | 2; readonly dir: string; readonly key: string; readonly mount: CgroupMount; readonly place: CgroupPlace } | Unknown;

const fromGap = (g: Gap): Unknown => ({ unknown: `${g.reason}: ${g.path}${g.detail !== undefined ? ` (${g.detail})` : ''}`, cause: g.reason });

function read<T>(root: HostRoot, path: string, parse: (text: string) => T): Known<T> {
  const r = readParsed(root, path, parse);
  return r.ok ? r.value : fromGap(r.gap);
}

/** A field of a parsed file; Unknown when the file was unreadable or lacks the key. */
function field<T, R>(v: Known<T>, pick: (t: T) => R | null, what: string): Known<R> {
  if (isUnknown(v)) return v;
  const r = pick(v);
  return r === null ? unknown(`${what}: not reported by this kernel`) : r;
}

const limit = (v: Known<MaxOr>): Limit => (isUnknown(v) || v !== 'max' ? v : 'unlimited');

function locateOn(mount: CgroupMount | undefined, target: ResourceTarget, what: string): Where {
  if (!mount) return unknown(`${what}: controller not mounted`);
  const key = mount.version === 2 ? '' : [...mount.controllers].sort().join(',');
  const place = target.paths.get(key);
  if (place === undefined) return unknown(`${what}: no ${key === '' ? 'cgroup2' : key} line in the container's /proc/<pid>/cgroup`);
  if (isUnknown(place)) return place;
  const dir = cgroupDir(mount, place.path);
  if (dir === null) return unknown(`${what}: cgroup ${place.path} is outside the hierarchy mounted at ${mount.mountPoint} (another cgroup namespace)`);
  return { version: mount.version, dir, key, mount, place };
}

/** Where a controller's files are for this container (see the file header). */
function locate(layout: CgroupLayout, target: ResourceTarget, controller: string): Where {
  return locateOn(mountForController(layout, controller) ?? layout.mounts.find((m) => m.version === 2), target, controller);
}

const locateV2 = (layout: CgroupLayout, target: ResourceTarget, what: string): Where =>
  locateOn(layout.mounts.find((m) => m.version === 2), target, what);

type Locations = Readonly<Record<'cpu' | 'cpuacct' | 'cpuset' | 'memory' | 'pids' | 'io' | 'freezer' | 'pressure', Where>>;

/** Per target (an immutable object top keeps while its containers stay), where its files are. */
const located = new WeakMap<ResourceTarget, { readonly layout: CgroupLayout; readonly where: Locations; readonly dirs: Readonly<Record<string, string>> }>();

function locateAll(layout: CgroupLayout, target: ResourceTarget): { where: Locations; dirs: Readonly<Record<string, string>> } {
  const hit = located.get(target);
  if (hit?.layout === layout) return hit;
  const where: Locations = {
    cpu: locate(layout, target, 'cpu'),
    cpuacct: locate(layout, target, 'cpuacct'),
    cpuset: locate(layout, target, 'cpuset'),
    memory: locate(layout, target, 'memory'),
    pids: locate(layout, target, 'pids'),
    io: mountForController(layout, 'blkio') ? locate(layout, target, 'blkio') : locate(layout, target, 'io'),
    freezer: locate(layout, target, 'freezer'),
    pressure: locateV2(layout, target, 'pressure'),
  };
  const dirs: Record<string, string> = {};
  for (const [k, w] of Object.entries(where)) if (!isUnknown(w)) dirs[k] = w.dir;
  const entry = { layout, where, dirs };
  located.set(target, entry);
  return entry;
}

/**
 * The counters rates are computed from: CPU time (v1 `cpuacct.usage`, v2 `cpu.stat usage_usec`),
 * its user/system split (v1 `cpuacct.stat`, v2 the same `cpu.stat`) and CFS throttling
 * (`cpu.stat`), with the clock read right after the usage counter. Without
 * `throttling` a v1 host's separate cpu.stat is not read (the caller knows there is no quota).
 */
export function readCpuCounters(root: HostRoot, layout: CgroupLayout, target: ResourceTarget, clock: () => number, throttling = true): CpuCounters {
  const { cpuacct: acct, cpu } = locateAll(layout, target).where;
  let usageUsec: Known<number>;
  let split: Known<CpuacctStat>;
  let stat: Known<CpuStat> | null = null;
  if (isUnknown(acct)) usageUsec = split = acct;
  else if (shared(acct)) usageUsec = split = shared(acct) as Unknown;
  else if (acct.version === 1) {
    const ns = read(root, `${acct.dir}/cpuacct.usage`, (t) => parseCgroupInt(t, 'cpuacct.usage'));
    usageUsec = isUnknown(ns) ? ns : ns / 1000;
    split = read(root, `${acct.dir}/cpuacct.stat`, parseCpuacctStat);
  } else {
    const s = (stat = read(root, `${acct.dir}/cpu.stat`, parseCpuStat));
    usageUsec = field(s, (x) => x.usageUsec, 'cpu.stat usage_usec');
    const user = field(s, (x) => x.userUsec, 'cpu.stat user_usec');
    const system = field(s, (x) => x.systemUsec, 'cpu.stat system_usec');
    split = isUnknown(user) ? user : isUnknown(system) ? system : { userUsec: user, systemUsec: system };
  }
  const atMs = clock();
  if (isUnknown(cpu)) stat = cpu;
  else if (stat !== null && !isUnknown(acct) && acct.dir === cpu.dir) {
    // v2: the file usage_usec came from holds the throttling counters too.
  } else if (throttling) stat = read(root, `${cpu.dir}/cpu.stat`, parseCpuStat);
  else stat = unknown('cpu.stat: not read while the cgroup has no CFS quota (nothing is throttled)');
  // On v2 the nr_* keys appear only where the cpu controller is enabled for the cgroup.
  return {
    atMs,
    dir: isUnknown(acct) ? null : acct.dir,
    usageUsec,
    userUsec: isUnknown(split) ? split : split.userUsec,
    systemUsec: isUnknown(split) ? split : split.systemUsec,
    nrPeriods: field(stat, (s) => s.nrPeriods, 'cpu.stat nr_periods'),
    nrThrottled: field(stat, (s) => s.nrThrottled, 'cpu.stat nr_throttled'),
    throttledUsec: field(stat, (s) => s.throttledUsec, 'cpu.stat throttled time'),
  };
}

function readCpu(root: HostRoot, cpu: Where, cpuset: Where): CgroupSample['cpu'] {
  let cpus: CgroupSample['cpu']['cpus'];
  if (isUnknown(cpuset)) cpus = cpuset;
  else if (cpuset.version === 2) cpus = read(root, `${cpuset.dir}/cpuset.cpus.effective`, parseCpuList);
  else {
    cpus = read(root, `${cpuset.dir}/cpuset.effective_cpus`, parseCpuList);
    if (isUnknown(cpus) && cpus.cause === 'absent') cpus = read(root, `${cpuset.dir}/cpuset.cpus`, parseCpuList);
  }
  if (isUnknown(cpu)) return { quotaUsec: cpu, periodUsec: cpu, weight: cpu, shares: cpu, cpus };
  if (cpu.version === 2) {
    const max = read(root, `${cpu.dir}/cpu.max`, parseCpuMax);
    return {
      quotaUsec: limit(field(max, (m) => m.quotaUsec, 'cpu.max')),
      periodUsec: field(max, (m) => m.periodUsec, 'cpu.max'),
      weight: read(root, `${cpu.dir}/cpu.weight`, (t) => parseCgroupInt(t, 'cpu.weight')),
      shares: notOn(2, 'cpu.shares'),
      cpus,
    };
  }
  return {
    quotaUsec: limit(read(root, `${cpu.dir}/cpu.cfs_quota_us`, parseCfsQuotaUs)),
    periodUsec: read(root, `${cpu.dir}/cpu.cfs_period_us`, (t) => parseCgroupInt(t, 'cpu.cfs_period_us')),
    weight: notOn(1, 'cpu.weight'),
    shares: read(root, `${cpu.dir}/cpu.shares`, (t) => parseCgroupInt(t, 'cpu.shares')),
    cpus,
  };
}

type V1Oom = Pick<CgroupSample['memory'], 'oomKill' | 'underOom'>;

function readMemory(root: HostRoot, mem: Where, slow: CgroupSample['memory'] | undefined, sameOom: V1Oom | undefined): CgroupSample['memory'] {
  if (isUnknown(mem)) {
    const u = mem;
    return { usageBytes: u, limitBytes: u, highBytes: u, softLimitBytes: u, swapBytes: u, swapUsageBytes: u, anonBytes: u, fileBytes: u, kernelBytes: u, shmemBytes: u, inactiveFileBytes: u, oom: u, oomKill: u, max: u, high: u, failcnt: u, underOom: u };
  }
  const d = mem.dir;
  const breakdown = (stat: Known<MemoryStat>, kernel: Known<number>) => ({
    anonBytes: field(stat, (s) => s.anonBytes, 'memory.stat anon'),
    fileBytes: field(stat, (s) => s.fileBytes, 'memory.stat file'),
    kernelBytes: kernel,
    shmemBytes: field(stat, (s) => s.shmemBytes, 'memory.stat shmem'),
    inactiveFileBytes: field(stat, (s) => s.inactiveFileBytes, 'memory.stat inactive_file'),
  });
  if (mem.version === 2) {
    const stat = read(root, `${d}/memory.stat`, parseMemoryStatV2);
    const events = read(root, `${d}/memory.events`, parseMemoryEvents);
    const limits = slow ?? {
      limitBytes: limit(read(root, `${d}/memory.max`, (t) => parseMaxOrInt(t, 'memory.max'))),
      highBytes: limit(read(root, `${d}/memory.high`, (t) => parseMaxOrInt(t, 'memory.high'))),
      swapBytes: limit(read(root, `${d}/memory.swap.max`, (t) => parseMaxOrInt(t, 'memory.swap.max'))),
    };
    return {
      usageBytes: read(root, `${d}/memory.current`, (t) => parseCgroupInt(t, 'memory.current')),
      limitBytes: limits.limitBytes,
      highBytes: limits.highBytes,
      softLimitBytes: notOn(2, 'memory.soft_limit_in_bytes'),
      swapBytes: limits.swapBytes,
      swapUsageBytes: read(root, `${d}/memory.swap.current`, (t) => parseCgroupInt(t, 'memory.swap.current')),
      // `kernel` is in memory.stat since 5.18; older kernels split it into slab, stacks, ...
      ...breakdown(stat, field(stat, (s) => s.kernelBytes, 'memory.stat kernel')),
      oom: field(events, (e) => e.oom, 'memory.events oom'),
      oomKill: field(events, (e) => e.oomKill, 'memory.events oom_kill'),
      max: field(events, (e) => e.max, 'memory.events max'),
      high: field(events, (e) => e.high, 'memory.events high'),
      failcnt: notOn(2, 'memory.failcnt'),
      underOom: notOn(2, 'memory.oom_control'),
    };
  }
  const stat = read(root, `${d}/memory.stat`, parseMemoryStatV1);
  const oom = sameOom ? null : read(root, `${d}/memory.oom_control`, parseOomControl);
  const usageBytes = read(root, `${d}/memory.usage_in_bytes`, (t) => parseCgroupInt(t, 'memory.usage_in_bytes'));
  const { limitBytes, softLimitBytes, swapBytes, kernelBytes, failcnt } = slow ?? readMemoryV1Slow(root, d);
  return {
    usageBytes,
    limitBytes,
    highBytes: notOn(1, 'memory.high'),
    softLimitBytes,
    swapBytes,
    // total_swap is in memory.stat only where swap is accounted (the memory.memsw.* files exist).
    swapUsageBytes: field(stat, (s) => s.swapBytes, 'memory.stat total_swap (swap not accounted)'),
    ...breakdown(stat, kernelBytes),
    oom: notOn(1, 'memory.events oom'),
    oomKill: oom === null ? (sameOom as V1Oom).oomKill : field(oom, (o) => o.oomKill, 'memory.oom_control oom_kill'),
    max: notOn(1, 'memory.events max'),
    high: notOn(1, 'memory.events high'),
    failcnt,
    underOom: oom === null ? (sameOom as V1Oom).underOom : field(oom, (o) => o.underOom, 'memory.oom_control under_oom'),
  };
}

/** The v1 memory files top reads at the slow cadence: limits, and figures it does not show. */
function readMemoryV1Slow(root: HostRoot, d: string): Pick<CgroupSample['memory'], 'limitBytes' | 'softLimitBytes' | 'swapBytes' | 'kernelBytes' | 'failcnt'> {
  const limitBytes = limit(read(root, `${d}/memory.limit_in_bytes`, (t) => parseV1LimitBytes(t, 'memory.limit_in_bytes')));
  const memsw = limit(read(root, `${d}/memory.memsw.limit_in_bytes`, (t) => parseV1LimitBytes(t, 'memory.memsw.limit_in_bytes')));
  // memsw is memory + swap (memory.rst 2.4; docker's --memory-swap is the same total), so the
  // swap allowance is the difference.
  let swapBytes: Limit;
  if (isUnknown(memsw) || memsw === 'unlimited') swapBytes = memsw;
  else if (isUnknown(limitBytes)) swapBytes = limitBytes;
  else if (limitBytes === 'unlimited' || memsw < limitBytes) swapBytes = unknown(`memory.memsw.limit_in_bytes ${memsw} below memory.limit_in_bytes`);
  else swapBytes = memsw - limitBytes;
  return {
    limitBytes,
    softLimitBytes: limit(read(root, `${d}/memory.soft_limit_in_bytes`, (t) => parseV1LimitBytes(t, 'memory.soft_limit_in_bytes'))),
    swapBytes,
    kernelBytes: read(root, `${d}/memory.kmem.usage_in_bytes`, (t) => parseCgroupInt(t, 'memory.kmem.usage_in_bytes')),
    failcnt: read(root, `${d}/memory.failcnt`, (t) => parseCgroupInt(t, 'memory.failcnt')),
  };
}

function readIo(root: HostRoot, io: Where, slowLimits: CgroupSample['io']['limits'] | undefined, notOwn: Unknown | null): CgroupSample['io'] {
  if (isUnknown(io)) return { devices: io, limits: io };
  if (notOwn) return { devices: notOwn, limits: slowLimits ?? readIoLimits(root, io) };
  if (io.version === 2) {
    const devices = read(root, `${io.dir}/io.stat`, parseIoStat);
    return { devices, limits: slowLimits ?? readIoLimits(root, io) };
  }
  // The _recursive files include child cgroups (blkio-controller.rst); older kernels only have
  // the cgroup's own counters.
  const throttle = (name: string) => {
    const r = read(root, `${io.dir}/blkio.throttle.${name}_recursive`, (t) => parseBlkioThrottle(t, name));
    return isUnknown(r) && r.cause === 'absent' ? read(root, `${io.dir}/blkio.throttle.${name}`, (t) => parseBlkioThrottle(t, name)) : r;
  };
  const bytes = throttle('io_service_bytes');
  const ops = throttle('io_serviced');
  let devices: Known<IoDeviceUsage[]>;
  if (isUnknown(bytes)) devices = bytes;
  else if (isUnknown(ops)) devices = ops;
  else {
    devices = [...new Set([...bytes.keys(), ...ops.keys()])].sort().map((device) => ({
      device,
      readBytes: bytes.get(device)?.read ?? null,
      writeBytes: bytes.get(device)?.write ?? null,
      readOps: ops.get(device)?.read ?? null,
      writeOps: ops.get(device)?.write ?? null,
    }));
  }
  return { devices, limits: slowLimits ?? readIoLimits(root, io) };
}

/** IO limits: v2 io.max, v1 blkio.throttle.*_device. */
function readIoLimits(root: HostRoot, io: Exclude<Where, Unknown>): CgroupSample['io']['limits'] {
  if (io.version === 2) {
    const max = read(root, `${io.dir}/io.max`, parseIoMax);
    return isUnknown(max) ? max : max.map((l) => ({ device: l.device, readBps: unl(l.readBps), writeBps: unl(l.writeBps), readIops: unl(l.readIops), writeIops: unl(l.writeIops) }));
  }
  const lim = ['read_bps_device', 'write_bps_device', 'read_iops_device', 'write_iops_device'].map((f) => read(root, `${io.dir}/blkio.throttle.${f}`, (t) => parseBlkioThrottleLimit(t, f)));
  const bad = lim.find(isUnknown);
  let limits: Known<IoDeviceLimit[]>;
  if (bad) limits = bad;
  else {
    const [rb, wb, ri, wi] = lim as Map<string, number>[];
    const at = (m: Map<string, number> | undefined, dev: string) => m?.get(dev) ?? 'unlimited';
    limits = [...new Set(lim.flatMap((m) => [...(m as Map<string, number>).keys()]))].sort().map((device) => ({
      device,
      readBps: at(rb, device),
      writeBps: at(wb, device),
      readIops: at(ri, device),
      writeIops: at(wi, device),
    }));
  }
  return limits;
}

const unl = (v: MaxOr): number | 'unlimited' => (v === 'max' ? 'unlimited' : v);

function readFreezer(root: HostRoot, fz: Where): CgroupSample['freezer'] {
  if (isUnknown(fz)) return fz;
  if (fz.version === 1) return read(root, `${fz.dir}/freezer.state`, parseFreezerState);
  const freeze = root.readText(`${fz.dir}/cgroup.freeze`);
  return read(root, `${fz.dir}/cgroup.events`, (t) => parseCgroupEventsFrozen(t, freeze.ok ? freeze.value : null));
}

/** What a repeated reader carries over from earlier samples of the same container instead of reading. */
export interface SampleReuse {
  /**
   * An earlier sample whose limits are still current: the limits (binding limits, cpu quota,
   * period, shares/weight, cpuset, memory limits, pids.max, IO limits), which change only when
   * someone updates the container, and the figures that move only with them (v1 kmem usage and
   * failcnt, the freezer state) are copied from it.
   */
  readonly limitsOf?: CgroupSample;
  /**
   * The previous sample, when no process has exited since: v1's memory.oom_control is copied
   * from it, since its counter moves only when the kernel OOM-kills a process, which then exits.
   * (v2's memory.events is read anyway: it also counts `max` and `high` events.)
   */
  readonly oomOf?: CgroupSample;
}

/** Every limit, usage figure, event counter and pressure line of one container. */
export function readCgroupSample(root: HostRoot, layout: CgroupLayout, target: ResourceTarget, clock: () => number, reuse: SampleReuse = {}): CgroupSample {
  const slow = reuse.limitsOf;
  const sameOom = reuse.oomOf;
  const { where, dirs } = locateAll(layout, target);
  const at = (k: keyof Locations): Where => where[k];
  // Usage of a cgroup that is not the container's own is not read at all (withoutSharedUsage
  // says why): on a v1 host every container's cgroup2 place is the root, whose pressure files
  // and IO counters would otherwise be read for each container at each refresh.
  const pressure = (name: string) => {
    const p = at('pressure');
    return isUnknown(p) ? p : (shared(p) ?? read(root, `${p.dir}/${name}.pressure`, parsePressure));
  };
  const pids = at('pids');
  const binding = slow?.binding ?? {
    cpuCores: bindingLimit(root, at('cpu'), cpuCoresAt),
    memoryBytes: bindingLimit(root, at('memory'), memoryLimitAt),
    pids: bindingLimit(root, pids, pidsMaxAt),
  };
  const sample: CgroupSample = {
    dirs,
    binding,
    counters: readCpuCounters(root, layout, target, clock, slow?.binding.cpuCores.value !== 'unlimited'),
    cpu: slow?.cpu ?? readCpu(root, at('cpu'), at('cpuset')),
    memory: readMemory(root, at('memory'), slow?.memory, sameOom?.memory),
    pids: isUnknown(pids)
      ? { current: pids, max: pids }
      : { current: read(root, `${pids.dir}/pids.current`, (t) => parseCgroupInt(t, 'pids.current')), max: slow?.pids.max ?? limit(read(root, `${pids.dir}/pids.max`, (t) => parseMaxOrInt(t, 'pids.max'))) },
    io: readIo(root, at('io'), slow?.io.limits, shared(at('io'))),
    pressure: { cpu: pressure('cpu'), memory: pressure('memory'), io: pressure('io') },
    freezer: slow?.freezer ?? readFreezer(root, at('freezer')),
  };
  return withoutSharedUsage(sample, where);
}

/** Why a controller's usage is not the container's (its cgroup holds other processes), else null. */
const shared = (w: Where): Unknown | null => (isUnknown(w) ? null : sharedUsage(w.key, w.place));

/**
 * Usage read from a cgroup that also holds processes outside the container is theirs too: each
 * such figure becomes Unknown with the reason. Limits, the freezer state and the directories stay:
 * they apply to every process in the cgroup, the container's included.
 */
function withoutSharedUsage(s: CgroupSample, where: Locations): CgroupSample {
  const acct = shared(where.cpuacct);
  const cpu = shared(where.cpu);
  const mem = shared(where.memory);
  const pids = shared(where.pids);
  const io = shared(where.io);
  const psi = shared(where.pressure);
  if (!acct && !cpu && !mem && !pids && !io && !psi) return s;
  const m = s.memory;
  return {
    ...s,
    counters: { ...s.counters, usageUsec: acct ?? s.counters.usageUsec, userUsec: acct ?? s.counters.userUsec, systemUsec: acct ?? s.counters.systemUsec, nrPeriods: cpu ?? s.counters.nrPeriods, nrThrottled: cpu ?? s.counters.nrThrottled, throttledUsec: cpu ?? s.counters.throttledUsec },
    memory: mem
      ? { ...m, usageBytes: mem, swapUsageBytes: mem, anonBytes: mem, fileBytes: mem, kernelBytes: mem, shmemBytes: mem, inactiveFileBytes: mem, oom: mem, oomKill: mem, max: mem, high: mem, failcnt: mem, underOom: mem }
      : m,
    pids: pids ? { ...s.pids, current: pids } : s.pids,
    io: io ? { ...s.io, devices: io } : s.io,
    pressure: psi ? { cpu: psi, memory: psi, io: psi } : s.pressure,
  };
}

/** A limit as one cgroup directory sets it, in the unit the model uses. */
type LimitAt = (root: HostRoot, version: 1 | 2, dir: string) => Limit;

const cpuCoresAt: LimitAt = (root, version, dir) => {
  if (version === 2) {
    const max = read(root, `${dir}/cpu.max`, parseCpuMax);
    if (isUnknown(max)) return max;
    return max.quotaUsec === 'max' ? 'unlimited' : max.quotaUsec / max.periodUsec;
  }
  const quota = limit(read(root, `${dir}/cpu.cfs_quota_us`, parseCfsQuotaUs));
  if (isUnknown(quota) || quota === 'unlimited') return quota;
  const period = read(root, `${dir}/cpu.cfs_period_us`, (t) => parseCgroupInt(t, 'cpu.cfs_period_us'));
  return isUnknown(period) ? period : quota / period;
};
const memoryLimitAt: LimitAt = (root, version, dir) =>
  version === 2 ? limit(read(root, `${dir}/memory.max`, (t) => parseMaxOrInt(t, 'memory.max'))) : limit(read(root, `${dir}/memory.limit_in_bytes`, (t) => parseV1LimitBytes(t, 'memory.limit_in_bytes')));
const pidsMaxAt: LimitAt = (root, _version, dir) => limit(read(root, `${dir}/pids.max`, (t) => parseMaxOrInt(t, 'pids.max')));

/**
 * The tightest limit over the container's cgroup and its ancestors up to the hierarchy's root
 * (which has no limit files on v2 and unlimited ones on v1: not read). Every level's limit
 * binds: the kernel charges usage to each ancestor and enforces each one's limit (memory
 * page_counter, pids and CFS hierarchies). The container's own level must be readable; an
 * ancestor without the file (a v2 controller not enabled there) sets nothing; one that cannot
 * be placed (above a cgroup namespace's root) ends the walk.
 */
function bindingLimit(root: HostRoot, w: Where, at: LimitAt): BindingLimit {
  if (isUnknown(w)) return { value: w, source: null };
  let best: { value: number; level: number } | null = null;
  for (let i = 0; i < w.place.levels.length; i++) {
    const level = w.place.levels[i] as CgroupLevel;
    if (level.path === '/') break;
    const dir = i === 0 ? w.dir : cgroupDir(w.mount, level.path);
    if (dir === null) break;
    const v = at(root, w.version, dir);
    if (isUnknown(v)) {
      if (i === 0) return { value: v, source: null };
      continue;
    }
    if (v !== 'unlimited' && (best === null || v < best.value)) best = { value: v, level: i };
  }
  if (best === null) return { value: 'unlimited', source: null };
  const level = w.place.levels[best.level] as CgroupLevel;
  const kind = best.level > 0 ? 'ancestor' : level.outside > 0 ? 'shared' : 'own';
  return { value: best.value, source: { kind, cgroup: level.path, outside: level.outside } };
}
