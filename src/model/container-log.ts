/**
 * A container's log as its engine keeps it on disk: where it is (or why there is no file), and
 * the last lines of it. Pure data: collectors/logs.ts finds and reads it, views show it.
 */

/** The on-disk formats ctrscope reads. */
export type LogFormat =
  /** docker's json-file driver: one JSON object per line, `{"log":"…\n","stream":"stdout","time":"…"}`. */
  | 'json-file'
  /** the CRI format (kubelet's /var/log/pods, podman's and CRI-O's conmon k8s-file): `TIME STREAM P|F TEXT`. */
  | 'cri';

export type LogLocation =
  | { readonly kind: 'file'; readonly format: LogFormat; readonly path: string; /** How the path was found, in words. */ readonly from: string }
  /** No log file to read, and why, in words a user can act on ("the journald driver: journalctl CONTAINER_ID=…"). */
  | { readonly kind: 'none'; readonly reason: string };

export interface LogLine {
  /** The engine's timestamp as written (RFC 3339), or null. */
  readonly time: string | null;
  readonly stream: 'stdout' | 'stderr' | null;
  /** The line's text, without its newline; partial CRI records are joined into one line. */
  readonly text: string;
}

export interface LogTail {
  readonly location: LogLocation;
  /** The last lines of the file, oldest first. */
  readonly lines: readonly LogLine[];
  /** Size of the file when read, or null when it was not read. */
  readonly sizeBytes: number | null;
  /** Only the end of the file was read: earlier lines exist. */
  readonly truncated: boolean;
  /** Lines that did not parse in the file's format (shown as they are). */
  readonly malformed: number;
  /** Why the file could not be read, or null. */
  readonly error: string | null;
}
