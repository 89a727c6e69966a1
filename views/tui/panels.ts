/**
 * blessed widgets and their layout, behind a small typed surface. Panels take the view-model and
 * state and only draw.
 *
 * Layout: 3 header lines, the column header, the rows, one status line. The detail view
 * replaces the column header and rows with one scrolling pane (view-model's detailLines), so at
 * 80x24 everything in it is reachable. blessed-contrib is not used: its line chart needs a
 * canvas of braille cells several lines high per series, and its sparkline widget three lines
 * per series, which 80x24 cannot afford next to the figures; one-line sparklines with their
 * latest value say the same in a line each.
 *
 * With `color: false` (NO_COLOR) no colour is drawn: warnings are underlined, critical values
 * bold, and the cursor and column header stay in inverse video.
 */
import * as blessedNs from 'blessed';
import type { LogTail } from '../../src/model/container-log.js';
import type { TopFrame } from '../../src/model/container-stats.js';
import type { History } from './history.js';
import type { RecentEvents } from './recent-events.js';
import { SIGNALS, visibleItems, type Item, type Key, type ProcessPick, type TopState } from './state.js';
import { logLines } from './log-view.js';
import { buildDetail, detailLines, fit, headerLine, hostLines, layoutTable, podName, processCpuPercent, rowSegments, TOP_COLUMNS, COLUMN_IDS, type ColumnId, type ContainerRow, type DetailLine, type Segment, type TableLayout } from './view-model.js';

// blessed is CommonJS and fills its exports at run time: take module.exports itself.
const blessed = ((blessedNs as unknown as { default?: typeof blessedNs }).default ?? blessedNs) as typeof blessedNs;

export interface PanelInput {
  readonly frame: TopFrame;
  readonly rows: readonly ContainerRow[];
  readonly state: TopState;
  readonly history: History;
  readonly message: string | null;
  /** Shown in place of the table when there are no containers at all. */
  readonly empty: string | null;
  /** Recent events (null: not watched), and the wall clock they are aged against. */
  readonly events: RecentEvents | null;
  readonly nowMs: number;
  /** The log tail of the container in state.detail, while the log view is shown. */
  readonly log: LogTail | null;
}

export interface Panels {
  /** Table lines available for rows at the current size. */
  pageSize(): number;
  /** Lines of the detail pane on screen, and how far its last drawn content can scroll. */
  detailPage(): number;
  detailMax(): number;
  /** The detail view's selectable processes as last drawn, and the pane line each starts on. */
  detailProcesses(): { readonly processes: readonly ProcessPick[]; readonly lines: readonly number[] };
  /** Lines of the log view on screen, and how many lines its last drawn tail has. */
  logPage(): number;
  logLength(): number;
  update(input: PanelInput): void;
  /** Keys, and mouse clicks and wheel turns as the keys they stand for. */
  onKey(f: (k: Key) => void): void;
  onResize(f: () => void): void;
  /**
   * Give the terminal back (normal buffer, cooked mode, cursor shown), run f, take it back.
   * f may write to the terminal and wait for the user to press Enter.
   */
  suspend<T>(f: (say: (s: string) => void, waitForEnter: () => Promise<void>) => Promise<T>): Promise<T>;
  destroy(): void;
}

const HEADER = 3;
const esc = (s: string): string => s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
type ToneName = NonNullable<DetailLine['tone']> | 'hint' | 'group' | 'note';
const COLOR: Record<ToneName, [string, string]> = {
  warn: ['{yellow-fg}', '{/yellow-fg}'],
  crit: ['{red-fg}{bold}', '{/bold}{/red-fg}'],
  bar: ['{green-fg}', '{/green-fg}'],
  head: ['{cyan-fg}{bold}', '{/bold}{/cyan-fg}'],
  hint: ['{gray-fg}', '{/gray-fg}'],
  group: ['{bold}{cyan-fg}', '{/cyan-fg}{/bold}'],
  note: ['{yellow-fg}', '{/yellow-fg}'],
};
/** NO_COLOR: emphasis without colour. */
const MONO: Record<ToneName, [string, string]> = {
  warn: ['{underline}', '{/underline}'],
  crit: ['{bold}', '{/bold}'],
  bar: ['', ''],
  head: ['{bold}', '{/bold}'],
  hint: ['', ''],
  group: ['{bold}', '{/bold}'],
  note: ['{bold}', '{/bold}'],
};

