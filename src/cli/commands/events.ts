/**
 * `ctrscope events`: container events as they happen (start, exit, oom, oom-kill, pause,
 * unpause, join, update), from kernel signals, until SIGINT or SIGTERM (exit 0) or a closed
 * stdout. `--json` prints NDJSON; `--filter KEY=VALUE` (repeatable) selects events.
 */
import type { Command } from 'commander';
import { matchesFilter, parseEventFilters, type ContainerEvent } from '../../model/events.js';
import { createEventSource } from '../../observe/event-source.js';
import { eventToJson } from '../../../views/json/events.js';
import { renderEventLine } from '../../../views/text/events.js';
import { checkSnapshot, ExitWith, openRoot, type Deps, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';

interface EventsOptions {
  json?: boolean;
  filter: string[];
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function registerEvents(program: Command, deps: Deps): void {
  program
    .command('events')
    .description('print container events (start, exit, oom, oom-kill, pause, unpause, join, update) as they happen')
    .option('--json', 'one JSON object per line (NDJSON; schema: views/json/ctrscope.schema.json, kind "event")')
    .option('--filter <key=value>', 'only events matching: engine, name, id (prefix), pod, action; repeat a key for alternatives', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (opts: EventsOptions, cmd: Command) => {
      const filter = parseEventFilters(opts.filter);
      if ('error' in filter) throw new ExitWith(EXIT.usage, filter.error);
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const root = openRoot(g);
      if (root.kind === 'recorded') throw new ExitWith(EXIT.usage, `events: --root ${g.root} is a recorded host tree, which does not change; events watches a live host`);
      const stop = new AbortController();
      const source = createEventSource(root, { euid: deps.euid, now: deps.now, onWarning: (m) => deps.err(`ctrscope: events: ${m}\n`) });
      const print = (e: ContainerEvent): void => {
        if (matchesFilter(e, filter)) deps.out(opts.json ? JSON.stringify(eventToJson(e)) + '\n' : renderEventLine(e));
      };
      source.subscribe(print);
      // Handled, not left to the default action, which the kernel does not take for the init of
      // a pid namespace (ctrscope as a container's first process).
      const onSignal = (): void => stop.abort();
      for (const s of STOP_SIGNALS) process.once(s, onSignal);
      try {
        source.start();
        if (source.last) checkSnapshot(root, source.last.model.snapshot, deps);
        await new Promise<void>((resolve) => {
          if (stop.signal.aborted) resolve();
          stop.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        for (const s of STOP_SIGNALS) process.off(s, onSignal);
        source.close();
      }
    });
}
