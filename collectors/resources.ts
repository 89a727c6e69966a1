/**
 * Each container's resources, observation after observation: decide its cgroups (model), read
 * them (cgroupfs/sample.ts), and derive limits, usage and rates against the previous reading of
 * the same container (model). One mountinfo read for the layout, then only cgroupfs files; never
 * a /proc/<pid> walk.
 *
 * A continuous reader is cheap when repeated: the cgroup value files stay open (KeptFiles, one
 * pread each), a container's limits and the figures that change only on an update are re-read
 * every SLOW_EVERY readings of it (or when its cgroup directories change), so a `docker update`
 * shows within SLOW_EVERY observations; v1 memory.oom_control is carried over while no process
 * has exited (an OOM kill ends one). A reading may take less than every file (ReadHints.scope:
 * what a `ps` table shows, or only the counters a later reading takes rates against).
 */
import type { Container } from '../src/model/container.js';
import type { HostModel } from '../src/model/host-model.js';
import { containerKey } from '../src/model/reconstruct.js';
import { deriveResources, FIRST_READING, isUnknown, RECORDED_NO_RATE, resourceTargets, unavailableResources, unknown, type CgroupSample, type ContainerResources, type ResourceScope, type Unknown } from '../src/model/resources.js';
import { forgetUnusedLocations, readCgroupSample } from './cgroupfs/sample.js';
import { unreadPopulation } from './around.js';
import { readCgroupLayout } from './collect.js';
import { KeptFiles, type HostRoot } from './host-root.js';
import type { Read } from './read.js';

/** Readings of a container between two reads of its limits, in a continuous reader. */
export const SLOW_EVERY = 10;

export interface ResourceReaderOptions {
  /** Keep descriptors and the last sample of each container for the next read(). */
  readonly continuous: boolean;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  /** A recorded tree holds one reading of each counter: no rates from it, ever. */
  readonly recorded: boolean;
}

export interface ResourceReader {
  /**
   * Resources of some of the model's containers, keyed by containerKey(), rates against this
   * reader's previous read. `noExit`: no process has exited since then (the scan found the host
   * quiet). `fresh`: containerKey()s whose every file is read now, limits and freezer state
   * included (a kernel signal said one of them changed).
   */
  read(model: HostModel, containers: readonly Container[], hints: ReadHints): Map<string, ContainerResources>;
  close(): void;
}

export interface ReadHints {
  readonly noExit: boolean;
  /**
   * The kernel has counted no OOM kill since the previous read (/proc/vmstat oom_kill): v1
   * memory.oom_control is carried over as after `noExit`, and read again every SLOW_EVERY
   * readings all the same (its under_oom flag moves without a kill).
   */
  readonly noOomKill?: boolean;
  readonly fresh?: ReadonlySet<string>;
  /** How much of each cgroup to read (ResourceScope); 'full' by default. */
  readonly scope?: ResourceScope;
  /** containerKey()s read in 'full' whatever the scope (the container top shows in detail). */
  readonly full?: ReadonlySet<string>;
  /** containerKey()s read in 'row' whatever the scope, unless in `full` (the rows top shows). */
  readonly row?: ReadonlySet<string>;
}

interface Kept {
  /** The last sample: its counters are the next rates' start. */
  readonly last: CgroupSample;
  /** The last sample whose limits were read, and how many readings ago; null when none of that scope was. */
  readonly slow: CgroupSample | null;
  readonly slowAge: number;
  /** The scope of the last reading (and of `slow`): limits stand in only for a reading of the same scope, OOM counters only from a 'row' or 'full' one. */
  readonly scope: ResourceScope;
}

/**
 * The limits root of one reading: each file read at most once. A container's own limits are read
 * for its binding limit and again as its own figures (cpu.cfs_quota_us, memory.limit_in_bytes,
 * pids.max), and the limits of a shared ancestor (a `/docker` or `/kubepods` level, or the root
 * of a controller the container has no cgroup of its own in: v1 blkio, cpuset, freezer) once
 * per container: one read serves them all within the reading. Counters are not read through it.
 */
function readingOnce(base: HostRoot): HostRoot {
  const texts = new Map<string, Read<string>>();
  return {
    kind: base.kind,
    dir: base.dir,
    readText(hostPath) {
      let r = texts.get(hostPath);
      if (r === undefined) texts.set(hostPath, (r = base.readText(hostPath)));
      return r;
    },
    readBytes: (hostPath) => base.readBytes(hostPath),
    readLink: (hostPath) => base.readLink(hostPath),
    readDir: (hostPath) => base.readDir(hostPath),
    resolve: (hostPath) => base.resolve(hostPath),
  };
}

const sameDirs = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

