/**
 * The full-screen dashboard. The only module that talks to blessed (with panels.ts).
 *
 * One tick loop, a setTimeout chain so passes never overlap (gtop's setInterval renders pile up
 * when a pass is slow): frame -> rows -> every panel updated -> one screen.render(). Keys go
 * through the pure reducer in state.ts and re-render from the rows already built; they never
 * trigger a collection.
 */
import type { LogTail } from '../../src/model/container-log.js';
import type { TopFrame } from '../../src/model/container-stats.js';
import type { ContainerEvent } from '../../src/model/events.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { History } from './history.js';
import { createPanels, type Panels } from './panels.js';
import { RecentEvents } from './recent-events.js';
import { initialState, reconcile, reduce, visibleItems, type Effect, type Key, type ProcessPick, type SignalName, type TopState, type View } from './state.js';
import { buildRows, type ColumnId, type ContainerRow } from './view-model.js';

/**
 * How soon the dashboard refreshes when a row it has not read in full comes into view: soon
 * enough to look immediate, late enough that a held key (PageDown) asks for one refresh, not one
 * per repeat.
 */
const UNREAD_REFRESH_MS = 150;

/**
 * What the table has on screen when a refresh is asked for: the containerKey()s of its rows and
 * the column it is sorted by. A source may read the other containers' figures only as far as
 * sorting them takes; a row that scrolls or sorts into view shows what was read of it until a
 * refresh reads it in full (the dashboard asks for one then: refreshIfUnread).
 */
export interface Shown {
  readonly keys: ReadonlySet<string>;
  readonly sort: ColumnId;
}

/** Where frames come from: the CLI builds it over a HostRoot, the dashboard just asks. */
export interface FrameSource {
  /**
   * The next refresh; `detail` names the container shown in detail, whose processes' CPU time,
   * state and threads must be current; `shown`, what the table shows (null or absent: every
   * row's figures are read).
   */
  next(detail?: string | null, shown?: Shown | null): TopFrame;
  /** Let go of what it keeps open between refreshes (descriptors); it is not asked again. */
  close(): void;
  /** `--root` to pass to a relaunched ctrscope, or null for the live host. */
  readonly rootArg: string | null;
  /** The tail of a container's log from disk, read when asked (only while the log view is shown). */
  readLog?(key: string): LogTail;
}

/** Container events as they happen (the CLI wires `ctrscope events`' source). */
export interface EventFeed {
  subscribe(listener: (e: ContainerEvent) => void): () => void;
  close(): void;
}

/** What the dashboard does to a process on the host, each refusing a process that is gone or whose pid was reused. */
export interface ProcessActions {
  /** null while the process is still the one selected (pid and start time), else why not. */
  check(p: ProcessPick): string | null;
  /** Send the signal; resolves with what happened, in words. */
  signal(p: ProcessPick, signal: SignalName): Promise<string>;
}

export interface DashboardOptions {
  readonly source: FrameSource;
  readonly intervalMs: number;
  /** Run `ctrscope <args>` in the foreground on the real terminal; resolves with its exit code. */
  readonly runCtrscope: (args: readonly string[]) => Promise<number>;
  /** A recorded host to offer when the live one has no containers. */
  readonly sample: { readonly label: string; open(): FrameSource } | null;
  /** Aborting it closes the dashboard as `q` does (the caller wires it to SIGHUP and SIGTERM). */
  readonly stop?: AbortSignal;
  /** The state to start in (`--sort`, `--filter`); default initialState. */
  readonly start?: TopState;
  /** Draw colours; false under NO_COLOR. */
  readonly color: boolean;
  /**
   * Starts watching events to mark on rows (null: not watched, e.g. not root or a recorded host).
   * Called once the first refresh is on screen: the watch's own first observation of the host
   * does not delay it.
   */
  readonly events?: (() => Promise<EventFeed | null>) | null;
  /** Signals and identity checks for the detail view's processes (null: not offered, e.g. a recorded host). */
  readonly processes?: ProcessActions | null;
  /** Terminal streams; default process.stdin/stdout. */
  readonly input?: NodeJS.ReadStream;
  readonly output?: NodeJS.WriteStream;
}

