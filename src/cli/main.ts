import { run } from './program.js';

const code = await run(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  euid: typeof process.geteuid === 'function' ? process.geteuid() : null,
  now: () => Date.now(),
  columns: process.stdout.isTTY ? process.stdout.columns : Infinity,
  color: process.stdout.isTTY === true && (process.env['NO_COLOR'] ?? '') === '',
});
process.exitCode = code;
