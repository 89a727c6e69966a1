import { describe, expect, it } from 'vitest';
import { buildRows, type ContainerRow } from '../../../../views/tui/view-model.js';
import { initialState, reduce, reconcile, SIGNALS, visibleItems, type Key, type TopState, type View } from '../../../../views/tui/state.js';
import { container, frame } from '../../../helpers/frames.js';

const pods = [{ key: 'kubernetes/p1', kind: 'kubernetes' as const, id: 'p1', name: 'web', members: ['docker/b', 'docker/c'], infra: null, sharedNamespaces: [] }];
function rowsOf(names: string[], extra: Parameters<typeof container>[0][] = []): ContainerRow[] {
  const cs = names.map((n, i) => container({ id: n, name: n, pid: 100 + i, engine: n.startsWith('l') ? 'lxc' : 'docker', pod: n === 'b' || n === 'c' ? 'kubernetes/p1' : null }));
  return buildRows(frame([...cs, ...extra.map(container)], { pods }));
}
const names = (s: TopState, rows: readonly ContainerRow[]): string[] => visibleItems(rows, s).map((i) => (i.kind === 'row' ? (i.row.container.name ?? '') : `[${i.label}]`));
const press = (s: TopState, v: View, ...keys: Key[]): TopState => keys.reduce((st, k) => reduce(st, k, v).state, s);
const ch = (c: string): Key => ({ ch: c });
const named = (n: string): Key => ({ name: n });

