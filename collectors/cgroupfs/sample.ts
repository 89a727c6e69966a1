/**
 * Read one container's cgroup files into a CgroupSample. Which directory serves each controller:
 * the v1 hierarchy that has the controller bound, else the cgroup2 directory (v2 hosts, and
 * hybrid hosts for what only v2 has, such as pressure files). Each file is optional: a missing
 * controller, an unreadable file or garbage text makes that field Unknown with the reason.
 */
import {
  isUnknown,
  notOn,
  notRead,
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
  type ResourceScope,
  type ResourceTarget,
  type Unknown,
} from '../../src/model/resources.js';
import { readParsed, type HostRoot } from '../host-root.js';
import { parseWith, type Gap } from '../read.js';
import { parseCfsQuotaUs, parseCpuacctStat, parseCpuMax, parseCpuStat, type CpuacctStat, type CpuStat } from './cpu.js';
import { parseCpuList } from './cpuset.js';
import { parseCgroupEventsFrozen, parseFreezerState } from './freezer.js';
import { parseBlkioThrottle, parseBlkioThrottleLimit, parseIoMax, parseIoStat } from './io.js';
import { cgroupDir, mountForController, type CgroupLayout, type CgroupMount } from './layout.js';
import { parseMemoryEvents, parseMemoryStatV1, parseMemoryStatV2, parseOomControl, type MemoryEvents, type MemoryStat, type OomControl } from './memory.js';
import { parsePressure } from './pressure.js';
import { parseCgroupInt, parseMaxOrInt, parseV1LimitBytes, type MaxOr } from './values.js';

/**
 * A controller's files for one container: the directory, the cgroup place it stands for, and
 * why its usage is not the container's (null when the cgroup is its own). A repeated reader
 * keeps these while the container's cgroups stay, and with them each file's path and its last
 * text and parsed value, so an unchanged file is neither joined, hashed nor parsed again.
 */
interface Located {
  readonly version: 1 | 2;
  readonly dir: string;
  readonly key: string;
  readonly mount: CgroupMount;
  readonly place: CgroupPlace;
  readonly shared: Unknown | null;
  readonly files: Map<string, { readonly path: string; text: string | null; value: unknown }>;
  /** The directory's entry kept for the reader (marked used at each read). */
  readonly known: KnownDir;
}
type Where = Located | Unknown;

const fromGap = (g: Gap): Unknown => ({ unknown: `${g.reason}: ${g.path}${g.detail !== undefined ? ` (${g.detail})` : ''}`, cause: g.reason });

function read<T>(root: HostRoot, path: string, parse: (text: string) => T): Known<T> {
  const r = readParsed(root, path, parse);
  return r.ok ? r.value : fromGap(r.gap);
}

/**
 * One file of a located controller: parsed again only when its text changed since the last
 * read through the same location. Each file name has one parser here (its value is reused
 * whichever caller asks), and parsed values are never modified.
 */
function readIn<T>(root: HostRoot, w: Located, name: string, parse: (text: string) => T): Known<T> {
  let f = w.files.get(name);
  if (f === undefined) w.files.set(name, (f = { path: `${w.dir}/${name}`, text: null, value: null }));
  const r = root.readText(f.path);
  if (!r.ok) {
    f.text = null;
    return fromGap(r.gap);
  }
  if (r.value === f.text) return f.value as Known<T>;
  const p = parseWith(f.path, r, parse);
  f.text = r.value;
  f.value = p.ok ? p.value : fromGap(p.gap);
  return f.value as Known<T>;
}

/** A field of a parsed file; Unknown when the file was unreadable or lacks the key. */
function field<T, R>(v: Known<T>, pick: (t: T) => R | null, what: string): Known<R> {
  if (isUnknown(v)) return v;
  const r = pick(v);
  return r === null ? unknown(`${what}: not reported by this kernel`) : r;
}

const limit = (v: Known<MaxOr>): Limit => (isUnknown(v) || v !== 'max' ? v : 'unlimited');

/**
 * Per layout (one per reader), each cgroup directory measured lately with its files: they
 * outlive the targets (rebuilt whenever a process anywhere is born or exits) while the cgroup is
 * still a container's. forgetUnusedLocations() lets go of those no read asked for since its
 * previous call.
 */
