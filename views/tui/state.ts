/**
 * Dashboard state and the one reducer that changes it: (state, key) -> state (+ an effect the
 * app carries out). Pure, so sort, filter, selection and grouping are tested without a terminal.
 *
 * Selection is kept by container key, not by row index: when containers start or stop, or the
 * sort order changes with the figures, the cursor stays on the same container and, where
 * possible, on the same screen line (the rows scroll under it, not the cursor over them).
 * Until the user moves it, though, the cursor stays on the first row: the first refresh has no
 * CPU figures and sorts by name, and following its first row would leave the cursor on a
 * container that is not at the top once the busiest one sorts there.
 */
import { COLUMN_IDS, compareRows, podName, rowMatcher, TOP_COLUMNS, type ColumnId, type ContainerRow } from './view-model.js';

export type Mode = 'table' | 'filter' | 'help' | 'detail' | 'signal' | 'log' | 'columns';

/** A process, by what identifies it: its pid and its start time (a pid can be reused). */
export interface ProcessPick {
  readonly pid: number;
  readonly starttimeTicks: number | null;
  readonly command: string;
}

/** The signals the detail view's `x` offers, most used first. */
export const SIGNALS = ['TERM', 'KILL', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2', 'STOP', 'CONT'] as const;
export type SignalName = (typeof SIGNALS)[number];

export interface TopState {
  readonly mode: Mode;
  readonly sort: { readonly column: ColumnId; readonly reverse: boolean };
  /** Committed `/` filter, and the text being typed while mode is 'filter' (rows match it as it is typed). */
  readonly filter: string;
  readonly draft: string;
  readonly engine: string | null;
  /** Pod key (HostModel pod key), or null. */
  readonly pod: string | null;
  readonly group: boolean;
  readonly paused: boolean;
  readonly selected: string | null;
  /** The user has not moved the cursor yet: it stays on the first row whatever sorts there. */
  readonly atTop: boolean;
  /** Index of the selected row among the visible rows, and the first row on screen. */
  readonly cursor: number;
  readonly offset: number;
  readonly detail: string | null;
  readonly detailScroll: number;
  /** The process selected in the detail view's tree (null: none yet; e/n then enter the container). */
  readonly process: ProcessPick | null;
  /** Where the selected process was in the tree: a move from a process that has since exited starts there. */
  readonly processIndex: number;
  /** While mode is 'signal': the signal offered for the selected process (an index into SIGNALS). */
  readonly signal: number;
  /** The log view: lines scrolled up from its end (0 follows new lines). */
  readonly logScroll: number;
  /** Columns the user hid with the column chooser, and the chooser's cursor. */
  readonly hidden: readonly ColumnId[];
  readonly columnCursor: number;
  /** The mode the log view or the column chooser returns to. */
  readonly back: 'table' | 'detail';
}

export const initialState: TopState = {
  mode: 'table',
  sort: { column: 'cpu', reverse: false },
  filter: '',
  draft: '',
  engine: null,
  pod: null,
  group: false,
  paused: false,
  selected: null,
  atTop: true,
  cursor: 0,
  offset: 0,
  detail: null,
  detailScroll: 0,
  process: null,
  processIndex: 0,
  signal: 0,
  logScroll: 0,
  hidden: [],
  columnCursor: 0,
  back: 'table',
};

/** The state top starts in: `--sort` and `--filter` from the command line. */
export function startState(opts: { sort?: ColumnId; filter?: string } = {}): TopState {
  return { ...initialState, ...(opts.sort ? { sort: { column: opts.sort, reverse: false } } : {}), ...(opts.filter ? { filter: opts.filter.trim() } : {}) };
}

/** What blessed reports for a key: the character typed and/or a key name (up, enter, C-c...). */
/**
 * blessed reports Return twice (as 'return', then re-emitted as 'enter'); only 'enter' counts.
 */
export interface Key {
  readonly ch?: string | undefined;
  readonly name?: string | undefined;
  readonly ctrl?: boolean | undefined;
  /** Mouse: a click on the table line showing this item (an index into visibleItems). */
  readonly clickItem?: number | undefined;
  /** Mouse: a click on this column's header. */
  readonly clickColumn?: ColumnId | undefined;
  /** Mouse: the wheel turned, lines up (-) or down (+). */
  readonly wheel?: number | undefined;
}

/**
 * What the app carries out for a key: quit, open the recorded sample, enter the namespaces of
 * the container shown in detail (its selected process, when one is), or send the selected
 * process a signal (confirmed by the user; the app checks its identity first).
 */
export type Effect =
  | 'quit'
  | 'use-sample'
  | { readonly kind: 'enter'; readonly net: boolean; readonly process: ProcessPick | null }
  | { readonly kind: 'signal'; readonly process: ProcessPick; readonly signal: SignalName };

/** What the reducer needs to know about the current screen. */
export interface View {
  readonly rows: readonly ContainerRow[];
  /** Table lines available for rows. */
  readonly pageSize: number;
  /** A bundled sample can be offered (the live host has no containers). */
  readonly sampleOffered?: boolean;
  /** Lines of the detail pane on screen, and how far it can scroll. */
  readonly detailPage?: number;
  readonly detailMax?: number;
  /** The detail view's selectable processes, in tree order, and the pane line each starts on. */
  readonly processes?: readonly ProcessPick[];
  readonly processLines?: readonly number[];
  /** Lines of the log view on screen, and how many lines the log tail has. */
  readonly logPage?: number;
  readonly logLength?: number;
}

export type Item = { readonly kind: 'row'; readonly row: ContainerRow } | { readonly kind: 'group'; readonly label: string; readonly count: number };

/** Filter, sort and group: the rows in screen order, with pod headings when grouping. */
export function visibleItems(rows: readonly ContainerRow[], s: TopState): Item[] {
  const matches = rowMatcher(s.mode === 'filter' ? s.draft : s.filter);
  const kept = rows.filter((r) => (s.engine === null || (r.container.engine ?? 'none') === s.engine) && (s.pod === null || r.pod === s.pod) && matches(r));
  kept.sort(compareRows(s.sort.column, s.sort.reverse));
  if (!s.group) return kept.map((row) => ({ kind: 'row', row }));
  const groups = new Map<string, ContainerRow[]>();
  for (const r of kept) {
    const g = r.pod === null ? '' : r.pod;
    const list = groups.get(g);
    if (list) list.push(r);
    else groups.set(g, [r]);
  }
  // Pods in the order of their best-ranked member; containers outside pods last.
  const order = [...groups.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : 0));
  const out: Item[] = [];
  for (const g of order) {
    const members = groups.get(g) as ContainerRow[];
    out.push({ kind: 'group', label: g === '' ? 'not in a pod' : `pod ${podName((members[0] as ContainerRow).podLabel)}`, count: members.length });
    for (const row of members) out.push({ kind: 'row', row });
  }
  return out;
}

