/**
 * Run another ctrscope command in the foreground on our terminal (top's `e`/`n` keys run
 * `ctrscope enter`), and wait for it. The child gets the terminal as it is (stdio inherited); the
 * caller has already handed the terminal back from full-screen mode.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Resolves with the child's exit code (128 + signal number if a signal ended it, as shells say). */
export function runCtrscope(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    // Ctrl-C, Ctrl-\ and Ctrl-Z typed in the child's shell go to the whole foreground process
    // group, us included: while it runs they are the child's to act on, not ours.
    const ignore = (): void => {};
    const signals = ['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const;
    for (const s of signals) process.on(s, ignore);
    const done = (): void => {
      for (const s of signals) process.off(s, ignore);
    };
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: 'inherit' });
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
