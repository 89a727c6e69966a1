/**
 * `ctrscope top`: the live dashboard, or with --batch snapshots printed one after another.
 *
 * Both read frames from one FrameSource: a continuous Observer (src/observe/observer.ts), which
 * keeps what did not change between refreshes, and the figures projected from each observation.
 * The TUI is imported lazily, so `ps` and `inspect` never load blessed.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { openHostRoot, RootError, type HostRoot } from '../../../collectors/host-root.js';
import type { TopFrame } from '../../model/container-stats.js';
import type { Container } from '../../model/container.js';
import type { HostModel } from '../../model/host-model.js';
import type { ResourceScope } from '../../model/resources.js';
import { createObserver } from '../../observe/observer.js';
import { figuresByKey } from '../../../views/figures.js';
import { topFrameToJson } from '../../../views/json/top.js';
import { renderTopFrame } from '../../../views/text/top.js';
import { locateLog, readLogTail } from '../../../collectors/logs.js';
import type { LogLocation } from '../../model/container-log.js';
import { containerKey } from '../../model/reconstruct.js';
import type { EventFeed, FrameSource, ProcessActions, Shown } from '../../../views/tui/app.js';
import { startState, type TopState } from '../../../views/tui/state.js';
import { COLUMN_IDS, filterProblem, sortColumnNamed, TOP_COLUMNS, type ColumnId } from '../../../views/tui/view-model.js';
import { EXIT } from '../exit-codes.js';
import { checkSnapshot, ExitWith, openRoot, type Deps, type GlobalOptions } from '../context.js';

const STOP_SIGNALS = ['SIGHUP', 'SIGTERM'] as const;

/** The recorded host offered when the live one has no containers (see samples/). */
const SAMPLE = 'samples/hybrid-docker';

/**
 * What the dashboard reads of a container whose row is not on screen: enough to sort it by
 * `sort`, and where it can, no more. 'cpu' is the CPU usage counter alone (CPU%), 'table' holds
 * pids; memory (its working set needs memory.stat), the CPU limit, throttling and IO need 'row'.
 * A column no cgroup figure sorts (NAME, NET, UPTIME...) needs none: null.
 */
export function unseenScope(sort: ColumnId): ResourceScope | null {
  switch (sort) {
    case 'cpu':
      return 'cpu';
    case 'pids':
      return 'table';
    case 'mem':
    case 'cpuLimit':
    case 'throttled':
    case 'io':
      return 'row';
    default:
      return null;
  }
}

/**
 * `resources`: how much of each container's cgroups a refresh reads. The dashboard and the text
 * frames show a row's figures ('row'; the container shown in detail is read in full); the NDJSON
 * lines carry the whole `ps --json` container ('full').
 *
 * When the dashboard says what it shows (next()'s `shown`), only the rows on screen (and the
 * container in detail) are read in 'row', the others as far as their sort column needs
 * (unseenScope), and network counters only of the rows on screen unless NET is the sort column.
 * A row that comes into view shows, until the refresh the dashboard then asks for (views/tui/
 * app.ts), what was read of it: its sort figure, and for the rest '?' (a figure not read) or '-'
 * (a rate with one reading so far); never a figure of an earlier refresh.
 */
