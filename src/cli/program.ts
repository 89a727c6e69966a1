/**
 * The command line. createProgram(deps) builds every command; tests run it in-process with their
 * own streams. Nothing below src/cli touches process.argv, stdout or exit codes. What commands
 * share (their dependencies, the root, the observation) is in context.ts.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitWith, type Deps } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { registerEnter } from './commands/enter.js';
import { registerInspect } from './commands/inspect.js';
import { registerNs } from './commands/ns.js';
import { registerPs } from './commands/ps.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerTop } from './commands/top.js';
import { registerWhich } from './commands/which.js';
import { removeUnpacked } from './snapshot-archive.js';
import { VERSION } from './version.js';

export { ExitWith, type Deps };

export function createProgram(deps: Deps): Command {
  const program = new Command('ctrscope')
    .description('Every container on a Linux host, rebuilt from kernel state, whichever engine started it')
    .version(VERSION)
    .addOption(new Option('--root <dir>', 'read the host tree at DIR (a host mounted at /host, a sample, an unpacked snapshot)').default('/'))
    .configureOutput({ writeOut: deps.out, writeErr: deps.err });
  program.exitOverride();

  registerPs(program, deps);
  registerEnter(program, deps);
  registerInspect(program, deps);
  registerWhich(program, deps);
  registerNs(program, deps);
  registerSnapshot(program, deps);
  registerTop(program, deps);
  // Commander's own usage errors (unknown option or command, missing argument) in one line,
  // worded like every other error, with where to look instead of the whole help.
  for (const cmd of [program, ...program.commands]) {
    const help = cmd === program ? 'ctrscope --help' : `ctrscope ${cmd.name()} --help`;
    cmd.configureOutput({ writeOut: deps.out, writeErr: deps.err, outputError: (text, write) => write(`ctrscope: ${oneLine(text)} (see ${help})\n`) });
  }
  return program;
}

/** "error: unknown command 'pss'\n(Did you mean ps?)" -> "unknown command 'pss' (Did you mean ps?)". */
const oneLine = (text: string): string =>
  text
    .replace(/^error: /, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');

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
