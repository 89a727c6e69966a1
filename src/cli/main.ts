import { setFlagsFromString } from 'node:v8';
import { run, runsOnce } from './program.js';

const argv = process.argv.slice(2);
// Before any command's code runs: see runsOnce. top, serve, events and snapshot keep the optimizing tier.
if (runsOnce(argv)) setFlagsFromString('--no-turbofan');

// `ctrscope top --batch | head`: the reader went away; stop quietly, as top -b does.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await run(argv, {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  euid: typeof process.geteuid === 'function' ? process.geteuid() : null,
  now: () => Date.now(),
  columns: process.stdout.isTTY ? process.stdout.columns : Infinity,
  color: process.stdout.isTTY === true && (process.env['NO_COLOR'] ?? '') === '',
  interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
});
process.exitCode = code;