const itemIndexOf = (items: readonly Item[], key: string | null): number => (key === null ? -1 : items.findIndex((i) => i.kind === 'row' && i.row.key === key));

/**
 * After new data or a change of order: find the selected container again and keep it on the
 * same screen line. If it is gone, select whatever now sits where it was.
 */
export function reconcile(s: TopState, v: View): TopState {
  const items = visibleItems(v.rows, s);
  const page = Math.max(1, v.pageSize);
  const line = s.cursor - s.offset;
  let idx = s.atTop ? items.findIndex((i) => i.kind === 'row') : itemIndexOf(items, s.selected);
  if (s.atTop && idx >= 0) {
    const item = items[idx];
    return { ...s, selected: item?.kind === 'row' ? item.row.key : null, cursor: idx, offset: 0 };
  }
  if (idx < 0) {
    idx = Math.min(s.cursor, items.length - 1);
    // Land on a container, not a pod heading.
    while (idx >= 0 && items[idx]?.kind === 'group') idx = idx + 1 < items.length ? idx + 1 : -1;
    if (idx < 0) idx = items.findIndex((i) => i.kind === 'row');
  }
  if (idx < 0) return { ...s, selected: null, cursor: 0, offset: 0, ...(s.mode === 'detail' && s.detail === null ? { mode: 'table' as const } : {}) };
  const item = items[idx];
  const selected = item?.kind === 'row' ? item.row.key : null;
  const maxOffset = Math.max(0, items.length - page);
  let offset = Math.min(maxOffset, Math.max(0, idx - Math.min(Math.max(0, line), page - 1)));
  if (idx < offset) offset = idx;
  if (idx >= offset + page) offset = idx - page + 1;
  return { ...s, selected, cursor: idx, offset };
}