function helpText(): string {
  // Two columns of sort keys: the overlay fits in 24 lines.
  const key = (id: ColumnId | undefined): string => (id === undefined ? '' : `${TOP_COLUMNS[id].key} ${TOP_COLUMNS[id].header}`.padEnd(14));
  const sortKeys: string[] = [];
  const half = Math.ceil(COLUMN_IDS.length / 2);
  for (let i = 0; i < half; i++) sortKeys.push(`  ${key(COLUMN_IDS[i])}  ${key(COLUMN_IDS[i + half])}`.trimEnd());
  return [
    '{bold}ctrscope top{/bold} — keys',
    '  up/down j/k PgUp/PgDn Home/End  move   Enter  details   g  group by pod',
    '  s  next sort column   r  reverse   p  pause   Esc  clear filters   q  quit',
    '  /  filter as you type: words, or name: engine: pod: image: id: cmd: fields',
    '  f  cycle engine filter   o  cycle pod filter',
    '  c  choose columns   l  log of the selected container (read from disk)',
    '  details: up/down select a process  PgUp/PgDn scroll  Esc back',
    '    e enter --all, n enter --net (the selected process, else the container)',
    '    x signal the selected process (asks first)   l log',
    '  rows marked ! OOM kill  ↻ exited (restarted)  + joined, in the last 10 minutes',
    '{bold}sort by column{/bold} (again to reverse; c lists what each column means)',
    ...sortKeys.map(esc),
    '- not collected   ? unreadable      any key closes this help',
  ].join('\n');
}

