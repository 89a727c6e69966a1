/** `ctrscope ps`: one row per container, or with --json the whole container objects. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { createObserver, type ObserveRound } from '../../observe/observer.js';
import { psToJson } from '../../../views/json/container.js';
import { renderPs } from '../../../views/text/ps.js';
import { checkSnapshot, ExitWith, openRoot, type Deps, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';

interface PsOptions {
  json?: boolean;
  sizes?: boolean;
  interval: string;
  rates: boolean;
}

export function registerPs(program: Command, deps: Deps): void {
  program
    .command('ps')
    .description('list every container, one row each')
    .option('--json', 'print JSON (schema: views/json/ctrscope.schema.json)')
    .option('--sizes', 'with --json: measure each upper layer (bytes, files, whiteouts), at most 2 s each and 10 s in all')
    .addOption(new Option('--interval <seconds>', 'sample rates (CPU%, CPU throttling, NET, IO) this far apart (0: no rates)').default('0.5'))
    .option('--no-rates', 'one sample only: limits and usage, no CPU% or NET rates')
    .action(async (opts: PsOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const seconds = Number(opts.interval);
      if (opts.interval.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 60) throw new ExitWith(EXIT.usage, `--interval ${opts.interval}: expected seconds from 0 to 60 (e.g. 0.5)`);
      if (!opts.rates && cmd.getOptionValueSource('interval') === 'cli') throw new ExitWith(EXIT.usage, '--no-rates and --interval contradict each other: --no-rates takes one sample, --interval sets the time between two');
      const ms = opts.rates ? Math.round(seconds * 1000) : 0;
      const root = openRoot(g);
      const sampled = ms > 0 && root.kind === 'live';
      // Rates come from two observations one interval apart; the second reads only what changes.
      // The table shows each container's command and first process, no member's own status, and
      // of the network only rates: without them, no namespace's counters are read.
      const observer = createObserver(root, { continuous: ms > 0, now: deps.now, ...(opts.json ? {} : { initsOnly: true }), ...(opts.json || sampled ? {} : { network: false }) });
      // --json prints each container's filesystem and network too: read with the last observation.
      // The table shows a few of each container's cgroup figures: only those are read. With
      // --json and rates, the first observation reads only the counters rates are taken against,
      // and no process's status or argv: the second reads those.
      const last: ObserveRound = opts.json ? { details: opts.sizes ? { sizes: { perContainerMs: 2000, totalMs: 10_000, now: deps.now } } : {} } : { resources: 'table' };
      try {
        let observation = observer.observe(sampled ? { resources: opts.json ? 'counters' : 'table', lean: true } : last);
        checkSnapshot(root, observation.model.snapshot, deps);
        if (sampled) {
          await new Promise((r) => setTimeout(r, ms));
          observation = observer.observe(last);
        }
        if (opts.json) {
          deps.out(JSON.stringify(psToJson(observation), null, 2) + '\n');
        } else {
          deps.out(renderPs(observation, deps.columns, { rates: sampled }));
        }
      } finally {
        observer.close();
      }
    });
}