function move(s: TopState, v: View, delta: number): TopState {
  const items = visibleItems(v.rows, s);
  if (items.length === 0) return s;
  let idx = Math.min(items.length - 1, Math.max(0, s.cursor + delta));
  // Skip pod headings in the direction of the move; at the first or last line (Home, End,
  // PgUp onto the top heading), take the nearest row the other way.
  const step = delta >= 0 ? 1 : -1;
  let found = idx;
  while (found >= 0 && found < items.length && items[found]?.kind === 'group') found += step;
  if (found < 0 || found >= items.length) {
    found = idx;
    while (found >= 0 && found < items.length && items[found]?.kind === 'group') found -= step;
  }
  idx = found;
  const item = items[idx];
  if (item?.kind !== 'row') return s;
  const page = Math.max(1, v.pageSize);
  let offset = s.offset;
  // Show a pod heading right above the first row when moving up to it.
  const top = idx > 0 && items[idx - 1]?.kind === 'group' ? idx - 1 : idx;
  if (top < offset) offset = top;
  if (idx >= offset + page) offset = idx - page + 1;
  return { ...s, selected: item.row.key, atTop: false, cursor: idx, offset };
}

/**
 * Move the detail view's process cursor by delta (the first move selects the first process),
 * scrolling the pane so that the selected process's line is on screen.
 */
function pickProcess(s: TopState, v: View, delta: number): TopState {
  const list = v.processes ?? [];
  if (list.length === 0) return s;
  const found = s.process === null ? -1 : list.findIndex((p) => p.pid === s.process?.pid && p.starttimeTicks === s.process.starttimeTicks);
  // The first move selects the first process; from one that has exited, moves go on from its place.
  const at = s.process === null ? -1 : found >= 0 ? found : Math.min(s.processIndex, list.length - 1) - (delta > 0 ? 1 : 0);
  const i = at < 0 && s.process === null ? 0 : Math.max(0, Math.min(list.length - 1, at + delta));
  const line = v.processLines?.[i];
  const page = Math.max(1, v.detailPage ?? 10);
  let scroll = s.detailScroll;
  if (line !== undefined) {
    if (line < scroll) scroll = line;
    else if (line >= scroll + page) scroll = line - page + 1;
  }
  return { ...s, process: list[i] as ProcessPick, processIndex: i, detailScroll: scroll };
}

/** Distinct values in the rows, for the engine and pod filters to cycle through. */
function cycle(current: string | null, values: readonly string[]): string | null {
  if (values.length === 0) return null;
  const i = current === null ? -1 : values.indexOf(current);
  return i + 1 >= values.length ? null : (values[i + 1] as string);
}

const SORT_KEYS = new Map<string, ColumnId>(COLUMN_IDS.map((id) => [TOP_COLUMNS[id].key, id]));