/** Runs until the user quits; rejects (with the terminal restored) if a pass throws. */
export function runDashboard(opts: DashboardOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let source = opts.source;
    const panels: Panels = createPanels({ input: opts.input, output: opts.output, color: opts.color });
    const start = opts.start ?? initialState;
    let state: TopState = start;
    let frame: TopFrame | null = null;
    let rows: ContainerRow[] = [];
    let history = new History();
    let timer: NodeJS.Timeout | null = null;
    /** What the last refresh read in full: the rows then on screen (null: every row) and the container in detail. */
    let readRows: ReadonlySet<string> | null = null;
    let readDetail: string | null = null;
    let busy = false;
    let finished = false;
    let message: string | null = null;
    let log: LogTail | null = null;
    const recent = opts.events ? new RecentEvents() : null;
    let feed: EventFeed | null = null;
    let unsubscribe: (() => void) | null = null;
    let feedAsked = false;
    const startEvents = (): void => {
      if (feedAsked || !opts.events || recent === null) return;
      feedAsked = true;
      setTimeout(() => {
        void opts.events?.().then(
          (f) => {
            if (f === null) return;
            if (finished) return f.close();
            feed = f;
            unsubscribe = f.subscribe((e) => recent.push(e));
          },
          (err: unknown) => {
            message = `events not watched: ${err instanceof Error ? err.message : String(err)}`;
          },
        );
      }, 0);
    };
    const marker = (key: string): ReturnType<RecentEvents['mark']> => (recent === null || recent.size === 0 ? null : recent.mark(key));

    const view = (): View => {
      const procs = state.mode === 'detail' ? panels.detailProcesses() : { processes: [], lines: [] };
      return {
        rows,
        pageSize: panels.pageSize(),
        sampleOffered: sampleOffered(),
        detailPage: panels.detailPage(),
        detailMax: panels.detailMax(),
        processes: procs.processes,
        processLines: procs.lines,
        logPage: panels.logPage(),
        logLength: panels.logLength(),
      };
    };
    /** The log is read only while its view is shown. */
    const readLog = (): void => {
      log = state.mode === 'log' && state.detail !== null && source.readLog ? source.readLog(state.detail) : null;
    };
    const sampleOffered = (): boolean => opts.sample !== null && source === opts.source && frame !== null && frame.model.containers.length === 0 && source.rootArg === null;

    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      unsubscribe?.();
      feed?.close();
      source.close();
      panels.destroy();
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error(String(err)));
    };

    const draw = (): void => {
      if (!frame) return;
      const empty =
        frame.model.containers.length > 0
          ? null
          : sampleOffered() && opts.sample
            ? `No containers on this host. Press d to browse the recorded host ${opts.sample.label}, q to quit.`
            : 'No containers on this host.';
      panels.update({ frame, rows, state, history, message, empty, events: recent, nowMs: Date.now(), log });
    };

    /** The rows on screen as last drawn (null before the first frame: every row is read). */
    const shownNow = (): Shown | null => {
      if (frame === null) return null;
      const keys = new Set<string>();
      const items = visibleItems(rows, state);
      for (let i = state.offset; i < Math.min(items.length, state.offset + panels.pageSize()); i++) {
        const it = items[i];
        if (it?.kind === 'row') keys.add(it.row.key);
      }
      return { keys, sort: state.sort.column };
    };

    const tick = (): void => {
      timer = null;
      if (finished) return;
      const started = Date.now();
      try {
        if (!state.paused || frame === null) {
          const shown = shownNow();
          frame = source.next(state.detail, shown);
          readRows = shown?.keys ?? null;
          readDetail = state.detail;
          recent?.prune(Date.now());
          rows = buildRows(frame, marker);
          history.push(frame);
          state = reconcile(state, view());
          readLog();
        }
        draw();
        startEvents();
      } catch (err) {
        finish(err);
        return;
      }
      timer = setTimeout(tick, Math.max(50, opts.intervalMs - (Date.now() - started)));
    };

    /**
     * A container opened in detail, or a row on screen, that the last refresh did not read in
     * full (off screen, only its sort figure was read): refresh at once for the detail view (its
     * diagnosis must not be made on figures not read), soon for rows that scrolled or sorted into
     * view, rather than at the next interval. True when it refreshed (and drew) at once.
     */
    const refreshIfUnread = (): boolean => {
      if (readRows === null || timer === null || state.paused) return false;
      const read = readRows;
      if (state.detail !== null && state.detail !== readDetail) {
        clearTimeout(timer);
        tick();
        return true;
      }
      const shown = shownNow();
      if (shown !== null && [...shown.keys].some((k) => !read.has(k))) {
        clearTimeout(timer);
        timer = setTimeout(tick, UNREAD_REFRESH_MS);
      }
      return false;
    };

    const enter = async (flag: '--all' | '--net', process: ProcessPick | null): Promise<void> => {
      const c = frame?.model.containers.find((x) => containerKey(x) === state.detail);
      if (!c) return;
      // A selected process: its pid, still the process that was selected (not gone, not reused).
      if (process !== null) {
        const why = opts.processes ? opts.processes.check(process) : 'processes can be entered on the live host only';
        if (why !== null) {
          message = `not entered: ${why}`;
          draw();
          return;
        }
      }
      // A process is entered only if its pid still names the one checked above: enter resolves
      // the pid again, and refuses it when the start time differs (a pid reused in between).
      const target = process === null ? [c.id] : [...(process.starttimeTicks === null ? [] : ['--started-at', String(process.starttimeTicks)]), String(process.pid)];
      const args = [...(source.rootArg === null ? [] : ['--root', source.rootArg]), 'enter', flag, ...target];
      busy = true;
      if (timer) clearTimeout(timer);
      timer = null;
      try {
        const code = await panels.suspend(async (say, waitForEnter) => {
          const rc = await opts.runCtrscope(args);
          if (rc !== 0) {
            say(`\nctrscope top: \`ctrscope ${args.join(' ')}\` exited with code ${rc}. Press Enter to return to the dashboard.\n`);
            await waitForEnter();
          }
          return rc;
        });
        message = code === 0 ? null : `enter exited with code ${code}`;
      } catch (err) {
        message = `enter failed: ${err instanceof Error ? err.message : String(err)}`;
      }
      busy = false;
      tick();
    };

    const sendSignal = async (p: ProcessPick, sig: SignalName): Promise<void> => {
      if (!opts.processes) {
        message = 'signals can be sent on the live host only';
        draw();
        return;
      }
      busy = true;
      try {
        message = await opts.processes.signal(p, sig);
      } catch (err) {
        message = `signal failed: ${err instanceof Error ? err.message : String(err)}`;
      }
      busy = false;
      draw();
    };

    const onEffect = (e: Effect): void => {
      if (typeof e === 'object') {
        if (e.kind === 'enter') void enter(e.net ? '--net' : '--all', e.process);
        else void sendSignal(e.process, e.signal);
        return;
      }
      switch (e) {
        case 'quit':
          finish();
          return;
        case 'use-sample':
          if (!opts.sample) return;
          source.close();
          source = opts.sample.open();
          frame = null;
          history = new History();
          state = initialState;
          message = `showing ${opts.sample.label} (recorded); q quits`;
          if (timer) clearTimeout(timer);
          tick();
          return;
      }
    };

    const onKey = (k: Key): void => {
      if (busy || finished) return;
      try {
        const r = reduce(state, k, view());
        const wasPaused = state.paused;
        const wasMode = state.mode;
        state = r.state;
        if (r.effect) {
          onEffect(r.effect);
          return;
        }
        if (k.name !== undefined || k.ch !== undefined) message = null;
        if (state.mode === 'log' && wasMode !== 'log') readLog();
        else if (state.mode !== 'log') log = null;
        if (wasPaused && !state.paused && timer === null) tick();
        else if (!refreshIfUnread()) draw();
      } catch (err) {
        finish(err);
      }
    };

    panels.onKey(onKey);
    if (opts.stop?.aborted) return finish();
    opts.stop?.addEventListener('abort', () => finish(), { once: true });
    panels.onResize(() => {
      if (!frame) return;
      state = reconcile(state, view());
      if (!refreshIfUnread()) draw();
    });
    tick();
  });
}
