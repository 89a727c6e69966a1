/**
 * Parsers of the container log formats engines write on disk. Pure: text in, lines out.
 *
 * - docker's json-file driver (moby daemon/logger/jsonfilelog): one JSON object per line,
 *   `{"log":"text\n","stream":"stdout"|"stderr","time":"RFC 3339 nano"}`. A message longer than
 *   docker's 16 KiB buffer is split into records whose `log` does not end in a newline; the
 *   record that ends in one closes the line.
 * - the CRI format (kubelet's /var/log/pods, written by containerd's CRI plugin, and conmon's
 *   k8s-file for podman and CRI-O): `TIME STREAM TAGS TEXT`, TAGS `F` (full) or `P` (partial:
 *   the line continues in the next record of the same stream). Records of stdout and stderr
 *   interleave, so partial lines are joined per stream.
 *
 * A tail read from the middle of a file starts inside a record: `cut` drops the first line.
 */
import type { LogFormat, LogLine } from '../src/model/container-log.js';

export interface ParsedLog {
  readonly lines: LogLine[];
  /** Records that were not in the format (kept as lines of their own, as they are). */
  readonly malformed: number;
}

type Stream = 'stdout' | 'stderr';
const streamOf = (s: unknown): Stream | null => (s === 'stdout' || s === 'stderr' ? s : null);

/** Records of a text, without the empty end after the last newline, and without the cut first one. */
function records(text: string, cut: boolean): string[] {
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  if (cut) all.shift();
  return all;
}

/** Joins partial records per stream into lines, in the order each line began. */
class Joiner {
  readonly lines: LogLine[] = [];
  private open = new Map<Stream | null, { index: number; time: string | null; parts: string[] }>();

  add(stream: Stream | null, time: string | null, text: string, complete: boolean): void {
    const pending = this.open.get(stream);
    if (pending) {
      pending.parts.push(text);
      if (complete) {
        this.lines[pending.index] = { time: pending.time, stream, text: pending.parts.join('') };
        this.open.delete(stream);
      }
      return;
    }
    this.lines.push({ time, stream, text });
    if (!complete) this.open.set(stream, { index: this.lines.length - 1, time, parts: [text] });
  }

  /** Lines still open at the end of the text are shown as far as they go. */
  finish(): LogLine[] {
    for (const [stream, p] of this.open) this.lines[p.index] = { time: p.time, stream, text: p.parts.join('') };
    this.open.clear();
    return this.lines;
  }
}

export function parseJsonFileLog(text: string, cut = false): ParsedLog {
  const j = new Joiner();
  let malformed = 0;
  for (const rec of records(text, cut)) {
    let o: unknown;
    try {
      o = JSON.parse(rec);
    } catch {
      o = null;
    }
    const r = o as { log?: unknown; stream?: unknown; time?: unknown } | null;
    if (r === null || typeof r !== 'object' || typeof r.log !== 'string') {
      malformed++;
      j.add(null, null, rec, true);
      continue;
    }
    const complete = r.log.endsWith('\n');
    j.add(streamOf(r.stream), typeof r.time === 'string' ? r.time : null, complete ? r.log.slice(0, -1) : r.log, complete);
  }
  return { lines: j.finish(), malformed };
}

/** `TIME STREAM TAGS TEXT`; TAGS are `:`-separated, the first one P or F. */
const CRI_RECORD = /^(\S+) (stdout|stderr) ([^ ]*) ?(.*)$/s;

export function parseCriLog(text: string, cut = false): ParsedLog {
  const j = new Joiner();
  let malformed = 0;
  for (const rec of records(text, cut)) {
    const m = CRI_RECORD.exec(rec);
    if (m === null) {
      malformed++;
      j.add(null, null, rec, true);
      continue;
    }
    const tag = (m[3] as string).split(':')[0];
    j.add(m[2] as Stream, m[1] as string, m[4] as string, tag !== 'P');
  }
  return { lines: j.finish(), malformed };
}

export const LOG_PARSERS: Readonly<Record<LogFormat, (text: string, cut?: boolean) => ParsedLog>> = {
  'json-file': parseJsonFileLog,
  cri: parseCriLog,
};

/**
 * Where conmon writes a container's log, from its argv (`-l` / `--log-path`, podman's
 * `DRIVER:PATH` form or CRI-O's bare path): a k8s-file path, another driver's name, or null
 * when the argv names none.
 */
export function conmonLogTarget(argv: readonly string[]): { readonly driver: string; readonly path: string | null } | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    let v: string | undefined;
    if (a === '-l' || a === '--log-path') v = argv[i + 1];
    else if (a.startsWith('--log-path=')) v = a.slice('--log-path='.length);
    if (v === undefined) continue;
    const m = /^([a-z0-9-]+):(.*)$/.exec(v);
    // podman: k8s-file:/path, journald:<tag>, passthrough:, none:... CRI-O: a bare path (k8s-file).
    if (m === null) return { driver: 'k8s-file', path: v };
    return { driver: m[1] as string, path: m[1] === 'k8s-file' ? (m[2] as string) : null };
  }
  return null;
}