export function reduce(s: TopState, k: Key, v: View): { state: TopState; effect?: Effect } {
  if (k.ctrl && k.name === 'c') return { state: s, effect: 'quit' };
  const done = (state: TopState): { state: TopState } => ({ state: reconcile(state, v) });
  switch (s.mode) {
    case 'help':
      return { state: { ...s, mode: s.detail !== null ? 'detail' : 'table' } };
    case 'filter': {
      // Rows match the draft as it is typed; Enter keeps it, Esc goes back to the filter before.
      if (k.name === 'escape') return done({ ...s, mode: 'table', draft: '' });
      if (k.name === 'enter') return done({ ...s, mode: 'table', filter: s.draft.trim(), draft: '' });
      if (k.name === 'backspace') return done({ ...s, draft: s.draft.slice(0, -1) });
      if (k.ctrl && k.name === 'u') return done({ ...s, draft: '' });
      if (k.ch !== undefined && k.ch.length === 1 && k.ch >= ' ' && !k.ctrl) return done({ ...s, draft: s.draft + k.ch });
      return { state: s };
    }
    case 'detail': {
      const picked = s.process ?? v.processes?.[0] ?? null;
      if (k.ch === 'e') return { state: s, effect: { kind: 'enter', net: false, process: s.process } };
      if (k.ch === 'n') return { state: s, effect: { kind: 'enter', net: true, process: s.process } };
      if ((k.ch === 'x' || k.name === 'f9') && picked !== null) return { state: { ...s, mode: 'signal', process: picked, signal: 0 } };
      if (k.ch === 'l') return { state: { ...s, mode: 'log', logScroll: 0, back: 'detail' } };
      if (k.ch === '?' || k.ch === 'h') return { state: { ...s, mode: 'help' } };
      const page = Math.max(1, (v.detailPage ?? 10) - 1);
      const scroll = (to: number): { state: TopState } => ({ state: { ...s, detailScroll: Math.max(0, Math.min(v.detailMax ?? Number.MAX_SAFE_INTEGER, to)) } });
      if (k.wheel !== undefined) return scroll(s.detailScroll + k.wheel);
      if (k.name === 'up' || k.ch === 'k') return { state: pickProcess(s, v, -1) };
      if (k.name === 'down' || k.ch === 'j') return { state: pickProcess(s, v, 1) };
      if (k.name === 'pageup') return scroll(s.detailScroll - page);
      if (k.name === 'pagedown' || k.ch === ' ') return scroll(s.detailScroll + page);
      if (k.name === 'home' || k.ch === 'g') return scroll(0);
      if (k.name === 'end' || k.ch === 'G') return scroll(Number.MAX_SAFE_INTEGER);
      if (k.ch === 'p') return { state: { ...s, paused: !s.paused } };
      if (k.name === 'escape' || k.ch === 'q' || k.name === 'enter' || k.name === 'backspace' || k.name === 'left') {
        return done({ ...s, mode: 'table', detail: null, detailScroll: 0, process: null });
      }
      return { state: s };
    }
    case 'signal': {
      // One prompt, naming the process and the signal: y or Enter sends it, anything else cancels.
      if (s.process === null) return { state: { ...s, mode: 'detail' } };
      const n = SIGNALS.length;
      if (k.name === 'right' || k.name === 'tab' || k.name === 'down') return { state: { ...s, signal: (s.signal + 1) % n } };
      if (k.name === 'left' || k.name === 'up') return { state: { ...s, signal: (s.signal + n - 1) % n } };
      if (k.ch === 'y' || k.ch === 'Y' || k.name === 'enter') return { state: { ...s, mode: 'detail' }, effect: { kind: 'signal', process: s.process, signal: SIGNALS[s.signal] as SignalName } };
      return { state: { ...s, mode: 'detail' } };
    }
    case 'log': {
      const page = Math.max(1, (v.logPage ?? 10) - 1);
      const top = Math.max(0, (v.logLength ?? 0) - (v.logPage ?? 10));
      const scroll = (to: number): { state: TopState } => ({ state: { ...s, logScroll: Math.max(0, Math.min(top, to)) } });
      if (k.wheel !== undefined) return scroll(s.logScroll - k.wheel);
      if (k.name === 'up' || k.ch === 'k') return scroll(s.logScroll + 1);
      if (k.name === 'down' || k.ch === 'j') return scroll(s.logScroll - 1);
      if (k.name === 'pageup') return scroll(s.logScroll + page);
      if (k.name === 'pagedown' || k.ch === ' ') return scroll(s.logScroll - page);
      if (k.name === 'home' || k.ch === 'g') return scroll(top);
      if (k.name === 'end' || k.ch === 'G' || k.ch === 'f') return scroll(0);
      if (k.ch === 'p') return { state: { ...s, paused: !s.paused } };
      if (k.name === 'escape' || k.ch === 'q' || k.ch === 'l' || k.name === 'left' || k.name === 'backspace') {
        return done({ ...s, mode: s.back, logScroll: 0, ...(s.back === 'table' ? { detail: null } : {}) });
      }
      return { state: s };
    }
    case 'columns': {
      const n = COLUMN_IDS.length;
      if (k.name === 'up' || k.ch === 'k') return { state: { ...s, columnCursor: (s.columnCursor + n - 1) % n } };
      if (k.name === 'down' || k.ch === 'j') return { state: { ...s, columnCursor: (s.columnCursor + 1) % n } };
      if (k.ch === ' ' || k.name === 'enter' || k.name === 'space') {
        const id = COLUMN_IDS[s.columnCursor] as ColumnId;
        // NAME stays: rows are read by it.
        if (id === 'name') return { state: s };
        return { state: { ...s, hidden: s.hidden.includes(id) ? s.hidden.filter((x) => x !== id) : [...s.hidden, id] } };
      }
      if (k.name === 'escape' || k.ch === 'q' || k.ch === 'c') return done({ ...s, mode: 'table' });
      return { state: s };
    }
    case 'table':
      break;
  }
  const page = Math.max(1, v.pageSize);
  if (k.clickColumn !== undefined) return done({ ...s, sort: { column: k.clickColumn, reverse: s.sort.column === k.clickColumn ? !s.sort.reverse : false } });
  if (k.clickItem !== undefined) {
    // A click selects a row; a click on the selected row opens it.
    const item = visibleItems(v.rows, s)[k.clickItem];
    if (item?.kind !== 'row') return { state: s };
    if (item.row.key === s.selected) return { state: { ...s, mode: 'detail', detail: s.selected, detailScroll: 0, process: null } };
    return { state: { ...s, selected: item.row.key, atTop: false, cursor: k.clickItem } };
  }
  if (k.wheel !== undefined) return { state: move(s, v, k.wheel) };
  switch (k.name) {
    case 'up':
      return { state: move(s, v, -1) };
    case 'down':
      return { state: move(s, v, 1) };
    case 'pageup':
      return { state: move(s, v, -page) };
    case 'pagedown':
      return { state: move(s, v, page) };
    case 'home':
      // Back at the top, the cursor follows the first row again.
      return { state: { ...move(s, v, -Number.MAX_SAFE_INTEGER), atTop: true } };
    case 'end':
      return { state: move(s, v, Number.MAX_SAFE_INTEGER) };
    case 'enter':
      return s.selected === null ? { state: s } : { state: { ...s, mode: 'detail', detail: s.selected, detailScroll: 0, process: null } };
    case 'escape':
      return done({ ...s, filter: '', engine: null, pod: null });
  }
  const ch = k.ch ?? '';
  const col = SORT_KEYS.get(ch);
  if (col !== undefined) return done({ ...s, sort: { column: col, reverse: s.sort.column === col ? !s.sort.reverse : false } });
  switch (ch) {
    case 'q':
      return { state: s, effect: 'quit' };
    case '?':
    case 'h':
      return { state: { ...s, mode: 'help' } };
    case 'k':
      return { state: move(s, v, -1) };
    case 'j':
      return { state: move(s, v, 1) };
    case 's': {
      const i = COLUMN_IDS.indexOf(s.sort.column);
      return done({ ...s, sort: { column: COLUMN_IDS[(i + 1) % COLUMN_IDS.length] as ColumnId, reverse: false } });
    }
    case 'r':
      return done({ ...s, sort: { ...s.sort, reverse: !s.sort.reverse } });
    case '/':
      return done({ ...s, mode: 'filter', draft: s.filter === '' ? '' : `${s.filter} ` });
    // The engines and pods of the rows the text filter keeps.
    case 'f':
      return done({ ...s, engine: cycle(s.engine, [...new Set(v.rows.filter(rowMatcher(s.filter)).map((r) => r.container.engine ?? 'none'))].sort()) });
    case 'o':
      return done({ ...s, pod: cycle(s.pod, [...new Set(v.rows.filter(rowMatcher(s.filter)).flatMap((r) => (r.pod === null ? [] : [r.pod])))].sort()) });
    case 'g':
      return done({ ...s, group: !s.group });
    case 'p':
      return { state: { ...s, paused: !s.paused } };
    case 'd':
      return v.sampleOffered ? { state: s, effect: 'use-sample' } : { state: s };
    case 'l':
      return s.selected === null ? { state: s } : { state: { ...s, mode: 'log', detail: s.selected, logScroll: 0, back: 'table' } };
    case 'c':
      return { state: { ...s, mode: 'columns' } };
  }
  return { state: s };
}
