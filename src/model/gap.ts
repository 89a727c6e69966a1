/**
 * A read of host state that gave no value, carried as data: which host file and why. Collectors
 * make them (collectors/read.ts maps errnos and parse errors to reasons); the model and views
 * carry them to `--json` and error lines. Races (a process exiting mid-scan) and permissions are
 * gaps, never exceptions.
 */

export type GapReason =
  /** The process (or object) vanished: ESRCH, or ENOENT below a /proc/<pid> that is gone. */
  | 'gone'
  /** EACCES / EPERM: not root, ptrace rules, hidepid. */
  | 'denied'
  /** ENOENT for an optional file: older kernel, controller not bound, kernel thread. */
  | 'absent'
  /** The file was read but its text is not what the kernel (or engine) writes. */
  | 'malformed'
  /** Anything else (EIO, EINVAL, ELOOP...). Surfaced, never swallowed. */
  | 'failed';

export interface Gap {
  readonly path: string;
  readonly reason: GapReason;
  /** errno name (ENOENT...) or a parse message, for --debug and error lines. */
  readonly detail?: string;
}
