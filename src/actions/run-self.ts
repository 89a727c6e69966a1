/**
 * Run another ctrscope command in the foreground on our terminal (top's `e`/`n` keys run
 * `ctrscope enter`), and wait for it. The child gets the terminal as it is (stdio inherited); the
 * caller has already handed the terminal back from full-screen mode.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import koffi from 'koffi';

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
    // The script this process runs (the bundled bin, or dist/src/cli/main.js): the same build
    // of ctrscope as the caller, wherever it was installed.
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, ...args], { stdio: 'inherit' });
    child.on('error', (err) => {
      done();
      reject(err);
    });
    child.on('exit', (code, signal) => {
      done();
      reclaimTerminal();
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

interface TermCalls {
  signal(sig: number, handler: number): number;
  tcgetpgrp(fd: number): number;
  tcsetpgrp(fd: number, pgrp: number): number;
  getpgrp(): number;
}
let calls: TermCalls | null = null;

/**
 * Make our process group the terminal's foreground group again. An interactive shell started
 * by the child (busybox ash among them) takes the foreground for its own job control and may
 * not hand it back on exit; we would then be a background group, and the first write or
 * termios change stops us with SIGTTOU ("Stopped (tty output)"). A background group may call
 * tcsetpgrp(3) only with SIGTTOU ignored, so it is ignored around the call (tcsetpgrp(3),
 * "Notes"), as shells do when they take the terminal back from a job.
 */
function reclaimTerminal(): void {
  if (!process.stdin.isTTY) return;
  if (!calls) {
    const lib = koffi.load(null);
    calls = {
      // sighandler_t is a pointer; SIG_IGN is (void *) 1, passed as a pointer-sized integer.
      signal: lib.func('intptr_t signal(int sig, intptr_t handler)'),
      tcgetpgrp: lib.func('int tcgetpgrp(int fd)'),
      tcsetpgrp: lib.func('int tcsetpgrp(int fd, int pgrp)'),
      getpgrp: lib.func('int getpgrp(void)'),
    };
  }
  const ours = calls.getpgrp();
  if (calls.tcgetpgrp(0) === ours) return;
  const SIGTTOU = constants.signals.SIGTTOU;
  const previous = calls.signal(SIGTTOU, 1);
  try {
    calls.tcsetpgrp(0, ours);
  } finally {
    calls.signal(SIGTTOU, previous);
  }
}