export function createPanels(opts: { input?: NodeJS.ReadStream | undefined; output?: NodeJS.WriteStream | undefined; color: boolean }): Panels {
  const { input, output } = opts;
  const tones = opts.color ? COLOR : MONO;
  const paint = (tone: ToneName | undefined, text: string): string => (tone ? `${tones[tone][0]}${esc(text)}${tones[tone][1]}` : esc(text));
  const tagged = (segs: readonly Segment[]): string => segs.map((x) => paint(x.tone, x.text)).join('');
  const screen = blessed.screen({
    smartCSR: true,
    title: 'ctrscope top',
    warnings: false,
    fullUnicode: false,
    ...(input ? { input } : {}),
    ...(output ? { output } : {}),
  });
  const header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: HEADER, tags: true });
  const columns = blessed.box({ parent: screen, top: HEADER, left: 0, width: '100%', height: 1, style: { inverse: true } });
  const body = blessed.box({ parent: screen, top: HEADER + 1, left: 0, width: '100%', bottom: 1, tags: true });
  const status = blessed.box({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true });
  // One column short of the screen, like the table: a character in the last column makes
  // terminals (and blessed's wrapping) move to the next line.
  const detail = blessed.box({ parent: screen, top: HEADER, left: 0, width: '100%-1', bottom: 1, hidden: true, border: { type: 'line' }, tags: true, wrap: false });
  const help = blessed.box({ parent: screen, top: 'center', left: 'center', width: 78, height: 24, border: { type: 'line' }, tags: true, hidden: true, content: helpText(), label: ' help ' });
  const chooser = blessed.box({ parent: screen, top: HEADER, left: 'center', width: 60, height: COLUMN_IDS.length + 2, border: { type: 'line' }, tags: true, hidden: true, label: ' columns ' });

  const width = (): number => Math.max(20, (typeof screen.width === 'number' ? screen.width : 80) - 1);
  const height = (): number => (typeof screen.height === 'number' ? screen.height : 24);
  const pageSize = (): number => Math.max(1, height() - HEADER - 2);
  /** Inside the detail pane's border. */
  const detailPage = (): number => Math.max(1, height() - HEADER - 1 - 2);
  let detailLength = 0;
  const detailMax = (): number => Math.max(0, detailLength - detailPage());
  let drawnProcesses: { processes: readonly ProcessPick[]; lines: readonly number[] } = { processes: [], lines: [] };
  let logLength = 0;

  /** Pieces laid out left to right and cut, with an ellipsis, at the width. */
  const fitted = (parts: readonly { text: string; tone?: ToneName }[], w: number): string => {
    let room = w;
    const out: string[] = [];
    for (const x of parts) {
      if (room <= 0) break;
      const t = x.text.length > room ? fit(x.text, room) : x.text;
      out.push(paint(x.tone, t));
      room -= t.length;
    }
    return out.join('');
  };

  /** `table`: what drawTable drew (its items, hidden columns), so the rows are not sorted again. */
  const statusLine = (p: PanelInput, table: { items: readonly Item[]; hidden: number }): string => {
    const hidden = table.hidden;
    const st = p.state;
    const w = width();
    if (st.mode === 'filter') {
      const shown = visibleItems(p.rows, st).filter((i) => i.kind === 'row').length;
      return fitted([{ text: '/', tone: 'head' }, { text: `${st.draft}█  ` }, { text: `${shown}/${p.rows.length}  ` }, { text: 'Enter keep  Esc cancel  name: engine: pod: image: id: cmd:', tone: 'hint' }], w);
    }
    if (st.mode === 'signal' && st.process !== null) {
      // The confirmation names the process: its pid and command, and the signal.
      return fitted(
        [
          { text: `send SIG${SIGNALS[st.signal] ?? '?'}`, tone: 'crit' },
          { text: ` to pid ${st.process.pid} (${fit(st.process.command, 40).trimEnd()})? ` },
          { text: 'y send  ←→ signal  Esc cancel', tone: 'hint' },
        ],
        w,
      );
    }
    const parts: { text: string; tone?: ToneName }[] = [];
    if (p.message) parts.push({ text: `${p.message}  `, tone: 'note' });
    if (st.mode === 'columns') return fitted([...parts, { text: '↑↓ move  Space show/hide  Esc close', tone: 'hint' }], w);
    if (st.mode === 'log') {
      if (st.paused) parts.push({ text: 'PAUSED  ', tone: 'crit' });
      parts.push({ text: st.logScroll === 0 ? 'following  ' : `${st.logScroll} lines up  ` });
      parts.push({ text: '↑↓ PgUp/PgDn scroll  End follow  Esc back', tone: 'hint' });
      return fitted(parts, w);
    }
    if (st.mode === 'detail') {
      const page = detailPage();
      if (detailLength > page) parts.push({ text: `lines ${Math.min(st.detailScroll, detailMax()) + 1}-${Math.min(detailLength, Math.min(st.detailScroll, detailMax()) + page)}/${detailLength}  ` });
      if (st.process !== null) parts.push({ text: `pid ${st.process.pid}  ` });
      parts.push({ text: '↑↓ process  x signal  l log  e/n enter  PgUp/PgDn  Esc', tone: 'hint' });
      return fitted(parts, w);
    }
    const items = table.items;
    const shown = items.filter((i) => i.kind === 'row').length;
    const page = pageSize();
    const filtered = st.filter !== '' || st.engine !== null || st.pod !== null;
    // Where the window is in a list longer than it, and how many rows a filter keeps.
    if (items.length > page) parts.push({ text: `${st.offset + 1}-${Math.min(items.length, st.offset + page)} of ${items.length}${filtered ? ` (${shown}/${p.rows.length})` : ''}  ` });
    else if (filtered) parts.push({ text: `${shown}/${p.rows.length} shown  ` });
    if (st.filter) parts.push({ text: `filter "${st.filter}"  ` });
    if (st.engine) parts.push({ text: `engine ${st.engine}  ` });
    if (st.pod) {
      const label = p.rows.find((r) => r.pod === st.pod)?.podLabel;
      parts.push({ text: `pod ${label === undefined ? st.pod : podName(label)}  ` });
    }
    if (st.group) parts.push({ text: 'grouped by pod  ' });
    if (st.paused) parts.push({ text: 'PAUSED  ', tone: 'crit' });
    if (hidden > 0) parts.push({ text: `${hidden} col${hidden === 1 ? '' : 's'} hidden  `, tone: 'note' });
    parts.push({ text: '? help  / filter  s sort  Enter details  q quit', tone: 'hint' });
    return fitted(parts, w);
  };

  /** What the mouse needs: the table as last drawn (null while details or help are shown). */
  let drawn: { layout: TableLayout; offset: number } | null = null;
  const columnAt = (layout: TableLayout, x: number): ColumnId | undefined => {
    let left = 0;
    for (const c of layout.columns) {
      const right = left + c.width + (layout.barWidth > 0 && (c.id === 'cpu' || c.id === 'mem') ? layout.barWidth + 1 : 0);
      if (x >= left && x < right) return c.id;
      left = right + 1;
    }
    return undefined;
  };

  const drawTable = (p: PanelInput): { items: readonly Item[]; hidden: number } => {
    const w = width();
    const layout = layoutTable(p.rows, w, p.state.sort.column, p.state.hidden);
    drawn = p.state.mode === 'help' || p.state.mode === 'columns' ? null : { layout, offset: p.state.offset };
    columns.setContent(esc(headerLine(layout, p.state.sort).padEnd(w)));
    if (p.empty !== null) {
      body.setContent(`\n  ${esc(p.empty)}`);
      return { items: [], hidden: layout.hidden.length };
    }
    const items = visibleItems(p.rows, p.state);
    const page = pageSize();
    const lines: string[] = [];
    for (let i = p.state.offset; i < Math.min(items.length, p.state.offset + page); i++) {
      const it = items[i];
      if (!it) continue;
      if (it.kind === 'group') {
        lines.push(paint('group', fit(`── ${it.label} (${it.count}) `.padEnd(w, '─'), w)));
        continue;
      }
      const segs = rowSegments(it.row, layout);
      const used = segs.reduce((a, x) => a + x.text.length, 0);
      if (used < w) segs.push({ text: ' '.repeat(w - used) });
      lines.push(i === p.state.cursor ? `{inverse}${tagged(segs)}{/inverse}` : tagged(segs));
    }
    if (items.length === 0) lines.push(`  ${paint('hint', 'no container matches; Esc clears the filters')}`);
    body.setContent(lines.join('\n'));
    return { items, hidden: layout.hidden.length };
  };

  const drawDetail = (p: PanelInput): void => {
    const key = p.state.detail;
    const d = key === null ? null : buildDetail(p.frame, key, processCpuPercent(p.frame), p.events?.lines(key, p.nowMs) ?? ['not watched (events need root on the live host)']);
    if (!d) {
      detailLength = 0;
      drawnProcesses = { processes: [], lines: [] };
      detail.setLabel(' gone ');
      detail.setContent(`${paint('note', 'This container is gone.')} Esc goes back.`);
      return;
    }
    const inner = width() - 2;
    const lines = detailLines(d, key === null ? undefined : p.history.get(key), inner);
    detailLength = lines.length;
    const starts: number[] = [];
    lines.forEach((l, i) => {
      if (l.process !== undefined && starts[l.process] === undefined) starts[l.process] = i;
    });
    drawnProcesses = { processes: d.processRows.map((r) => ({ pid: r.pid, starttimeTicks: r.starttimeTicks, command: r.command })), lines: starts };
    const pick = p.state.process;
    const selected = pick === null ? -1 : d.processRows.findIndex((r) => r.pid === pick.pid && r.starttimeTicks === pick.starttimeTicks);
    const start = Math.min(p.state.detailScroll, detailMax());
    detail.setLabel(` ${esc(fit(d.title, Math.max(4, inner - 4)))} `);
    detail.setContent(
      lines
        .slice(start, start + detailPage())
        .map((l) => (l.process !== undefined && l.process === selected ? `{inverse}${esc(fit(l.text, inner))}{/inverse}` : paint(l.tone, fit(l.text, inner))))
        .join('\n'),
    );
  };

  /** The log view, in the detail pane: the tail of the container's log file, or why there is none. */
  const drawLog = (p: PanelInput): void => {
    const key = p.state.detail;
    const c = key === null ? undefined : p.rows.find((r) => r.key === key);
    const inner = width() - 2;
    const name = c === undefined ? 'gone' : (c.container.name ?? c.key);
    const lines = p.log === null ? [{ text: 'reading…' }] : logLines(p.log, inner);
    logLength = lines.length;
    const page = detailPage();
    const end = Math.max(0, lines.length - Math.min(p.state.logScroll, Math.max(0, lines.length - page)));
    const where = p.log?.location.kind === 'file' ? `  ${p.log.location.path}` : '';
    detail.setLabel(` ${esc(fit(`log: ${name}${where}`, Math.max(4, inner - 4)))} `);
    detail.setContent(lines.slice(Math.max(0, end - page), end).map((l) => paint(l.tone, fit(l.text, inner))).join('\n'));
  };

  const drawChooser = (p: PanelInput): void => {
    const rows = COLUMN_IDS.map((id, i) => {
      const def = TOP_COLUMNS[id];
      const on = id === 'name' || !p.state.hidden.includes(id);
      const text = fit(` [${on ? 'x' : ' '}] ${def.header.padEnd(10)} ${def.help}`, 56);
      return i === p.state.columnCursor ? `{inverse}${esc(text)}{/inverse}` : esc(text);
    });
    chooser.width = Math.min(60, width());
    chooser.height = Math.min(COLUMN_IDS.length + 2, Math.max(3, height() - HEADER - 1));
    chooser.setContent(rows.join('\n'));
  };

  let suspended = false;
  return {
    pageSize,
    detailPage,
    detailMax,
    detailProcesses: () => drawnProcesses,
    logPage: detailPage,
    logLength: () => logLength,
    update(p) {
      if (suspended) return;
      const w = width();
      // Cut, not wrapped: a wrapped header line would push the table down a line.
      header.setContent(hostLines(p.frame).map((l, i) => (i === 0 ? `{bold}ctrscope top{/bold}${esc(fit(`  ${l}`, Math.max(0, w - 12)))}` : esc(fit(l, w)))).join('\n'));
      const inDetail = p.state.mode === 'detail' || p.state.mode === 'signal' || p.state.mode === 'log' || (p.state.mode === 'help' && p.state.detail !== null);
      let table: { items: readonly Item[]; hidden: number } = { items: [], hidden: 0 };
      if (inDetail) {
        drawn = null;
        detail.show();
        body.hide();
        columns.hide();
        if (p.state.mode === 'log') drawLog(p);
        else drawDetail(p);
      } else {
        detail.hide();
        body.show();
        columns.show();
        table = drawTable(p);
      }
      if (p.state.mode === 'help') {
        help.height = Math.min(24, Math.max(5, (typeof screen.height === 'number' ? screen.height : 24) - 1));
        help.width = Math.min(78, width());
        help.show();
        help.setFront();
      } else help.hide();
      if (p.state.mode === 'columns') {
        drawChooser(p);
        chooser.show();
        chooser.setFront();
      } else chooser.hide();
      status.setContent(statusLine(p, table));
      screen.render();
    },
    onKey(f) {
      screen.on('keypress', (ch: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => f({ ch, name: key?.name, ctrl: key?.ctrl }));
      // Mouse: a click on a row selects it (again: opens it), on a column header sorts by it;
      // the wheel moves three lines.
      screen.on('mouse', (m: { action?: string; x?: number; y?: number }) => {
        const y = m.y ?? -1;
        if (m.action === 'wheelup' || m.action === 'wheeldown') {
          f({ wheel: m.action === 'wheelup' ? -3 : 3 });
          return;
        }
        if (m.action !== 'mousedown' || drawn === null) return;
        if (y === HEADER) {
          const column = columnAt(drawn.layout, m.x ?? -1);
          if (column !== undefined) f({ clickColumn: column });
        } else if (y > HEADER && y <= HEADER + pageSize()) f({ clickItem: drawn.offset + y - HEADER - 1 });
      });
    },
    onResize(f) {
      screen.on('resize', f);
    },
    async suspend(f) {
      const out = output ?? process.stdout;
      const inp = input ?? process.stdin;
      const program = screen.program;
      // Not program.pause(): it stubs out.write before blessed's buffered output (the switch
      // back to the normal screen) is flushed, so the child would draw over the dashboard.
      program.normalBuffer();
      program.showCursor();
      program.flush();
      inp.setRawMode?.(false);
      inp.pause();
      suspended = true;
      try {
        return await f(
          (s) => void out.write(s),
          () =>
            new Promise<void>((done) => {
              const onData = (d: Buffer | string): void => {
                if (!/[\r\n]/.test(String(d))) return;
                inp.off('data', onData);
                inp.pause();
                done();
              };
              inp.on('data', onData);
              inp.resume();
            }),
        );
      } finally {
        suspended = false;
        inp.setRawMode?.(true);
        inp.resume();
        program.alternateBuffer();
        program.hideCursor();
        screen.alloc();
        screen.render();
      }
    },
    destroy() {
      screen.destroy();
    },
  };
}
