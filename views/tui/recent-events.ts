/**
 * The dashboard's memory of recent container events (from `ctrscope events`' source): OOM
 * kills, exits and joins, kept per container for RECENT_MS and at most PER_CONTAINER each, so
 * memory stays bounded however long top runs. Rows are marked by the most serious one; the
 * detail view lists them.
 */
import type { ContainerEvent, EventAction } from '../../src/model/events.js';
import type { Tone } from './view-model.js';

/** How long an event marks its row: 10 minutes. */
export const RECENT_MS = 10 * 60_000;
const PER_CONTAINER = 20;

/** The actions top shows, with the mark each puts on its row, most serious first. */
const MARKS: readonly { readonly actions: readonly EventAction[]; readonly mark: string; readonly tone: Tone; readonly what: string }[] = [
  { actions: ['oom-kill', 'oom'], mark: '!', tone: 'crit', what: 'OOM' },
  { actions: ['exit'], mark: '↻', tone: 'warn', what: 'exited' },
  { actions: ['join'], mark: '+', tone: 'warn', what: 'joined' },
];
const SHOWN = new Set(MARKS.flatMap((m) => m.actions));

export interface RowMark {
  readonly mark: string;
  readonly tone: Tone;
}

interface Kept {
  readonly atMs: number;
  readonly event: ContainerEvent;
}

export class RecentEvents {
  private byKey = new Map<string, Kept[]>();

  /** Keep an event if top shows its kind; `atMs` is the event's own time. */
  push(event: ContainerEvent): void {
    if (!SHOWN.has(event.action)) return;
    const atMs = Number(event.timeNano / 1_000_000n);
    const list = this.byKey.get(event.container.key) ?? [];
    list.push({ atMs, event });
    if (list.length > PER_CONTAINER) list.splice(0, list.length - PER_CONTAINER);
    this.byKey.set(event.container.key, list);
  }

  /** Forget what is older than RECENT_MS. */
  prune(nowMs: number): void {
    for (const [key, list] of this.byKey) {
      const kept = list.filter((k) => nowMs - k.atMs < RECENT_MS);
      if (kept.length === 0) this.byKey.delete(key);
      else if (kept.length !== list.length) this.byKey.set(key, kept);
    }
  }

  /** The mark of a container's row: its most serious recent event, or null. */
  mark(key: string): RowMark | null {
    const list = this.byKey.get(key);
    if (!list) return null;
    for (const m of MARKS) if (list.some((k) => m.actions.includes(k.event.action))) return { mark: m.mark, tone: m.tone };
    return null;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** A container's recent events, newest first, one line each: when, what, which process. */
  lines(key: string, nowMs: number): string[] {
    const list = this.byKey.get(key) ?? [];
    return [...list].reverse().map(({ atMs, event: e }) => {
      const ago = Math.max(0, Math.round((nowMs - atMs) / 1000));
      const when = `${new Date(atMs).toISOString().slice(11, 19)} (${ago < 60 ? `${ago}s` : `${Math.floor(ago / 60)}m${String(ago % 60).padStart(2, '0')}s`} ago)`;
      const mark = MARKS.find((m) => m.actions.includes(e.action))?.mark ?? ' ';
      const who = [e.pid === null ? null : `pid ${e.pid}`, e.command === null ? null : `(${e.command})`].filter((x) => x !== null).join(' ');
      const detail =
        e.action === 'exit'
          ? e.exitSignal !== null
            ? `killed by signal ${e.exitSignal}`
            : e.exitCode !== null
              ? `exit code ${e.exitCode}`
              : 'exit status unknown'
          : e.action === 'join'
            ? e.partial
              ? `shares ${(e.namespaces ?? []).join(',')}`
              : 'all namespaces'
            : e.action === 'oom'
              ? 'memory limit reached'
              : 'killed by the OOM killer';
      return `${mark} ${when}  ${e.action}  ${[who, detail].filter((x) => x !== '').join('  ')}`;
    });
  }
}
