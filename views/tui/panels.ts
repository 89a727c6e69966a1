/**
 * blessed widgets and their layout, behind a small typed surface. Panels take the view-model and
 * state and only draw.
 *
 * Layout at 80x24: 3 header lines, the column header, the rows, one status line. The detail view
 * replaces the rows with identity | namespaces, resources | sparklines, and the process list.
 * blessed-contrib is not used: its sparkline widget needs three lines per series.
 */
import * as blessedNs from 'blessed';
import type { Widgets } from 'blessed';
import type { TopFrame } from '../../src/model/container-stats.js';
import type { History } from './history.js';
import { visibleItems, type TopState } from './state.js';
import { buildDetail, headerLine, historyLines, hostLines, layoutTable, processCpuPercent, rowSegments, TOP_COLUMNS, COLUMN_IDS, type ContainerRow, type Segment } from './view-model.js';

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
}

export interface Panels {
  /** Table lines available for rows at the current size. */
  pageSize(): number;
  update(input: PanelInput): void;
  onKey(f: (k: { ch?: string | undefined; name?: string | undefined; ctrl?: boolean | undefined }) => void): void;
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
const TONE: Record<NonNullable<Segment['tone']>, [string, string]> = {
  warn: ['{yellow-fg}', '{/yellow-fg}'],
  crit: ['{red-fg}{bold}', '{/bold}{/red-fg}'],
  bar: ['{green-fg}', '{/green-fg}'],
};
const tagged = (segs: readonly Segment[]): string => segs.map((s) => (s.tone ? `${TONE[s.tone][0]}${esc(s.text)}${TONE[s.tone][1]}` : esc(s.text))).join('');

function helpText(): string {
  const sortKeys = COLUMN_IDS.map((id) => `  ${TOP_COLUMNS[id].key}  ${TOP_COLUMNS[id].header.padEnd(10)} ${TOP_COLUMNS[id].help}`);
  return [
    '{bold}ctrscope top{/bold} — keys',
    '  up/down j/k PgUp/PgDn Home/End  move     Enter  details',
    '  s  next sort column    r  reverse        /  filter by text',
    '  f  cycle engine filter o  cycle pod filter  Esc  clear filters',
    '  g  group by pod        p  pause          q  Ctrl-C  quit',
    '  in details: e  enter --all   n  enter --net   Esc/q  back',
    '{bold}sort by column{/bold} (again to reverse)',
    ...sortKeys.map(esc),
    '- not collected   ? unreadable      any key closes this help',
  ].join('\n');
}

export function createPanels(input?: NodeJS.ReadStream, output?: NodeJS.WriteStream): Panels {
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
  const detail = blessed.box({ parent: screen, top: HEADER, left: 0, width: '100%', bottom: 1, hidden: true });
  const pane = (opts: Widgets.BoxOptions): Widgets.BoxElement => blessed.box({ parent: detail, border: { type: 'line' }, tags: true, ...opts });
  const identity = pane({ top: 0, left: 0, width: '62%', height: '40%', label: ' container ' });
  const namespaces = pane({ top: 0, left: '62%', width: '38%', height: '40%', label: ' namespaces ' });
  const resources = pane({ top: '40%', left: 0, width: '50%', height: '30%', label: ' resources ' });
  const spark = pane({ top: '40%', left: '50%', width: '50%', height: '30%', label: ' last minutes ' });
  const procs = pane({ top: '70%', left: 0, width: '100%', bottom: 0, label: ' processes ' });
  const help = blessed.box({ parent: screen, top: 'center', left: 'center', width: 78, height: 24, border: { type: 'line' }, tags: true, hidden: true, content: helpText(), label: ' help ' });

  // One column short of the screen: a character in the last column makes terminals (and
  // blessed's wrapping) move to the next line.
  const width = (): number => Math.max(20, (typeof screen.width === 'number' ? screen.width : 80) - 1);
  const pageSize = (): number => Math.max(1, (typeof screen.height === 'number' ? screen.height : 24) - HEADER - 2);

  const statusLine = (p: PanelInput): string => {
    const st = p.state;
    if (st.mode === 'filter') return `{bold}/{/bold}${esc(st.draft)}█  {gray-fg}Enter apply  Esc cancel{/gray-fg}`;
    const parts: string[] = [];
    const col = TOP_COLUMNS[st.sort.column];
    parts.push(`sort ${col.header}${st.sort.reverse ? ' (reversed)' : ''}`);
    if (st.filter) parts.push(`filter "${esc(st.filter)}"`);
    if (st.engine) parts.push(`engine ${esc(st.engine)}`);
    if (st.pod) parts.push(`pod ${esc(st.pod)}`);
    if (st.group) parts.push('grouped by pod');
    if (st.paused) parts.push('{yellow-fg}{bold}PAUSED{/bold}{/yellow-fg}');
    const left = p.message ? `{yellow-fg}${esc(p.message)}{/yellow-fg}` : parts.join('  ');
    const keys = st.mode === 'detail' ? 'e enter  n net  Esc back  ? help' : '? help  / filter  s sort  Enter details  q quit';
    return `${left}  {gray-fg}| ${keys}{/gray-fg}`;
  };

  const drawTable = (p: PanelInput): void => {
    const w = width();
    const layout = layoutTable(p.rows, w);
    columns.setContent(esc(headerLine(layout, p.state.sort).padEnd(w)));
    if (p.empty !== null) {
      body.setContent(`\n  ${esc(p.empty)}`);
      return;
    }
    const items = visibleItems(p.rows, p.state);
    const page = pageSize();
    const lines: string[] = [];
    for (let i = p.state.offset; i < Math.min(items.length, p.state.offset + page); i++) {
      const it = items[i];
      if (!it) continue;
      if (it.kind === 'group') {
        lines.push(`{bold}{cyan-fg}${esc(`── ${it.label} (${it.count}) `.padEnd(w, '─'))}{/cyan-fg}{/bold}`);
        continue;
      }
      const segs = rowSegments(it.row, layout);
      const used = segs.reduce((a, s) => a + s.text.length, 0);
      if (used < w) segs.push({ text: ' '.repeat(w - used) });
      lines.push(i === p.state.cursor ? `{inverse}${tagged(segs)}{/inverse}` : tagged(segs));
    }
    if (items.length === 0) lines.push(`  {gray-fg}no container matches; Esc clears the filters{/gray-fg}`);
    body.setContent(lines.join('\n'));
  };

  const drawDetail = (p: PanelInput): void => {
    const key = p.state.detail;
    const d = key === null ? null : buildDetail(p.frame, key, processCpuPercent(p.frame));
    if (!d) {
      identity.setContent('{yellow-fg}This container is gone.{/yellow-fg} Esc goes back.');
      for (const b of [namespaces, resources, spark, procs]) b.setContent('');
      return;
    }
    identity.setLabel(` ${esc(d.title)} `);
    identity.setContent(d.identity.map(esc).join('\n'));
    namespaces.setContent(d.namespaces.map(esc).join('\n'));
    resources.setContent(d.resources.map(esc).join('\n'));
    const sw = (typeof spark.width === 'number' ? spark.width : 40) - 2;
    spark.setContent(historyLines(key === null ? undefined : p.history.get(key), sw).map((l) => `{green-fg}${esc(l)}{/green-fg}`).join('\n'));
    const room = Math.max(1, (typeof procs.height === 'number' ? procs.height : 6) - 3);
    const start = Math.min(p.state.detailScroll, Math.max(0, d.processes.length - room));
    procs.setContent([`{bold}${esc(d.processHeader)}{/bold}`, ...d.processes.slice(start, start + room).map(esc)].join('\n'));
  };

  let suspended = false;
  return {
    pageSize,
    update(p) {
      if (suspended) return;
      header.setContent(hostLines(p.frame).map((l, i) => (i === 0 ? `{bold}ctrscope top{/bold}  ${esc(l)}` : esc(l))).join('\n'));
      const inDetail = p.state.mode === 'detail' || (p.state.mode === 'help' && p.state.detail !== null);
      if (inDetail) {
        detail.show();
        body.hide();
        columns.hide();
        drawDetail(p);
      } else {
        detail.hide();
        body.show();
        columns.show();
        drawTable(p);
      }
      if (p.state.mode === 'help') {
        help.height = Math.min(24, Math.max(5, (typeof screen.height === 'number' ? screen.height : 24) - 1));
        help.width = Math.min(78, width());
        help.show();
        help.setFront();
      } else help.hide();
      status.setContent(statusLine(p));
      screen.render();
    },
    onKey(f) {
      screen.on('keypress', (ch: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => f({ ch, name: key?.name, ctrl: key?.ctrl }));
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
