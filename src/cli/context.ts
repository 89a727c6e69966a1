/**
 * What every command shares: its dependencies (streams, clock, terminal), the global options,
 * the host root it reads, and one observation of it, checked and warned about once.
 */
import { openHostRoot, RootError, type HostRoot } from '../../collectors/host-root.js';
import type { HostSnapshot } from '../model/host.js';
import { INITIAL_NS_INODES } from '../model/namespace.js';
import type { Observation } from '../observe/observation.js';
import { observeOnce, type ObserverOptions } from '../observe/observer.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { isArchivePath, unpackArchive } from './snapshot-archive.js';

export interface Deps {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Effective uid of the caller, null where unknown. */
  readonly euid: number | null;
  readonly now: () => number;
  /** Terminal width for tables; Infinity when not a terminal. */
  readonly columns: number;
  /** Colour in text output: stdout is a terminal and NO_COLOR is unset. */
  readonly color?: boolean;
  /** stdin and stdout are a terminal (full-screen `top` needs both). */
  readonly interactive?: boolean;
}

export interface GlobalOptions {
  root: string;
  json?: boolean;
}

export class ExitWith extends Error {
  readonly code: ExitCode;
  constructor(code: ExitCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function openRoot(opts: GlobalOptions): HostRoot {
  let dir = opts.root;
  if (isArchivePath(dir)) {
    try {
      dir = unpackArchive(dir);
    } catch (err) {
      throw new ExitWith(EXIT.failure, `--root ${opts.root}: cannot unpack (${err instanceof Error ? err.message : String(err)}); expected an archive written by ctrscope snapshot`);
    }
  }
  try {
    return openHostRoot(dir);
  } catch (err) {
    if (err instanceof RootError) throw new ExitWith(EXIT.failure, err.message);
    throw err;
  }
}

/**
 * Observe the host once and check what was seen (see checkSnapshot). Commands that show no
 * resources or rates pass `resources: false, network: false`.
 */
export function observeHost(root: HostRoot, deps: Deps, options: Omit<ObserverOptions, 'continuous' | 'now'> = {}): Observation {
  const observation = observeOnce(root, { now: deps.now, ...options });
  checkSnapshot(root, observation.model.snapshot, deps);
  return observation;
}

/** Refuse an empty scan; warn about malformed files, a pid-namespaced view, and not being root. */
export function checkSnapshot(root: HostRoot, snapshot: HostSnapshot, deps: Deps): void {
  if (snapshot.processes.length === 0) throw new ExitWith(EXIT.failure, `${root.resolve('/proc')}: no readable processes`);
  // A recorded tree holds what the kernel wrote; text it would not write means the tree was
  // damaged or edited, and every answer drawn from it is suspect. Live, it is one odd process.
  const bad = snapshot.malformed[0];
  if (bad && root.kind === 'recorded') throw new ExitWith(EXIT.failure, `${root.resolve(bad.path)}: malformed (${bad.detail ?? 'unexpected text'}); the recorded tree is damaged: record it again with ctrscope snapshot`);
  for (const m of snapshot.malformed) deps.err(`ctrscope: warning: ${root.resolve(m.path)}: malformed: ${m.detail ?? ''}\n`);
  if (root.dir === '/') {
    if (snapshot.readerNs?.pid !== undefined && snapshot.readerNs.pid !== INITIAL_NS_INODES.pid) {
      deps.err('ctrscope: warning: running inside a pid namespace: only its processes are visible; run on the host (or with --pid host) to see every container\n');
    }
    const denied = snapshot.stats.hidden['denied'] ?? 0;
    if (deps.euid !== null && deps.euid !== 0 && denied > 0) {
      deps.err(`ctrscope: warning: not root: namespaces, command lines or cgroups of ${denied} processes are hidden, so containers of other users may be missing or incomplete; run as root for the full view\n`);
    }
  }
}

