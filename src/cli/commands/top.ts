/**
 * `ctrscope top`: the live dashboard, or with --batch snapshots printed one after another.
 *
 * Both read frames from one FrameSource: an IncrementalScanner kept across refreshes (per-process
 * static data is read once per pid + start time), the model, the host summary, and the
 * per-container stats. The TUI is imported lazily, so `ps` and `inspect` never load blessed.
 *
 * Steady state is cheap (scripts/bench-top.mjs): when the scan reports no process change, the
 * previous refresh's grouping, engine metadata and containers are reused, and on a quiet host
 * (no process born or gone) the scan reads no process but the one in the detail view, so a
 * refresh is the /proc listing, the cgroup counters and the render. Every SLOW_EVERY refreshes the
 * engines' metadata is read again (the model is rebuilt only if it changed), which bounds how
 * long a change no cheap signal reports can go unseen (an engine renaming a container). A mount
 * namespace's root decision is re-read only when the kernel says its mount table changed
 * (collectors/mount-watch.ts: poll(2) on its kept mountinfo); where that cannot be had (koffi
 * does not load), every SLOW_EVERY refreshes too.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { collectSnapshot, type RefreshCache } from '../../../collectors/collect.js';
import { createStatsCollector, SLOW_EVERY } from '../../../collectors/container-stats.js';
import { collectHostSummary } from '../../../collectors/host-summary.js';
import { openHostRoot, RootError, type HostRoot } from '../../../collectors/host-root.js';
import { createMountWatch } from '../../../collectors/mount-watch.js';
import { IncrementalScanner } from '../../../collectors/processes.js';
import type { TopFrame } from '../../model/container-stats.js';
import { buildHostModel, type HostModel } from '../../model/host-model.js';
import { containerKey } from '../../model/reconstruct.js';
import { topFrameToJson } from '../../../views/json/top.js';
import { renderTopFrame } from '../../../views/text/top.js';
import type { FrameSource } from '../../../views/tui/app.js';
import { EXIT } from '../exit-codes.js';
import { checkSnapshot, ExitWith, openRoot, type Deps, type GlobalOptions } from '../program.js';

const STOP_SIGNALS = ['SIGHUP', 'SIGTERM'] as const;

/** The recorded host offered when the live one has no containers (see samples/). */
const SAMPLE = 'samples/hybrid-docker';

export function createFrameSource(root: HostRoot, deps: Deps): FrameSource & { first(): TopFrame } {
  const scanner = new IncrementalScanner(root);
  const collectStats = createStatsCollector(root);
  let prev: HostModel | null = null;
  let seq = 0;
  let pending: TopFrame | null = null;
  const cache: RefreshCache = { rootDiffers: new Map(), previous: null, mounts: createMountWatch(root) };
  const collect = (detail?: string | null): TopFrame => {
    cache.rereadMetadata = seq % SLOW_EVERY === 0;
    if (cache.rereadMetadata && !cache.mounts) cache.rootDiffers.clear();
    const shown = detail ? prev?.containers.find((c) => containerKey(c) === detail) : undefined;
    const fresh = new Set(shown?.processes.map((m) => m.pid));
    const snapshot = collectSnapshot(root, { nowMs: deps.now(), scanner, cache, fresh });
    // Same grouping and metadata objects: the containers built from them still hold.
    const model = prev && snapshot.grouping === prev.snapshot.grouping && snapshot.metadata === prev.snapshot.metadata ? { snapshot, containers: prev.containers, pods: prev.pods } : buildHostModel(snapshot);
    cache.previous = snapshot;
    const frame: TopFrame = { model, prev, summary: collectHostSummary(root), stats: collectStats(model), seq: ++seq };
    prev = model;
    return frame;
  };
  return {
    rootArg: root.dir === '/' ? null : root.dir,
    /** Collect the first frame now (to check it before the screen opens); next() returns it. */
    first() {
      pending = collect();
      return pending;
    },
    next(detail) {
      const f = pending ?? collect(detail);
      pending = null;
      return f;
    },
    close() {
      scanner.close();
      collectStats.close();
      cache.mounts?.close();
    },
  };
}

