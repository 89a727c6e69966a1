/**
 * The command line. createProgram(deps) builds every command; tests run it in-process with their
 * own streams. Nothing below src/cli touches process.argv, stdout or exit codes.
 */
import { Command, CommanderError, Option } from 'commander';
import { collectSnapshot, type CollectOptions } from '../../collectors/collect.js';
import { openHostRoot, RootError, type HostRoot } from '../../collectors/host-root.js';
import { buildHostModel, type HostModel } from '../model/host-model.js';
import { INIT_PID_NS_INODE, type HostSnapshot } from '../model/host.js';
import { renderPs } from '../../views/text/ps.js';
import { psToJson } from '../../views/json/container.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { registerInspect } from './commands/inspect.js';
import { collectDetails } from '../../collectors/details.js';
import { sampleNetRates } from './net-sampling.js';
import { collectResources } from '../../collectors/resources.js';
import { registerWhich } from './commands/which.js';
import { registerEnter } from './commands/enter.js';
import { registerNs } from './commands/ns.js';
import { registerSnapshot } from './commands/snapshot.js';
import { isArchivePath, removeUnpacked, unpackArchive } from './snapshot-archive.js';
import { VERSION } from './version.js';
import { registerTop } from './commands/top.js';

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

/** Scan once and decide containers; warn (once, plainly) about what the scan could not see. */
export function loadModel(root: HostRoot, deps: Deps, scan: Pick<CollectOptions, 'everyProcess' | 'childNamespaces'> = {}): HostModel {
  const snapshot = collectSnapshot(root, { nowMs: deps.now(), ...scan });
  checkSnapshot(root, snapshot, deps);
  return buildHostModel(snapshot);
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
    if (snapshot.readerNs?.pid !== undefined && snapshot.readerNs.pid !== INIT_PID_NS_INODE) {
      deps.err('ctrscope: warning: running inside a pid namespace: only its processes are visible; run on the host (or with --pid host) to see every container\n');
    }
    const denied = snapshot.stats.hidden['denied'] ?? 0;
    if (deps.euid !== null && deps.euid !== 0 && denied > 0) {
      deps.err(`ctrscope: warning: not root: namespaces, command lines or cgroups of ${denied} processes are hidden, so containers of other users may be missing or incomplete; run as root for the full view\n`);
    }
  }
}

export function createProgram(deps: Deps): Command {
  const program = new Command('ctrscope')
    .description('Every container on a Linux host, rebuilt from kernel state, whichever engine started it')
    .version(VERSION)
    .addOption(new Option('--root <dir>', 'read the host tree at DIR (a host mounted at /host, a sample, an unpacked snapshot)').default('/'))
    .showHelpAfterError()
    .configureOutput({ writeOut: deps.out, writeErr: deps.err });
  program.exitOverride();

  program
    .command('ps')
    .description('list every container, one row each')
    .option('--json', 'print JSON (schema: views/json/ctrscope.schema.json)')
    .option('--sizes', 'with --json: measure each upper layer (bytes, files, whiteouts), at most 2 s each and 10 s in all')
    .addOption(new Option('--interval <seconds>', 'sample rates (CPU%, CPU throttling, NET) this far apart (0: no rates)').default('0.5'))
    .option('--no-rates', 'one sample only: limits and usage, no CPU% or NET rates')
    .action(async (opts: { json?: boolean; sizes?: boolean; interval: string; rates: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const seconds = Number(opts.interval);
      if (opts.interval.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 60) throw new ExitWith(EXIT.usage, `--interval ${opts.interval}: expected seconds from 0 to 60 (e.g. 0.5)`);
      const ms = opts.rates ? Math.round(seconds * 1000) : 0;
      const root = openRoot(g);
      const model = loadModel(root, deps);
      // Resource and network counters are sampled over the same interval: the waits overlap.
      const resources = collectResources(root, model.snapshot.processes, model.containers, { intervalMs: ms > 0 ? ms : null });
      if (opts.json) {
        const d = collectDetails(root, model, opts.sizes ? { sizes: { perContainerMs: 2000, totalMs: 10_000, now: deps.now } } : {});
        deps.out(JSON.stringify(psToJson(model, d.details, await resources), null, 2) + '\n');
      } else {
        const net = await sampleNetRates(root, model, ms, deps.now);
        deps.out(renderPs(model, deps.columns, net, { byContainer: await resources, rates: ms > 0 }));
      }
    });
  registerEnter(program, deps);

  registerInspect(program, deps);
  registerWhich(program, deps);
  registerNs(program, deps);
  registerSnapshot(program, deps);
  registerTop(program, deps);
  return program;
}

/** Parse and run; returns the exit code. Errors become one line on stderr. */
export async function run(argv: readonly string[], deps: Deps): Promise<ExitCode> {
  const program = createProgram(deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ExitWith) {
      deps.err(`ctrscope: ${err.message}\n`);
      return err.code;
    }
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    throw err;
  } finally {
    // A `--root` archive was unpacked for this command only.
    removeUnpacked();
  }
}
