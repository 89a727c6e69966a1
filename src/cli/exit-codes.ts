/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** Runtime failure: unreadable root, malformed input that stops the command. */
  failure: 1,
  /** Usage error (commander). */
  usage: 2,
  /** The target matched nothing, or the process is gone. */
  notFound: 3,
  /** Permission denied for the requested operation. */
  denied: 4,
  /** The target matched several containers. */
  ambiguous: 5,
  /** A namespace type this kernel lacks, or that cannot be joined here (enter). */
  unsupported: 6,
  /** enter: the command was found but could not be run (shell convention). */
  cannotRun: 126,
  /** enter: the command does not exist where it was looked up (shell convention). */
  commandNotFound: 127,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
