/** `ctrscope ps`: one row per container, or with --json the whole container objects. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { createObserver, type ObserveRound } from '../../observe/observer.js';
import { writePsJson } from '../../../views/json/container.js';
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
      // Rates come from two readings of the counters one interval apart: the observation printed
      // (processes, model, cgroups and, with --json, each container's filesystem and network),
      // then its counters again, its reading overlapping the interval. The table shows each
      // container's command and first process, no member's own status, and of the network only
      // rates: without them, no namespace's counters are read.
      const observer = createObserver(root, { continuous: sampled, now: deps.now, ...(opts.json ? { membersArgv: false } : { initsOnly: true }), ...(opts.json || sampled ? {} : { network: false }) });
      // The table shows a few of each container's cgroup figures: only those are read.
      const round: ObserveRound = opts.json ? { details: opts.sizes ? { sizes: { perContainerMs: 2000, totalMs: 10_000, now: deps.now } } : {} } : { resources: 'table' };
      try {
        let observation = observer.observe(round);
        checkSnapshot(root, observation.model.snapshot, deps);
        if (sampled) observation = await observer.resample(ms);
        if (opts.json) {
          writePsJson(observation, deps.out);
        } else {
          deps.out(renderPs(observation, deps.columns, { rates: sampled }));
        }
      } finally {
        observer.close();
      }
    });
}
