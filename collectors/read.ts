/**
 * Results of reading host state. A read either yields a value or a Gap (src/model/gap.ts) that
 * says why not; races (a process exiting mid-scan) and permissions are data, never exceptions.
 */

import type { Gap, GapReason } from '../src/model/gap.js';

export type { Gap, GapReason };

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly gap: Gap };

export const ok = <T>(value: T): Read<T> => ({ ok: true, value });
export const gap = <T = never>(path: string, reason: GapReason, detail?: string): Read<T> => ({
  ok: false,
  gap: detail === undefined ? { path, reason } : { path, reason, detail },
});

/** Thrown by pure parsers; turned into a 'malformed' gap by the reader that called them. */
export class ParseError extends Error {
  readonly reason: string;
  constructor(reason: string, excerpt?: string) {
    super(excerpt === undefined ? reason : `${reason}: ${JSON.stringify(excerpt.slice(0, 120))}`);
    this.name = 'ParseError';
    this.reason = reason;
  }
}

/**
 * The one place that maps an errno to a gap reason. ENOENT is 'absent' here; readers under
 * /proc/<pid>/ upgrade it to 'gone' when the process directory itself has disappeared.
 */
export function classifyFsError(err: unknown, path: string): Gap {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
  switch (code) {
    case 'ESRCH':
      return { path, reason: 'gone', detail: code };
    case 'ENOENT':
    case 'ENOTDIR':
      return { path, reason: 'absent', detail: code };
    case 'EACCES':
    case 'EPERM':
      return { path, reason: 'denied', detail: code };
    default:
      return { path, reason: 'failed', detail: code ?? (err instanceof Error ? err.message : String(err)) };
  }
}

/** Parse text with a pure parser, turning a ParseError into a 'malformed' gap naming the file. */
export function parseWith<T, I = string>(path: string, read: Read<I>, parse: (input: I) => T): Read<T> {
  if (!read.ok) return read;
  try {
    return ok(parse(read.value));
  } catch (err) {
    if (err instanceof ParseError) return gap(path, 'malformed', err.message);
    throw err;
  }
}

/** Parse an unsigned decimal integer that must fit in a JS number exactly. */
export function parseSafeInt(text: string, what = 'integer'): number {
  if (!/^-?\d+$/.test(text)) throw new ParseError(`expected ${what}`, text);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new ParseError(`${what} out of range`, text);
  return n;
}