interface KnownDir {
  readonly dir: string;
  readonly files: Located['files'];
  used: boolean;
}
const dirsOf = new WeakMap<CgroupLayout, Map<string, KnownDir>>();

/** Let go of the directories (and their last texts) that no read used since the previous call; a repeated reader calls it once per round. */
export function forgetUnusedLocations(layout: CgroupLayout): void {
  dirsOf.get(layout)?.forEach((d, id, all) => {
    if (d.used) d.used = false;
    else all.delete(id);
  });
}

function locateOn(layout: CgroupLayout, mount: CgroupMount | undefined, target: ResourceTarget, what: string): Where {
  if (!mount) return unknown(`${what}: controller not mounted`);
  const key = mount.version === 2 ? '' : hierarchyKeyOf(mount);
  const place = target.paths.get(key);
  if (place === undefined) return unknown(`${what}: no ${key === '' ? 'cgroup2' : key} line in the container's /proc/<pid>/cgroup`);
  if (isUnknown(place)) return place;
  let dirs = dirsOf.get(layout);
  if (dirs === undefined) dirsOf.set(layout, (dirs = new Map()));
  const id = `${mount.mountPoint}\0${place.path}`;
  let known = dirs.get(id);
  if (known === undefined) {
    const dir = cgroupDir(mount, place.path);
    if (dir === null) return unknown(`${what}: cgroup ${place.path} is outside the hierarchy mounted at ${mount.mountPoint} (another cgroup namespace)`);
    dirs.set(id, (known = { dir, files: new Map(), used: true }));
  }
  return { version: mount.version, dir: known.dir, key, mount, place, shared: sharedUsage(key, place), files: known.files, known };
}

/** A v1 mount's controllers sorted and comma-joined, as resourceTargets keys its places; once per mount. */
function hierarchyKeyOf(mount: CgroupMount): string {
  let key = mountKeys.get(mount);
  if (key === undefined) mountKeys.set(mount, (key = [...mount.controllers].sort().join(',')));
  return key;
}
const mountKeys = new WeakMap<CgroupMount, string>();

const parseCpuacctUsage = (t: string): number => parseCgroupInt(t, 'cpuacct.usage');
const parseMemorySwapCurrent = (t: string): number => parseCgroupInt(t, 'memory.swap.current');
const parseMemoryCurrent = (t: string): number => parseCgroupInt(t, 'memory.current');
const parseMemoryUsageInBytes = (t: string): number => parseCgroupInt(t, 'memory.usage_in_bytes');
const parsePidsCurrent = (t: string): number => parseCgroupInt(t, 'pids.current');

/** Where a controller's files are for this container (see the file header). */
function locate(layout: CgroupLayout, target: ResourceTarget, controller: string): Where {
  return locateOn(layout, mountForController(layout, controller) ?? layout.mounts.find((m) => m.version === 2), target, controller);
}

const locateV2 = (layout: CgroupLayout, target: ResourceTarget, what: string): Where =>
  locateOn(layout, layout.mounts.find((m) => m.version === 2), target, what);

type Locations = Readonly<Record<'cpu' | 'cpuacct' | 'cpuset' | 'memory' | 'pids' | 'io' | 'freezer' | 'pressure', Where>>;

/** Per target (an immutable object top keeps while its containers stay), where its files are. */
const located = new WeakMap<ResourceTarget, { readonly layout: CgroupLayout; readonly where: Locations; readonly dirs: Readonly<Record<string, string>>; readonly known: readonly KnownDir[] }>();

function locateAll(layout: CgroupLayout, target: ResourceTarget): { where: Locations; dirs: Readonly<Record<string, string>> } {
  const hit = located.get(target);
  if (hit?.layout === layout) {
    for (const k of hit.known) k.used = true;
    return hit;
  }
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
  const known: KnownDir[] = [];
  for (const k in where) {
    const w = where[k as keyof Locations];
    if (isUnknown(w)) continue;
    dirs[k] = w.dir;
    known.push(w.known);
  }
  const entry = { layout, where, dirs, known };
  located.set(target, entry);
  return entry;
}