/**
 * The bundled sample, found in the package above this module: src/cli/commands/ when tests run
 * the sources, dist/ or dist/chunks/ in the built bin, dist/src/cli/commands/ from tsc.
 */
function findSample(): HostRoot | null {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      return openHostRoot(new URL(SAMPLE, dir).pathname);
    } catch (err) {
      if (!(err instanceof RootError)) throw err;
    }
  }
  return null;
}

interface TopOptions {
  batch?: boolean;
  count?: number;
  interval: number;
  json?: boolean;
}

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ExitWith(EXIT.usage, `--count ${v}: expected a whole number of refreshes, 1 or more`);
  return n;
};
const seconds = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0.1) throw new ExitWith(EXIT.usage, `--interval ${v}: expected seconds between refreshes, 0.1 or more`);
  return n;
};

export function registerTop(program: Command, deps: Deps): void {
  program
    .command('top')
    .description('live dashboard of every container (q quits, ? lists keys); --batch prints refreshes as text or NDJSON')
    .option('-b, --batch', 'print refreshes without a full-screen display, like top -b')
    .addOption(new Option('-n, --count <n>', 'stop after N refreshes (default: run until interrupted)').argParser(positiveInt))
    .addOption(new Option('-d, --interval <seconds>', 'seconds between refreshes').default(1).argParser(seconds))
    .option('--json', 'with --batch: one JSON object per refresh (NDJSON; schema: views/json/ctrscope.schema.json, kind "top")')
    .action(async (opts: TopOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (opts.json && !opts.batch) throw new ExitWith(EXIT.usage, '--json needs --batch (the full-screen display has no JSON form)');
      if (!opts.batch && !deps.interactive) throw new ExitWith(EXIT.usage, 'top needs a terminal; use `ctrscope top --batch [--json]` to print refreshes instead');
      const root = openRoot(g);
      const source = createFrameSource(root, deps);
      try {
        checkSnapshot(root, source.first().model.snapshot, deps);
        if (opts.batch) return await runBatch(source, opts, deps);
        await dashboard(root, source, opts, deps);
      } finally {
        source.close();
      }
    });
}

async function dashboard(root: HostRoot, source: FrameSource, opts: TopOptions, deps: Deps): Promise<void> {
  const { runDashboard } = await import('../../../views/tui/app.js');
  const sample = root.dir === '/' ? findSample() : null;
  // A closed terminal (SIGHUP) or a `kill` (SIGTERM) restores the terminal and ends top like
  // `q`. Handled, not left to the default action, which the kernel does not take for the init
  // of a pid namespace (ctrscope as a container's first process): it would run on unseen.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  for (const s of STOP_SIGNALS) process.once(s, onSignal);
  try {
    await runDashboard({
      source,
      intervalMs: opts.interval * 1000,
      // Loaded on the key press: it binds libc through koffi, which `ps` has no use for.
      runCtrscope: async (args) => (await import('../../actions/run-self.js')).runCtrscope(args),
      sample: sample === null ? null : { label: SAMPLE, open: () => createFrameSource(sample, deps) },
      stop: stop.signal,
    });
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}

async function runBatch(source: FrameSource, opts: TopOptions, deps: Deps): Promise<void> {
  const ms = opts.interval * 1000;
  for (let i = 1; opts.count === undefined || i <= opts.count; i++) {
    const started = deps.now();
    const frame = source.next();
    deps.out(opts.json ? JSON.stringify(topFrameToJson(frame, opts.interval)) + '\n' : renderTopFrame(frame, deps.columns));
    if (opts.count !== undefined && i === opts.count) break;
    await new Promise((r) => setTimeout(r, Math.max(0, ms - (deps.now() - started))));
  }
}