export function createResourceReader(root: HostRoot, opts: ResourceReaderOptions): ResourceReader {
  // Where the cgroup hierarchies are mounted does not change under a running observer.
  const { layout, gap } = readCgroupLayout(root);
  const noLayout: Unknown | null = gap ? unknown(`cgroup mounts unknown: ${gap.reason}: ${gap.path}`) : layout.mode === null ? unknown('no cgroup filesystem mounted') : null;
  // Only a cgroup's value files are read here, each one seq_file record (kernel/cgroup/cgroup.c
  // cgroup_seqfile_show); the pid lists (cgroup.procs) are not. A file read a third time stays
  // open: the counters read at every refresh (a v1 memory.oom_control, read only after an exit,
  // a few refreshes), the limits, read every SLOW_EVERY readings, in between (a pread is about
  // three times cheaper than open, read and close). A file read once or twice (`ps` with rates:
  // each counter twice, each limit once) is never kept: open, pread and close would cost more
  // than the plain reads.
  const files = opts.continuous ? new KeptFiles(root, { oneRecord: () => true, keepUnread: 3, plainReads: 2 }) : null;
  const limitFiles = opts.continuous ? new KeptFiles(root, { oneRecord: () => true, keepUnread: SLOW_EVERY, plainReads: 2 }) : null;
  let targets: { containers: HostModel['containers'] | null; byContainer: ReturnType<typeof resourceTargets> } = { containers: null, byContainer: new Map() };
  let kept = new Map<string, Kept>();

  const read = (model: HostModel, containers: readonly Container[], hints: ReadHints): Map<string, ContainerResources> => {
    const baseScope = hints.scope ?? 'full';
    const out = new Map<string, ContainerResources>();
    if (noLayout) {
      for (const c of containers) out.set(containerKey(c), unavailableResources(noLayout));
      return out;
    }
    // The same containers (reused while no process changed) have the same cgroups. Only the
    // containers asked for are placed (`inspect` asks for one).
    if (model.containers !== targets.containers) targets = { containers: model.containers, byContainer: new Map() };
    const unplaced = containers.filter((c) => !targets.byContainer.has(c));
    if (unplaced.length > 0) {
      const around = model.snapshot.around;
      for (const [c, t] of resourceTargets(model.snapshot.processes, unplaced, around ? unreadPopulation(root, layout, around.unread) : undefined)) targets.byContainer.set(c, t);
    }
    const next = new Map<string, Kept>();
    const limitRoot = readingOnce(limitFiles ?? root);
    for (const c of containers) {
      const key = containerKey(c);
      const t = targets.byContainer.get(c) ?? unknown('no cgroup target');
      if (isUnknown(t)) {
        out.set(key, unavailableResources(t));
        continue;
      }
      const p = kept.get(key);
      const scope = hints.full?.has(key) === true ? 'full' : hints.row?.has(key) === true ? 'row' : baseScope;
      const fresh = hints.fresh?.has(key) === true;
      const reuse = p?.slow && p.scope === scope && !fresh && p.slowAge + 1 < SLOW_EVERY ? p.slow : undefined;
      let sample = readCgroupSample(limitRoot, layout, t, opts.clock, { ...(reuse ? { limitsOf: reuse } : {}), ...((hints.noExit || (hints.noOomKill === true && p !== undefined && p.slowAge + 1 < SLOW_EVERY)) && !fresh && p && (p.scope === 'row' || p.scope === 'full') ? { oomOf: p.last } : {}), kept: files ?? root }, scope);
      // Moved to other cgroups (or a controller became readable): the copied limits are not theirs.
      if (reuse && !sameDirs(reuse.dirs, sample.dirs)) sample = readCgroupSample(limitRoot, layout, t, opts.clock, { kept: files ?? root }, scope);
      // A 'cpu' reading reads no limits; a 'table' or 'row' one copies its binding limits when reused, a 'full' one all its limits.
      const slowRead = scope === 'cpu' ? false : scope === 'table' || scope === 'row' ? sample.binding !== reuse?.binding : sample.cpu !== reuse?.cpu;
      if (opts.continuous) next.set(key, { last: sample, slow: slowRead ? sample : (reuse ?? null), slowAge: slowRead ? 0 : (p?.slowAge ?? 0) + 1, scope });
      const previous = opts.recorded ? RECORDED_NO_RATE : (p?.last ?? FIRST_READING);
      out.set(key, deriveResources(previous, sample));
    }
    kept = next;
    if (files) {
      files.sweep();
      limitFiles?.sweep();
      forgetUnusedLocations(layout);
    }
    return out;
  };
  return {
    read,
    close: () => {
      files?.closeAll();
      limitFiles?.closeAll();
    },
  };
}