export function createFrameSource(root: HostRoot, deps: Deps, resources: ResourceScope = 'row'): FrameSource & { first(): TopFrame } {
  /** The containerKey()s whose cgroups and network counters this refresh reads; null: all. */
  let cgroupsOf: ReadonlySet<string> | null = null;
  let networkOf: ReadonlySet<string> | null = null;
  const pick = (keys: ReadonlySet<string> | null, model: HostModel): readonly Container[] => (keys === null ? model.containers : model.containers.filter((c) => keys.has(containerKey(c))));
  const observer = createObserver(root, { continuous: true, now: deps.now, resources: (m) => pick(cgroupsOf, m), network: (m) => pick(networkOf, m) });
  let prev: HostModel | null = null;
  let pending: TopFrame | null = null;
  const collect = (detail?: string | null, shown?: Shown | null): TopFrame => {
    const unseen = shown ? unseenScope(shown.sort) : resources;
    const rows = shown ? new Set(detail ? [...shown.keys, detail] : shown.keys) : null;
    cgroupsOf = unseen === null ? rows : null;
    networkOf = shown && shown.sort !== 'net' ? rows : null;
    const observation = observer.observe({ focus: detail ?? null, resources: unseen ?? resources, ...(rows && unseen !== null && unseen !== resources ? { rows } : {}) });
    const frame: TopFrame = { observation, model: observation.model, prev, summary: observation.host, stats: figuresByKey(observation), seq: observation.seq };
    prev = observation.model;
    return frame;
  };
  // The log view's file, found once per container shown (its engine's records are read then).
  let located: { key: string; pid: number; location: LogLocation } | null = null;
  return {
    rootArg: root.dir === '/' ? null : root.dir,
    /** Collect the first frame now (to check it before the screen opens); next() returns it. */
    first() {
      pending = collect();
      return pending;
    },
    next(detail, shown) {
      const f = pending ?? collect(detail, shown);
      pending = null;
      return f;
    },
    readLog(key) {
      const c = prev?.containers.find((x) => containerKey(x) === key);
      if (c === undefined) return readLogTail(root, { kind: 'none', reason: 'the container is gone' });
      if (located === null || located.key !== key || located.pid !== c.pid) {
        located = { key, pid: c.pid, location: locateLog(root, c, new Map(prev?.snapshot.processes.map((p) => [p.pid, p]) ?? [])) };
      }
      return readLogTail(root, located.location);
    },
    close() {
      observer.close();
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
  sort?: ColumnId;
  filter?: string;
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

const sortColumn = (v: string): ColumnId => {
  const id = sortColumnNamed(v);
  if (id === null) throw new ExitWith(EXIT.usage, `--sort ${v}: no such column; columns are ${COLUMN_IDS.map((c) => TOP_COLUMNS[c].header.split(/[ /]/)[0]?.toLowerCase()).join(', ')}`);
  return id;
};
const filterExpr = (v: string): string => {
  const problem = filterProblem(v);
  if (problem !== null) throw new ExitWith(EXIT.usage, `--filter ${v}: ${problem}`);
  return v;
};

export function registerTop(program: Command, deps: Deps): void {
  program
    .command('top')
    .description('live dashboard of every container (q quits, ? lists keys); --batch prints refreshes as text or NDJSON')
    .option('-b, --batch', 'print refreshes without a full-screen display, like top -b')
    .addOption(new Option('-n, --count <n>', 'stop after N refreshes (default: run until interrupted)').argParser(positiveInt))
    .addOption(new Option('-d, --interval <seconds>', 'seconds between refreshes').default(1).argParser(seconds))
    .addOption(new Option('--sort <column>', 'sort by this column at start (cpu, mem, name, %lim, throt, io, uptime...); the column keys change it').argParser(sortColumn))
    .addOption(new Option('--filter <expr>', 'show only matching containers at start: text, or name: engine: pod: image: id: cmd: terms, all of which must match').argParser(filterExpr))
    .option('--json', 'with --batch: one JSON object per refresh (NDJSON; schema: views/json/ctrscope.schema.json, kind "top")')
    .action(async (opts: TopOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (opts.json && !opts.batch) throw new ExitWith(EXIT.usage, '--json needs --batch (the full-screen display has no JSON form)');
      if (opts.count !== undefined && !opts.batch) throw new ExitWith(EXIT.usage, '--count needs --batch (the full-screen display runs until q)');
      if (!opts.batch && !deps.interactive) throw new ExitWith(EXIT.usage, 'top needs a terminal; use `ctrscope top --batch [--json]` to print refreshes instead');
      const root = openRoot(g);
      const source = createFrameSource(root, deps, opts.json ? 'full' : 'row');
      try {
        checkSnapshot(root, source.first().model.snapshot, deps);
        const start = startState({ ...(opts.sort ? { sort: opts.sort } : {}), ...(opts.filter ? { filter: opts.filter } : {}) });
        if (opts.batch) return await runBatch(source, opts, deps, start);
        await dashboard(root, source, opts, deps, start);
      } finally {
        source.close();
      }
    });
}

async function dashboard(root: HostRoot, source: FrameSource, opts: TopOptions, deps: Deps, start: TopState): Promise<void> {
  const { runDashboard } = await import('../../../views/tui/app.js');
  const sample = root.dir === '/' ? findSample() : null;
  // A closed terminal (SIGHUP) or a `kill` (SIGTERM) restores the terminal and ends top like
  // `q`. Handled, not left to the default action, which the kernel does not take for the init
  // of a pid namespace (ctrscope as a container's first process): it would run on unseen.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  for (const s of STOP_SIGNALS) process.once(s, onSignal);
  const live = root.kind === 'live' && root.dir === '/';
  const events = live && deps.euid === 0 ? () => eventFeed(root, deps) : null;
  try {
    await runDashboard({
      source,
      events,
      processes: live ? await processActions(root) : null,
      intervalMs: opts.interval * 1000,
      // Loaded on the key press: it binds libc through koffi, which `ps` has no use for.
      runCtrscope: async (args) => (await import('../../actions/run-self.js')).runCtrscope(args),
      sample: sample === null ? null : { label: SAMPLE, open: () => createFrameSource(sample, deps) },
      stop: stop.signal,
      start,
      // NO_COLOR (https://no-color.org) as inspect honours it; the terminal is known to be one.
      color: deps.color !== false,
    });
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}

/** Container events for the rows' marks: `ctrscope events`' own source, started beside the dashboard. */
async function eventFeed(root: HostRoot, deps: Deps): Promise<EventFeed | null> {
  const { createEventSource } = await import('../../observe/event-source.js');
  // Its warnings (a kernel interface it cannot watch) would write over the screen: it says what
  // it cannot watch through its `warnings`, and the detail view's events list is what remains.
  const source = createEventSource(root, { euid: deps.euid, now: deps.now });
  try {
    source.start();
  } catch {
    source.close();
    return null;
  }
  return { subscribe: (l) => source.subscribe(l), close: () => source.close() };
}

/** Identity checks and signals for the processes the detail view selects (live host only). */
async function processActions(root: HostRoot): Promise<ProcessActions> {
  const { processChanged, signalProcess } = await import('../../actions/signal.js');
  return {
    check: (p) => processChanged(root, p),
    signal: async (p, sig) => {
      const r = signalProcess(root, p, sig);
      return r.ok ? `sent SIG${sig} to pid ${p.pid} (${p.command.slice(0, 40)})` : `SIG${sig} not sent: ${r.reason}`;
    },
  };
}

async function runBatch(source: FrameSource, opts: TopOptions, deps: Deps, start: TopState): Promise<void> {
  const ms = opts.interval * 1000;
  for (let i = 1; opts.count === undefined || i <= opts.count; i++) {
    const started = deps.now();
    const frame = source.next();
    deps.out(opts.json ? JSON.stringify(topFrameToJson(frame, opts.interval)) + '\n' : renderTopFrame(frame, deps.columns, start));
    if (opts.count !== undefined && i === opts.count) break;
    await new Promise((r) => setTimeout(r, Math.max(0, ms - (deps.now() - started))));
  }
}