describe('top reducer', () => {
  const rows = rowsOf(['d', 'a', 'lx', 'c', 'b']);
  const v: View = { rows, pageSize: 10 };
  const start = reconcile(initialState, v);

  it('sorts by a column key, then reverses on the same key or r', () => {
    const byName = press(start, v, ch('N'));
    expect(names(byName, rows)).toEqual(['a', 'b', 'c', 'd', 'lx']);
    expect(names(press(byName, v, ch('N')), rows)).toEqual(['lx', 'd', 'c', 'b', 'a']);
    expect(names(press(byName, v, ch('r')), rows)).toEqual(['lx', 'd', 'c', 'b', 'a']);
    // PID: numbers sort largest first.
    expect(names(press(start, v, ch('P')), rows)).toEqual(['b', 'c', 'lx', 'a', 'd']);
  });

  it('s cycles through every column', () => {
    let s = start;
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      s = press(s, v, ch('s'));
      seen.add(s.sort.column);
    }
    expect(seen.size).toBe(14);
  });

  it('filters by typed text; Esc cancels typing, Enter applies, Esc in the table clears', () => {
    const typing = press(start, v, ch('/'), ch('l'), ch('x'));
    expect(typing.mode).toBe('filter');
    // Rows match as the filter is typed.
    expect(names(typing, rows)).toEqual(['lx']);
    const applied = press(typing, v, named('enter'));
    expect(names(applied, rows)).toEqual(['lx']);
    expect(applied.selected).toBe('lxc/lx');
    expect(press(typing, v, named('escape')).filter).toBe('');
    expect(names(press(applied, v, named('escape')), rows)).toHaveLength(5);
    // `/` again edits the kept filter.
    const back = press(applied, v, ch('/'), named('backspace'), named('backspace'), named('backspace'), ch('d'), named('enter'));
    expect(back.filter).toBe('d');
  });

  it('cycles the engine filter through the engines present, then back to all', () => {
    const docker = press(start, v, ch('f'));
    expect(docker.engine).toBe('docker');
    expect(names(docker, rows)).not.toContain('lx');
    const lxc = press(docker, v, ch('f'));
    expect(names(lxc, rows)).toEqual(['lx']);
    expect(press(lxc, v, ch('f')).engine).toBeNull();
    expect(names(press(start, v, ch('o')), rows).sort()).toEqual(['b', 'c']);
  });

  it('groups by pod with a heading per pod, containers outside pods last', () => {
    const g = press(start, v, ch('N'), ch('g'));
    expect(names(g, rows)).toEqual(['[pod web]', 'b', 'c', '[not in a pod]', 'a', 'd', 'lx']);
    // The cursor never rests on a heading.
    const top = press(g, v, named('home'), named('up'));
    expect(visibleItems(rows, top)[top.cursor]?.kind).toBe('row');
    // Home and PgUp reach the first row below the top heading, from the end.
    const end = press(g, v, named('end'));
    expect(names(end, rows)[end.cursor]).toBe('lx');
    for (const k of ['home', 'pageup']) {
      const back = press(end, { ...v, pageSize: 3 }, named(k), ...(k === 'pageup' ? [named('pageup'), named('pageup')] : []));
      expect(names(back, rows)[back.cursor]).toBe('b');
      expect(back.offset).toBe(0);
    }
  });

  it('keeps the cursor on the first row, whatever sorts there, until the user moves it', () => {
    // The first refresh: no CPU figures, rows by name; the busiest one sorts first later.
    const idle = rowsOf(['a', 'b', 'z']);
    let s = reconcile(initialState, { rows: idle, pageSize: 10 });
    expect(s.selected).toBe('docker/a');
    const busy = buildRows(frame(['a', 'b', 'z'].map((n, i) => container({ id: n, name: n, pid: 100 + i })), { stats: { 'docker/z': { cpuPercent: 90 }, 'docker/a': { cpuPercent: 1 } } }));
    s = reconcile(s, { rows: busy, pageSize: 10 });
    expect(s.selected).toBe('docker/z');
    expect(press(s, { rows: busy, pageSize: 10 }, named('enter')).detail).toBe('docker/z');
    // Moved: the cursor follows its container from then on; Home follows the top again.
    s = press(s, { rows: busy, pageSize: 10 }, named('down'));
    expect(s.selected).toBe('docker/a');
    s = reconcile(s, { rows: idle, pageSize: 10 });
    expect(s.selected).toBe('docker/a');
    s = press(s, { rows: busy, pageSize: 10 }, named('home'));
    expect(reconcile(s, { rows: idle, pageSize: 10 }).selected).toBe('docker/a');
    expect(reconcile(s, { rows: busy, pageSize: 10 }).selected).toBe('docker/z');
  });

  it('keeps the selected container (and its screen line) when rows come and go', () => {
    let s = press(start, v, ch('N'), named('down'), named('down'));
    expect(s.selected).toBe('docker/c');
    const more = rowsOf(['d', 'a', 'lx', 'c', 'b', '0new', '1new']);
    s = reconcile(s, { rows: more, pageSize: 3 });
    expect(s.selected).toBe('docker/c');
    expect(names(s, more)[s.cursor]).toBe('c');
    expect(s.cursor - s.offset).toBe(2);
    // c stops: the cursor stays on the same line, on the container that moved up to it.
    const fewer = rowsOf(['d', 'a', 'lx', 'b', '0new', '1new']);
    s = reconcile(s, { rows: fewer, pageSize: 3 });
    expect(s.selected).toBe('docker/d');
  });

  it('mouse: a click selects a row, a second click opens it; a click on a header sorts', () => {
    const byName = press(start, v, ch('N'));
    const clicked = press(byName, v, { clickItem: 2 });
    expect(clicked.selected).toBe('docker/c');
    expect(clicked.mode).toBe('table');
    expect(press(clicked, v, { clickItem: 2 }).detail).toBe('docker/c');
    expect(press(start, v, { clickColumn: 'mem' }).sort).toEqual({ column: 'mem', reverse: false });
    expect(press(start, v, { clickColumn: 'mem' }, { clickColumn: 'mem' }).sort).toEqual({ column: 'mem', reverse: true });
  });

  it('opens the detail view on Enter, sends e/n as effects, and goes back on Esc', () => {
    const d = press(start, v, ch('N'), named('enter'));
    expect(d.mode).toBe('detail');
    expect(d.detail).toBe('docker/a');
    // No process selected: the container itself.
    expect(reduce(d, ch('e'), v).effect).toEqual({ kind: 'enter', net: false, process: null });
    expect(reduce(d, ch('n'), v).effect).toEqual({ kind: 'enter', net: true, process: null });
    expect(press(d, v, named('escape')).mode).toBe('table');
    // blessed's duplicate 'return' for the same key press is ignored.
    expect(press(start, v, named('return')).mode).toBe('table');
  });

  describe('the detail view\'s process tree', () => {
    const procs = [
      { pid: 10, starttimeTicks: 5, command: 'sh -c run' },
      { pid: 11, starttimeTicks: 6, command: 'sleep 600' },
      { pid: 12, starttimeTicks: 7, command: 'nginx: worker' },
    ];
    // The processes start on pane line 30 and on; the pane shows 10 lines.
    const dv: View = { ...v, processes: procs, processLines: [30, 31, 33], detailPage: 10, detailMax: 40 };
    const d = press(start, dv, named('enter'));

    it('down selects the first process, then moves; the pane scrolls to show it', () => {
      const first = press(d, dv, named('down'));
      expect(first.process).toEqual(procs[0]);
      expect(first.detailScroll).toBe(21);
      const third = press(first, dv, named('down'), ch('j'), named('down'));
      expect(third.process).toEqual(procs[2]);
      expect(third.detailScroll).toBe(24);
      expect(press(third, dv, named('up')).process).toEqual(procs[1]);
      // PgUp scrolls the pane and leaves the selection.
      expect(press(third, dv, named('pageup'))).toMatchObject({ process: procs[2], detailScroll: 15 });
    });

    it('a move from a process that has exited goes on from its place', () => {
      const second = press(d, dv, named('down'), named('down'));
      // pid 11 exits: the list is 10, 12.
      const after: View = { ...dv, processes: [procs[0], procs[2]] as typeof procs, processLines: [30, 32] };
      expect(press(second, after, named('down')).process).toEqual(procs[2]);
      expect(press(second, after, named('up')).process).toEqual(procs[0]);
    });

    it('e and n enter the selected process', () => {
      const s = press(d, dv, named('down'), named('down'));
      expect(reduce(s, ch('e'), dv).effect).toEqual({ kind: 'enter', net: false, process: procs[1] });
      expect(reduce(s, ch('n'), dv).effect).toEqual({ kind: 'enter', net: true, process: procs[1] });
    });

    it('x asks before a signal: y sends the one shown, ←→ change it, anything else cancels', () => {
      const s = press(d, dv, named('down'), named('down'), ch('x'));
      expect(s).toMatchObject({ mode: 'signal', process: procs[1], signal: 0 });
      expect(reduce(s, ch('y'), dv)).toEqual({ state: { ...s, mode: 'detail' }, effect: { kind: 'signal', process: procs[1], signal: 'TERM' } });
      expect(reduce(press(s, dv, named('right')), named('enter'), dv).effect).toEqual({ kind: 'signal', process: procs[1], signal: 'KILL' });
      expect(press(s, dv, named('left')).signal).toBe(SIGNALS.length - 1);
      for (const k of [named('escape'), ch('n'), ch('q')]) {
        const r = reduce(s, k, dv);
        expect(r.effect).toBeUndefined();
        expect(r.state.mode).toBe('detail');
      }
      // Without a selection, x offers the container's first process.
      expect(press(d, dv, ch('x')).process).toEqual(procs[0]);
    });

    it('leaving the detail view forgets the selection', () => {
      const s = press(d, dv, named('down'), named('escape'));
      expect(s.process).toBeNull();
    });
  });

  it('l opens the log of the selected row or of the container in detail, and goes back where it was', () => {
    const lv: View = { ...v, logPage: 10, logLength: 50 };
    const fromTable = press(start, lv, ch('l'));
    expect(fromTable).toMatchObject({ mode: 'log', detail: 'docker/a', logScroll: 0, back: 'table' });
    expect(press(fromTable, lv, named('pageup')).logScroll).toBe(9);
    expect(press(fromTable, lv, named('home')).logScroll).toBe(40);
    expect(press(fromTable, lv, named('home'), named('end')).logScroll).toBe(0);
    expect(press(fromTable, lv, named('escape'))).toMatchObject({ mode: 'table', detail: null });
    const fromDetail = press(start, lv, named('enter'), ch('l'));
    expect(fromDetail).toMatchObject({ mode: 'log', back: 'detail' });
    expect(press(fromDetail, lv, named('escape'))).toMatchObject({ mode: 'detail', detail: 'docker/a' });
  });

  it('c opens the column chooser: Space hides and shows the column under the cursor, not NAME', () => {
    const c = press(start, v, ch('c'));
    expect(c.mode).toBe('columns');
    expect(press(c, v, ch(' ')).hidden).toEqual([]);
    const noId = press(c, v, named('down'), ch(' '));
    expect(noId.hidden).toEqual(['id']);
    expect(press(noId, v, ch(' ')).hidden).toEqual([]);
    expect(press(noId, v, named('escape'))).toMatchObject({ mode: 'table', hidden: ['id'] });
  });

  it('quits on q and Ctrl-C; ? and h open help, any key closes it; p pauses', () => {
    expect(reduce(start, ch('q'), v).effect).toBe('quit');
    expect(reduce(press(start, v, ch('?')), { name: 'c', ctrl: true }, v).effect).toBe('quit');
    const help = press(start, v, ch('h'));
    expect(help.mode).toBe('help');
    expect(press(help, v, ch('x')).mode).toBe('table');
    expect(press(start, v, ch('p')).paused).toBe(true);
    expect(reduce(start, ch('d'), v).effect).toBeUndefined();
    expect(reduce(start, ch('d'), { ...v, sampleOffered: true }).effect).toBe('use-sample');
  });
});