/**
 * The counters rates are computed from: CPU time (v1 `cpuacct.usage`, v2 `cpu.stat usage_usec`),
 * its user/system split (v1 `cpuacct.stat`, v2 the same `cpu.stat`) and CFS throttling
 * (`cpu.stat`), with the clock read right after the usage counter. Without
 * `throttling` a v1 host's separate cpu.stat is not read (the caller knows there is no quota),
 * and without `userSystem` neither is v1's cpuacct.stat (a rate needs only the usage).
 */
export function readCpuCounters(root: HostRoot, layout: CgroupLayout, target: ResourceTarget, clock: () => number, throttling = true, userSystem = true): CpuCounters {
  const { cpuacct: acct, cpu } = locateAll(layout, target).where;
  let usageUsec: Known<number>;
  let split: Known<CpuacctStat>;
  let stat: Known<CpuStat> | null = null;
  if (isUnknown(acct)) usageUsec = split = acct;
  else if (acct.shared) usageUsec = split = acct.shared;
  else if (acct.version === 1) {
    const ns = readIn(root, acct, 'cpuacct.usage', parseCpuacctUsage);
    usageUsec = isUnknown(ns) ? ns : ns / 1000;
    split = userSystem ? readIn(root, acct, 'cpuacct.stat', parseCpuacctStat) : notRead('cpuacct.stat');
  } else {
    const s = (stat = readIn(root, acct, 'cpu.stat', parseCpuStat));
    usageUsec = field(s, (x) => x.usageUsec, 'cpu.stat usage_usec');
    const user = field(s, (x) => x.userUsec, 'cpu.stat user_usec');
    const system = field(s, (x) => x.systemUsec, 'cpu.stat system_usec');
    split = isUnknown(user) ? user : isUnknown(system) ? system : { userUsec: user, systemUsec: system };
  }
  const atMs = clock();
  if (isUnknown(cpu)) stat = cpu;
  else if (stat !== null && !isUnknown(acct) && acct.dir === cpu.dir) {
    // v2: the file usage_usec came from holds the throttling counters too.
  } else if (cpu.shared) stat = cpu.shared;
  else if (throttling) stat = readIn(root, cpu, 'cpu.stat', parseCpuStat);
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
type OomFields = Pick<CgroupSample['memory'], 'oom' | 'oomKill' | 'max' | 'high' | 'underOom'>;

/** v2 memory.events as a sample's OOM fields. */
function oomFromEvents(events: Known<MemoryEvents>): OomFields {
  return {
    oom: field(events, (e) => e.oom, 'memory.events oom'),
    oomKill: field(events, (e) => e.oomKill, 'memory.events oom_kill'),
    max: field(events, (e) => e.max, 'memory.events max'),
    high: field(events, (e) => e.high, 'memory.events high'),
    underOom: notOn(2, 'memory.oom_control'),
  };
}

/** v1 memory.oom_control as a sample's OOM fields (or, when given, those carried over from an earlier sample). */
function oomFromControl(control: Known<OomControl> | null, carried?: V1Oom): OomFields {
  return {
    oom: notOn(1, 'memory.events oom'),
    oomKill: control === null ? (carried as V1Oom).oomKill : field(control, (o) => o.oomKill, 'memory.oom_control oom_kill'),
    max: notOn(1, 'memory.events max'),
    high: notOn(1, 'memory.events high'),
    underOom: control === null ? (carried as V1Oom).underOom : field(control, (o) => o.underOom, 'memory.oom_control under_oom'),
  };
}

/** A container's own memory cgroup's usage (memory.current on v2, memory.usage_in_bytes on v1). */
const memoryUsage = (fast: HostRoot, mem: Located): Known<number> =>
  mem.version === 2 ? readIn(fast, mem, 'memory.current', parseMemoryCurrent) : readIn(fast, mem, 'memory.usage_in_bytes', parseMemoryUsageInBytes);

/** pids.current, Unknown where the pids cgroup is unknown or shared with processes outside the container. */
const pidsCurrent = (fast: HostRoot, pids: Where): Known<number> => (isUnknown(pids) ? pids : (pids.shared ?? readIn(fast, pids, 'pids.current', parsePidsCurrent)));

/** The memory fields a 'row' reading leaves out. */
const MEMORY_LIMITS_NOT_READ = { limitBytes: notRead('memory limit'), highBytes: notRead('memory.high'), softLimitBytes: notRead('memory soft limit'), swapBytes: notRead('swap limit'), kernelBytes: notRead('kernel memory'), failcnt: notRead('memory.failcnt') };

/**
 * `fast`: where the files read at every refresh are read (descriptors kept open by a repeated
 * reader); limits through `root`. `all` false: a 'row' reading, without the limits (the binding
 * one is read apart), swap and kernel usage, and failcnt.
 */
function readMemory(root: HostRoot, fast: HostRoot, mem: Where, slow: CgroupSample['memory'] | undefined, sameOom: V1Oom | undefined, all = true): CgroupSample['memory'] {
  if (isUnknown(mem)) {
    const u = mem;
    return { usageBytes: u, limitBytes: u, highBytes: u, softLimitBytes: u, swapBytes: u, swapUsageBytes: u, anonBytes: u, fileBytes: u, kernelBytes: u, shmemBytes: u, inactiveFileBytes: u, oom: u, oomKill: u, max: u, high: u, failcnt: u, underOom: u };
  }
  const d = mem.dir;
  // A cgroup that also holds processes outside the container: its limits bind the container,
  // its usage and events are not the container's, and are not read.
  if (mem.shared) {
    const u = mem.shared;
    const limits = !all
      ? MEMORY_LIMITS_NOT_READ
      : mem.version === 2
        ? { limitBytes: slow?.limitBytes ?? limit(read(root, `${d}/memory.max`, (t) => parseMaxOrInt(t, 'memory.max'))), highBytes: slow?.highBytes ?? limit(read(root, `${d}/memory.high`, (t) => parseMaxOrInt(t, 'memory.high'))), softLimitBytes: notOn(2, 'memory.soft_limit_in_bytes'), swapBytes: slow?.swapBytes ?? limit(read(root, `${d}/memory.swap.max`, (t) => parseMaxOrInt(t, 'memory.swap.max'))) }
        : { ...(slow ?? readMemoryV1Slow(root, d)), highBytes: notOn(1, 'memory.high') };
    return { limitBytes: limits.limitBytes, highBytes: limits.highBytes, softLimitBytes: limits.softLimitBytes, swapBytes: limits.swapBytes, usageBytes: u, swapUsageBytes: u, anonBytes: u, fileBytes: u, kernelBytes: u, shmemBytes: u, inactiveFileBytes: u, oom: u, oomKill: u, max: u, high: u, failcnt: u, underOom: u };
  }
  const breakdown = (stat: Known<MemoryStat>, kernel: Known<number>) => ({
    anonBytes: field(stat, (s) => s.anonBytes, 'memory.stat anon'),
    fileBytes: field(stat, (s) => s.fileBytes, 'memory.stat file'),
    kernelBytes: kernel,
    shmemBytes: field(stat, (s) => s.shmemBytes, 'memory.stat shmem'),
    inactiveFileBytes: field(stat, (s) => s.inactiveFileBytes, 'memory.stat inactive_file'),
  });
  if (mem.version === 2) {
    const stat = readIn(fast, mem, 'memory.stat', parseMemoryStatV2);
    const events = readIn(fast, mem, 'memory.events', parseMemoryEvents);
    const limits = slow ?? (!all ? MEMORY_LIMITS_NOT_READ : {
      limitBytes: limit(read(root, `${d}/memory.max`, (t) => parseMaxOrInt(t, 'memory.max'))),
      highBytes: limit(read(root, `${d}/memory.high`, (t) => parseMaxOrInt(t, 'memory.high'))),
      swapBytes: limit(read(root, `${d}/memory.swap.max`, (t) => parseMaxOrInt(t, 'memory.swap.max'))),
    });
    return {
      usageBytes: memoryUsage(fast, mem),
      limitBytes: limits.limitBytes,
      highBytes: limits.highBytes,
      softLimitBytes: notOn(2, 'memory.soft_limit_in_bytes'),
      swapBytes: limits.swapBytes,
      swapUsageBytes: all ? readIn(fast, mem, 'memory.swap.current', parseMemorySwapCurrent) : notRead('memory.swap.current'),
      // `kernel` is in memory.stat since 5.18; older kernels split it into slab, stacks, ...
      ...breakdown(stat, field(stat, (s) => s.kernelBytes, 'memory.stat kernel')),
      ...oomFromEvents(events),
      failcnt: notOn(2, 'memory.failcnt'),
    };
  }
  const stat = readIn(fast, mem, 'memory.stat', parseMemoryStatV1);
  const oom = sameOom ? null : readIn(fast, mem, 'memory.oom_control', parseOomControl);
  const usageBytes = memoryUsage(fast, mem);
  const { limitBytes, softLimitBytes, swapBytes, kernelBytes, failcnt } = slow ?? (all ? readMemoryV1Slow(root, d) : MEMORY_LIMITS_NOT_READ);
  return {
    usageBytes,
    limitBytes,
    highBytes: notOn(1, 'memory.high'),
    softLimitBytes,
    swapBytes,
    // total_swap is in memory.stat only where swap is accounted (the memory.memsw.* files exist).
    swapUsageBytes: field(stat, (s) => s.swapBytes, 'memory.stat total_swap (swap not accounted)'),
    ...breakdown(stat, kernelBytes),
    ...oomFromControl(oom, sameOom),
    failcnt,
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

/** `withLimits` false: the IO counters only, the limits NOT_READ. */
function readIo(root: HostRoot, fast: HostRoot, io: Where, slowLimits: CgroupSample['io']['limits'] | undefined, withLimits = true): CgroupSample['io'] {
  if (isUnknown(io)) return { devices: io, limits: io };
  const limitsOf = (w: Located): CgroupSample['io']['limits'] => slowLimits ?? (withLimits ? readIoLimits(root, w) : notRead('io limits'));
  if (io.shared) return { devices: io.shared, limits: limitsOf(io) };
  if (io.version === 2) {
    const devices = readIn(fast, io, 'io.stat', parseIoStat);
    return { devices, limits: limitsOf(io) };
  }
  // The _recursive files include child cgroups (blkio-controller.rst); older kernels only have
  // the cgroup's own counters.
  const throttle = (name: 'io_service_bytes' | 'io_serviced') => {
    const r = readIn(fast, io, BLKIO_THROTTLE[name].recursive, BLKIO_THROTTLE[name].parse);
    return isUnknown(r) && r.cause === 'absent' ? readIn(fast, io, BLKIO_THROTTLE[name].own, BLKIO_THROTTLE[name].parse) : r;
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
  return { devices, limits: limitsOf(io) };
}

const throttleFiles = (name: string) => ({ recursive: `blkio.throttle.${name}_recursive`, own: `blkio.throttle.${name}`, parse: (t: string) => parseBlkioThrottle(t, name) });
const BLKIO_THROTTLE = { io_service_bytes: throttleFiles('io_service_bytes'), io_serviced: throttleFiles('io_serviced') };

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
  /**
   * Where to read the files read at every refresh (usage, counters, events, pressure): a
   * repeated reader's HostRoot that keeps their descriptors open, a one-shot reader's plain one.
   * Limits are read through the root passed (one that reads each file once per reading).
   */
  readonly kept?: HostRoot;
}

/**
 * Every limit, usage figure, event counter and pressure line of one container; with a narrower
 * `scope`, only what that scope names (ResourceScope), the rest NOT_READ.
 */
export function readCgroupSample(root: HostRoot, layout: CgroupLayout, target: ResourceTarget, clock: () => number, reuse: SampleReuse = {}, scope: ResourceScope = 'full'): CgroupSample {
  if (scope === 'cpu') return readCpuUsageOnly(root, layout, target, clock, reuse);
  if (scope === 'table') return readTable(root, layout, target, clock, reuse);
  // 'row': the figures of 'full' that a top row shows, the rest NOT_READ.
  const all = scope === 'full';
  const slow = reuse.limitsOf;
  const sameOom = reuse.oomOf;
  const fast = reuse.kept ?? root;
  const { where, dirs } = locateAll(layout, target);
  const at = (k: keyof Locations): Where => where[k];
  // Usage of a cgroup that also holds processes outside the container is theirs too: such a
  // figure is Unknown with the reason (Located.shared), and its file is not read at all. On a v1
  // host every container's cgroup2 place is the root, whose pressure files and IO counters would
  // otherwise be read for each container at each refresh. Limits, the freezer state and the
  // directories stay: they apply to every process in the cgroup, the container's included.
  const pressure = (name: string) => {
    const p = at('pressure');
    return isUnknown(p) ? p : (p.shared ?? readIn(fast, p, name, parsePressure));
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
    counters: readCpuCounters(fast, layout, target, clock, slow?.binding.cpuCores.value !== 'unlimited', all),
    cpu: all ? (slow?.cpu ?? readCpu(root, at('cpu'), at('cpuset'))) : NOT_READ_CPU,
    memory: readMemory(root, fast, at('memory'), slow?.memory, sameOom?.memory, all),
    pids: isUnknown(pids)
      ? { current: pids, max: pids }
      : { current: pidsCurrent(fast, pids), max: !all ? notRead('pids.max') : (slow?.pids.max ?? limit(read(root, `${pids.dir}/pids.max`, (t) => parseMaxOrInt(t, 'pids.max')))) },
    io: readIo(root, fast, at('io'), slow?.io.limits, all),
    pressure: { cpu: pressure('cpu.pressure'), memory: pressure('memory.pressure'), io: pressure('io.pressure') },
    freezer: all ? (slow?.freezer ?? readFreezer(root, at('freezer'))) : notRead('freezer state'),
  };
  return sample;
}

const NOT_READ_CPU: CgroupSample['cpu'] = { quotaUsec: notRead('cpu quota'), periodUsec: notRead('cpu period'), weight: notRead('cpu weight'), shares: notRead('cpu shares'), cpus: notRead('cpuset') };
const NOT_READ_PRESSURE: CgroupSample['pressure'] = { cpu: notRead('cpu.pressure'), memory: notRead('memory.pressure'), io: notRead('io.pressure') };
const notReadBinding = (what: string): BindingLimit => ({ value: notRead(what), source: null });

/** Every memory field NOT_READ: a 'cpu' reading's, and a 'table' one's but usage. */
function memoryNotRead(): CgroupSample['memory'] {
  const n = notRead('memory');
  return { usageBytes: n, limitBytes: n, highBytes: n, softLimitBytes: n, swapBytes: n, swapUsageBytes: n, anonBytes: n, fileBytes: n, kernelBytes: n, shmemBytes: n, inactiveFileBytes: n, oom: n, oomKill: n, max: n, high: n, failcnt: n, underOom: n };
}

/** A 'cpu' reading (ResourceScope): the CPU usage counter alone (v1 cpuacct.usage, v2 cpu.stat), the rest NOT_READ. */
function readCpuUsageOnly(root: HostRoot, layout: CgroupLayout, target: ResourceTarget, clock: () => number, reuse: SampleReuse): CgroupSample {
  return {
    dirs: locateAll(layout, target).dirs,
    binding: { cpuCores: notReadBinding('cpu limit'), memoryBytes: notReadBinding('memory limit'), pids: notReadBinding('pids limit') },
    counters: readCpuCounters(reuse.kept ?? root, layout, target, clock, false, false),
    cpu: NOT_READ_CPU,
    memory: memoryNotRead(),
    pids: { current: notRead('pids.current'), max: notRead('pids.max') },
    io: { devices: notRead('io counters'), limits: notRead('io limits') },
    pressure: NOT_READ_PRESSURE,
    freezer: notRead('freezer state'),
  };
}

/**
 * A 'table' reading (ResourceScope): a 'cpu' one, and memory usage, pids and the binding memory
 * and pids limits (copied from `reuse.limitsOf`, an earlier 'table' reading, when given).
 */
function readTable(root: HostRoot, layout: CgroupLayout, target: ResourceTarget, clock: () => number, reuse: SampleReuse): CgroupSample {
  const fast = reuse.kept ?? root;
  const { memory: mem, pids } = locateAll(layout, target).where;
  const cpuOnly = readCpuUsageOnly(root, layout, target, clock, reuse);
  return {
    ...cpuOnly,
    binding: reuse.limitsOf?.binding ?? { cpuCores: cpuOnly.binding.cpuCores, memoryBytes: bindingLimit(root, mem, memoryLimitAt), pids: bindingLimit(root, pids, pidsMaxAt) },
    memory: { ...cpuOnly.memory, usageBytes: isUnknown(mem) ? mem : (mem.shared ?? memoryUsage(fast, mem)) },
    pids: { current: pidsCurrent(fast, pids), max: notRead('pids.max') },
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
