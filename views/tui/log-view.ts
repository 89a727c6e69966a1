/**
 * The log view's lines: a container's log tail as read from disk, or why there is none. Pure.
 */
import type { LogTail } from '../../src/model/container-log.js';
import { formatBytes } from '../format.js';
import { wrap, type DetailLine } from './view-model.js';

/** Time of day from an RFC 3339 timestamp (`2026-12-05T04:22:22.123Z` -> `04:22:22`), or blanks. */
const timeOfDay = (t: string | null): string => /T(\d\d:\d\d:\d\d)/.exec(t ?? '')?.[1] ?? '        ';

/** Every line of the view, oldest first; long lines wrap under their text. */
export function logLines(tail: LogTail, width: number): DetailLine[] {
  const loc = tail.location;
  if (loc.kind === 'none') return [{ text: 'No log file on disk for this container.', tone: 'warn' }, ...wrap(loc.reason, width, 0).map((text) => ({ text }))];
  const out: DetailLine[] = [];
  if (tail.error !== null) return [{ text: `cannot read ${loc.path}:`, tone: 'crit' }, ...wrap(tail.error, width, 2).map((text) => ({ text }))];
  const notes = [
    `${loc.format} log, ${tail.sizeBytes === null ? '?' : formatBytes(tail.sizeBytes)} (${loc.from})`,
    tail.truncated ? `the last ${tail.lines.length} lines` : null,
    tail.malformed > 0 ? `${tail.malformed} lines not in ${loc.format} form, shown as they are` : null,
  ].filter((x) => x !== null);
  out.push(...wrap(notes.join('; '), width, 2).map((text) => ({ text, tone: 'head' as const })));
  if (tail.lines.length === 0) out.push({ text: 'the log is empty' });
  for (const l of tail.lines) {
    const text = `${timeOfDay(l.time)} ${l.stream === 'stderr' ? 'E' : ' '} ${l.text}`;
    for (const piece of wrap(text, width, 11)) out.push(l.stream === 'stderr' ? { text: piece, tone: 'warn' } : { text: piece });
  }
  return out;
}
