/**
 * The command line. createProgram(deps, argv) builds the commands; tests run it in-process with
 * their own streams. Nothing below src/cli touches process.argv, stdout or exit codes. What
 * commands share (their dependencies, the root, the observation) is in context.ts.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitWith, type Deps } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { removeUnpacked } from './snapshot-archive.js';
import { VERSION } from './version.js';

export { ExitWith, type Deps };

type Register = (program: Command, deps: Deps) => void;

/**
 * Every command, in the order help lists them, each loaded only when needed: a one-shot command
 * compiles its own views and collectors, not every other command's (the dashboard's, the
 * exporter's, the recorder's), which is a measurable share of `ns` and `ps` on a small host.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  ps: async () => (await import('./commands/ps.js')).registerPs,
  enter: async () => (await import('./commands/enter.js')).registerEnter,
  inspect: async () => (await import('./commands/inspect.js')).registerInspect,
  which: async () => (await import('./commands/which.js')).registerWhich,
  ns: async () => (await import('./commands/ns.js')).registerNs,
  snapshot: async () => (await import('./commands/snapshot.js')).registerSnapshot,
  top: async () => (await import('./commands/top.js')).registerTop,
  events: async () => (await import('./commands/events.js')).registerEvents,
  serve: async () => (await import('./commands/serve.js')).registerServe,
};

/**
 * The command argv names, as commander finds it: the first operand, skipping the program's own
 * options (`--root DIR` takes a value). Null when there is none or it names no command (help,
 * a typo), which needs every command: to list them, or to suggest the closest.
 */
export function commandNamed(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return Object.hasOwn(COMMANDS, argv[i + 1] ?? '') ? (argv[i + 1] as string) : null;
    if (a === '--root') i++;
    else if (!a.startsWith('-')) return Object.hasOwn(COMMANDS, a) ? a : null;
  }
  return null;
}

/**
 * Commands whose hot loops run long enough for V8's optimizing compiler to pay back: those that
 * observe again and again until stopped, and `snapshot`, which copies and scrubs thousands of
 * files (1.5x the CPU without it on a host of 1,300 processes).
 */
const OPTIMIZED: ReadonlySet<string> = new Set(['top', 'events', 'serve', 'snapshot']);

/**
 * Whether argv runs a command that observes once (or twice, for rates) and prints. Such a run
 * ends before V8's optimizing compiler (TurboFan) pays back its own compile time, which it spends
 * on a second thread: without it `ns`, `ps` and `inspect` cost 12-20% less CPU (at 300 containers).
 */
export function runsOnce(argv: readonly string[]): boolean {
  const named = commandNamed(argv);
  return named !== null && !OPTIMIZED.has(named);
}

/** The program with the command argv runs, or every command when argv names none. */
export async function createProgram(deps: Deps, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('ctrscope')
    .description('Every container on a Linux host, rebuilt from kernel state, whichever engine started it')
    .version(VERSION)
    .addOption(new Option('--root <dir>', 'read the host tree at DIR (a host mounted at /host, a sample, an unpacked snapshot)').default('/'))
    .configureOutput({ writeOut: deps.out, writeErr: deps.err });
  program.exitOverride();

  const named = commandNamed(argv);
  const registers = await Promise.all((named === null ? Object.values(COMMANDS) : [COMMANDS[named] as () => Promise<Register>]).map((load) => load()));
  for (const register of registers) register(program, deps);
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
  const program = await createProgram(deps, argv);
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
