/**
 * The full-screen dashboard. The only module that talks to blessed (with panels.ts).
 *
 * One tick loop, a setTimeout chain so passes never overlap (gtop's setInterval renders pile up
 * when a pass is slow): frame -> rows -> every panel updated -> one screen.render(). Keys go
 * through the pure reducer in state.ts and re-render from the rows already built; they never
 * trigger a collection.
 */
import type { TopFrame } from '../../src/model/container-stats.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { History } from './history.js';
import { createPanels, type Panels } from './panels.js';
import { initialState, reconcile, reduce, type Effect, type Key, type TopState, type View } from './state.js';
import { buildRows, type ContainerRow } from './view-model.js';

/** Where frames come from: the CLI builds it over a HostRoot, the dashboard just asks. */
export interface FrameSource {
  /** The next refresh; `detail` names the container shown in detail, whose processes' CPU time, state and threads must be current. */
  next(detail?: string | null): TopFrame;
  /** Let go of what it keeps open between refreshes (descriptors); it is not asked again. */
  close(): void;
  /** `--root` to pass to a relaunched ctrscope, or null for the live host. */
  readonly rootArg: string | null;
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
    let busy = false;
    let finished = false;
    let message: string | null = null;

    const view = (): View => ({ rows, pageSize: panels.pageSize(), sampleOffered: sampleOffered(), detailPage: panels.detailPage(), detailMax: panels.detailMax() });
    const sampleOffered = (): boolean => opts.sample !== null && source === opts.source && frame !== null && frame.model.containers.length === 0 && source.rootArg === null;

    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
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
      panels.update({ frame, rows, state, history, message, empty });
    };

    const tick = (): void => {
      timer = null;
      if (finished) return;
      const started = Date.now();
      try {
        if (!state.paused || frame === null) {
          frame = source.next(state.detail);
          rows = buildRows(frame);
          history.push(frame);
          state = reconcile(state, view());
        }
        draw();
      } catch (err) {
        finish(err);
        return;
      }
      timer = setTimeout(tick, Math.max(50, opts.intervalMs - (Date.now() - started)));
    };

    const enter = async (flag: '--all' | '--net'): Promise<void> => {
      const c = frame?.model.containers.find((x) => containerKey(x) === state.detail);
      if (!c) return;
      const args = [...(source.rootArg === null ? [] : ['--root', source.rootArg]), 'enter', flag, c.id];
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

    const onEffect = (e: Effect): void => {
      switch (e) {
        case 'quit':
          finish();
          return;
        case 'enter-all':
          void enter('--all');
          return;
        case 'enter-net':
          void enter('--net');
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
        state = r.state;
        if (r.effect) {
          onEffect(r.effect);
          return;
        }
        if (k.name !== undefined || k.ch !== undefined) message = null;
        if (wasPaused && !state.paused && timer === null) tick();
        else draw();
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
      draw();
    });
    tick();
  });
}
