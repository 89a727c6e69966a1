/**
 * The dashboard's view-model: a TopFrame in, rows of formatted cells out. Pure (no blessed, no
 * I/O), shared by the TUI and by `top --batch`, and unit-tested without a terminal.
 *
 * Columns are data (ctop's config/columns.go, lsns's infos[]): each has a header, a sort key, a
 * priority that decides which columns survive a narrow terminal, and a help line for the `?`
 * overlay. Values the collectors have not supplied render as `-`; values they could not read as `?`.
 */
import type { Container } from '../../src/model/container.js';
import type { ContainerStats, Limit, TopFrame } from '../../src/model/container-stats.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { shortId, type HostModel } from '../../src/model/host-model.js';
import { formatBytes, formatDuration } from '../format.js';
import { podLabel } from '../text/ps.js';

export const COLUMN_IDS = ['name', 'id', 'engine', 'pod', 'pid', 'cpu', 'cpuLimit', 'throttled', 'mem', 'pids', 'net', 'io', 'uptime', 'command'] as const;
export type ColumnId = (typeof COLUMN_IDS)[number];

export interface ColumnDef {
  readonly header: string;
  /** Key that sorts by this column. */
  readonly key: string;
  readonly align: 'left' | 'right';
  readonly min: number;
  readonly max: number;
  /** Lower survives longer when the terminal is narrow; 0 is never dropped. */
  readonly priority: number;
  /** Numbers sort largest first, text A→Z, until `r`. */
  readonly numeric: boolean;
  readonly help: string;
}

export const TOP_COLUMNS: Readonly<Record<ColumnId, ColumnDef>> = {
  name: { header: 'NAME', key: 'N', align: 'left', min: 8, max: 32, priority: 0, numeric: false, help: 'container name from the engine (- when it has none)' },
  id: { header: 'ID', key: 'I', align: 'left', min: 12, max: 22, priority: 2, numeric: false, help: 'engine id (12 chars) or derived ns-<type>-<inode>' },
  engine: { header: 'ENGINE', key: 'E', align: 'left', min: 6, max: 14, priority: 3, numeric: false, help: 'engine that started it (- for hand-made)' },
  pod: { header: 'POD', key: 'O', align: 'left', min: 8, max: 24, priority: 7, numeric: false, help: 'pod name or id; * marks the infra container' },
  pid: { header: 'PID', key: 'P', align: 'right', min: 3, max: 8, priority: 6, numeric: true, help: 'host pid of the first process' },
  cpu: { header: 'CPU%', key: 'C', align: 'right', min: 5, max: 7, priority: 1, numeric: true, help: 'CPU used, percent of one host CPU (bar: of all host CPUs)' },
  cpuLimit: { header: '%LIM', key: 'L', align: 'right', min: 4, max: 6, priority: 5, numeric: true, help: 'CPU used, percent of its CPU limit' },
  throttled: { header: 'THROT', key: 'T', align: 'right', min: 5, max: 6, priority: 8, numeric: true, help: 'share of CFS periods throttled' },
  mem: { header: 'MEM/LIMIT', key: 'M', align: 'right', min: 9, max: 13, priority: 1, numeric: true, help: 'memory used / limit (bar: of the limit, else of host memory)' },
  pids: { header: 'PIDS', key: 'K', align: 'right', min: 4, max: 11, priority: 4, numeric: true, help: 'tasks / pids.max' },
  net: { header: 'NET RX/TX', key: 'X', align: 'right', min: 9, max: 13, priority: 9, numeric: true, help: 'network receive / transmit per second' },
  io: { header: 'IO R/W', key: 'W', align: 'right', min: 9, max: 13, priority: 10, numeric: true, help: 'block IO read / write per second' },
  uptime: { header: 'UPTIME', key: 'U', align: 'right', min: 6, max: 8, priority: 2, numeric: true, help: 'time since its first process started' },
  command: { header: 'COMMAND', key: 'D', align: 'left', min: 12, max: 200, priority: 11, numeric: false, help: 'command line of its first process' },
};

export type Tone = 'warn' | 'crit';
export interface Cell {
  readonly text: string;
  readonly tone?: Tone;
}

export interface ContainerRow {
  readonly key: string;
  readonly container: Container;
  readonly pod: string | null;
  readonly podLabel: string;
  readonly cells: Readonly<Record<ColumnId, Cell>>;
  /** What the column sorts by; null sorts last either way. */
  readonly sortBy: Readonly<Record<ColumnId, number | string | null>>;
  /** Bar fill, 0..1, where a bar makes sense. */
  readonly bars: { readonly cpu: number | null; readonly mem: number | null };
  /** Lower-cased text the `/` filter matches: name, id, engine, pod, image, command. */
  readonly search: string;
}

const pct = (n: number): string => (n >= 100 ? String(Math.round(n)) : n.toFixed(1));

/** `-` not collected, `?` unreadable, otherwise formatted. */
function show<T>(v: T | null | undefined, f: (x: T) => string): string {
  if (v === undefined) return '-';
  if (v === null) return '?';
  return f(v);
}
const limitText = (l: Limit, f: (n: number) => string): string => (l === 'unlimited' ? '∞' : f(l));

function pair(a: number | null | undefined, b: number | null | undefined, f: (n: number) => string): string {
  if (a === undefined && b === undefined) return '-';
  return `${show(a, f)}/${show(b, f)}`;
}

/** Percent of the CPU limit, when both the usage and a finite limit are known. */
export function cpuOfLimit(s: ContainerStats): number | null | undefined {
  if (s.cpuPercent === undefined || s.cpuLimitCpus === undefined) return undefined;
  if (s.cpuPercent === null || s.cpuLimitCpus === null) return null;
  // No quota: there is no limit to be a percentage of ("-", not "?").
  if (s.cpuLimitCpus === 'unlimited') return undefined;
  if (s.cpuLimitCpus <= 0) return null;
  return s.cpuPercent / s.cpuLimitCpus;
}

/** Seconds the container has run: its first process's start vs the host's uptime, both since boot. */
export function containerUptimeSec(c: Container, frame: TopFrame): number | null {
  const up = frame.summary.uptimeSec;
  if (up === null) return null;
  return Math.max(0, up - c.starttimeTicks / frame.model.snapshot.clockTicksPerSec);
}

const finite = (l: Limit | null | undefined): number | null => (typeof l === 'number' ? l : null);
const sum = (a: number | null | undefined, b: number | null | undefined): number | null => (a == null && b == null ? null : (a ?? 0) + (b ?? 0));

export function buildRow(model: HostModel, c: Container, frame: TopFrame): ContainerRow {
  const key = containerKey(c);
  const s: ContainerStats = frame.stats.get(key) ?? {};
  const pod = podLabel(model, c);
  const uptime = containerUptimeSec(c, frame);
  const ofLimit = cpuOfLimit(s);
  const memLimit = finite(s.memoryLimitBytes);
  const memFrac = s.memoryBytes == null ? null : memLimit !== null ? s.memoryBytes / memLimit : frame.summary.memTotalBytes ? s.memoryBytes / frame.summary.memTotalBytes : null;
  const pidsMax = finite(s.pidsMax);
  const cpus = frame.summary.cpuCount;
  const pressure = s.pressurePercent ?? 0;
  const tone = (crit: boolean, warn: boolean): Tone | undefined => (crit ? 'crit' : warn ? 'warn' : undefined);
  const cells: Record<ColumnId, Cell> = {
    name: { text: c.name ?? '-', ...opt(tone((s.oomKillsRecent ?? 0) > 0, false)) },
    id: { text: shortId(c) },
    engine: { text: c.engine ?? '-' },
    pod: { text: pod },
    pid: { text: String(c.pid) },
    cpu: { text: show(s.cpuPercent, pct), ...opt(tone(false, pressure >= 10)) },
    cpuLimit: { text: show(ofLimit, pct), ...opt(tone((ofLimit ?? 0) >= 95, (ofLimit ?? 0) >= 80)) },
    throttled: { text: show(s.throttledPercent, (n) => `${pct(n)}%`), ...opt(tone((s.throttledPercent ?? 0) >= 25, (s.throttledPercent ?? 0) > 0)) },
    mem: {
      text: s.memoryBytes === undefined && s.memoryLimitBytes === undefined ? '-' : `${show(s.memoryBytes, formatBytes)}/${show(s.memoryLimitBytes, (l) => limitText(l, formatBytes))}`,
      ...opt(tone(memLimit !== null && (memFrac ?? 0) >= 0.95, (memLimit !== null && (memFrac ?? 0) >= 0.8) || pressure >= 10)),
    },
    pids: {
      text: s.pids === undefined && s.pidsMax === undefined ? '-' : s.pidsMax === undefined ? show(s.pids, String) : `${show(s.pids, String)}/${show(s.pidsMax, (l) => limitText(l, String))}`,
      ...opt(tone(pidsMax !== null && (s.pids ?? 0) >= 0.95 * pidsMax, pidsMax !== null && (s.pids ?? 0) >= 0.8 * pidsMax)),
    },
    net: { text: pair(s.netRxBytesPerSec, s.netTxBytesPerSec, formatBytes) },
    io: { text: pair(s.ioReadBytesPerSec, s.ioWriteBytesPerSec, formatBytes) },
    uptime: { text: uptime === null ? '?' : formatDuration(uptime) },
    command: { text: c.command.join(' ') || '-' },
  };
  return {
    key,
    container: c,
    pod: c.pod,
    podLabel: pod,
    cells,
    sortBy: {
      name: c.name,
      id: c.id,
      engine: c.engine,
      pod: c.pod === null ? null : pod,
      pid: c.pid,
      cpu: s.cpuPercent ?? null,
      cpuLimit: ofLimit ?? null,
      throttled: s.throttledPercent ?? null,
      mem: s.memoryBytes ?? null,
      pids: s.pids ?? null,
      net: sum(s.netRxBytesPerSec, s.netTxBytesPerSec),
      io: sum(s.ioReadBytesPerSec, s.ioWriteBytesPerSec),
      uptime,
      command: c.command.join(' '),
    },
    bars: { cpu: s.cpuPercent == null || !cpus ? null : s.cpuPercent / (100 * cpus), mem: memFrac },
    search: [c.name, c.id, c.engine, pod, c.image, c.command.join(' ')].filter((x) => x).join(' ').toLowerCase(),
  };
}

const opt = (t: Tone | undefined): { tone?: Tone } => (t === undefined ? {} : { tone: t });

export function buildRows(frame: TopFrame): ContainerRow[] {
  return frame.model.containers.map((c) => buildRow(frame.model, c, frame));
}

/** localeCompare's order, from one collator: the dashboard sorts every row twice a refresh. */
const text = new Intl.Collator();

/** Order rows by a column: numbers largest first and text A→Z by default; unknowns last either way. */
export function compareRows(column: ColumnId, reverse: boolean): (a: ContainerRow, b: ContainerRow) => number {
  const numeric = TOP_COLUMNS[column].numeric;
  return (a, b) => {
    const x = a.sortBy[column];
    const y = b.sortBy[column];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      let d = typeof x === 'number' && typeof y === 'number' ? x - y : text.compare(String(x), String(y));
      if (numeric) d = -d;
      if (d !== 0) return reverse ? -d : d;
    }
    // Ties keep a stable, readable order so rows don't shuffle between refreshes.
    return text.compare(a.container.name ?? '\uffff', b.container.name ?? '\uffff') || text.compare(a.key, b.key);
  };
}

export interface TableLayout {
  readonly columns: readonly { readonly id: ColumnId; readonly width: number }[];
  /** Width of the CPU and MEM bars, 0 when there is no room for them. */
  readonly barWidth: number;
}

const GAP = 1;

/**
 * Which columns fit in `width`, and how wide each is. Columns take their natural width (header
 * or widest value, within min..max), except POD and COMMAND, which count at their minimum while
 * the highest-priority-number columns are dropped until the rest fit. What is left widens POD
 * towards its natural width, then buys CPU and MEM bars, and COMMAND takes the rest.
 */
export function layoutTable(rows: readonly ContainerRow[], width: number): TableLayout {
  const natural = new Map<ColumnId, number>();
  for (const id of COLUMN_IDS) {
    const def = TOP_COLUMNS[id];
    let w = def.header.length;
    for (const r of rows) w = Math.max(w, r.cells[id].text.length);
    natural.set(id, Math.min(def.max, Math.max(def.min, w)));
  }
  const nat = (id: ColumnId): number => natural.get(id) as number;
  // NAME and ID are what people read rows by: they keep their natural width while other
  // columns are dropped, and NAME is cut only when nothing else is left to drop.
  const least = (id: ColumnId): number => (id === 'pod' || id === 'command' ? Math.min(nat(id), TOP_COLUMNS[id].min) : nat(id));
  const total = (ids: readonly ColumnId[], f: (id: ColumnId) => number): number => ids.reduce((a, id) => a + f(id), 0) + GAP * Math.max(0, ids.length - 1);
  let shown: ColumnId[] = [...COLUMN_IDS];
  // Not a terminal (batch output to a pipe): every column at its natural width, no bars.
  if (!Number.isFinite(width)) return { columns: shown.map((id) => ({ id, width: nat(id) })), barWidth: 0 };
  while (total(shown, least) > width) {
    const worst = shown.reduce((a, b) => (TOP_COLUMNS[b].priority > TOP_COLUMNS[a].priority ? b : a));
    if (TOP_COLUMNS[worst].priority === 0) break;
    shown = shown.filter((id) => id !== worst);
  }
  const widths = new Map(shown.map((id) => [id, least(id)]));
  let spare = width - total(shown, least);
  if (spare < 0) {
    widths.set('name', Math.max(TOP_COLUMNS.name.min, nat('name') + spare));
    spare = 0;
  }
  if (widths.has('pod') && spare > 0) {
    const grow = Math.min(spare, nat('pod') - (widths.get('pod') as number));
    widths.set('pod', (widths.get('pod') as number) + grow);
    spare -= grow;
  }
  const BAR = 10;
  let barWidth = 0;
  if (shown.includes('cpu') && shown.includes('mem') && spare >= 2 * (BAR + 1) + 20) {
    barWidth = BAR;
    spare -= 2 * (BAR + 1);
  }
  if (widths.has('command') && spare > 0) widths.set('command', (widths.get('command') as number) + spare);
  return { columns: shown.map((id) => ({ id, width: widths.get(id) as number })), barWidth };
}

export function fit(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  const t = s.length > w ? s.slice(0, Math.max(0, w - 1)) + '…' : s;
  return align === 'right' ? t.padStart(w) : t.padEnd(w);
}

/** `[|||||     ]` for a 0..1 fraction, clamped; blank for unknown. */
export function bar(frac: number | null, w: number): string {
  if (w <= 2) return '';
  const inner = w - 2;
  if (frac === null) return ' '.repeat(w);
  const n = Math.round(Math.min(1, Math.max(0, frac)) * inner);
  return `[${'|'.repeat(n)}${' '.repeat(inner - n)}]`;
}

export interface Segment {
  readonly text: string;
  readonly tone?: Tone | 'bar';
}

/** One table line as segments, so the TUI can colour them and batch mode can join them. */
export function rowSegments(row: ContainerRow, layout: TableLayout): Segment[] {
  const out: Segment[] = [];
  layout.columns.forEach(({ id, width }, i) => {
    if (i > 0) out.push({ text: ' '.repeat(GAP) });
    const cell = row.cells[id];
    out.push({ text: fit(cell.text, width, TOP_COLUMNS[id].align), ...(cell.tone ? { tone: cell.tone } : {}) });
    if (layout.barWidth > 0 && (id === 'cpu' || id === 'mem')) out.push({ text: ' ' + bar(row.bars[id], layout.barWidth), tone: 'bar' });
  });
  return out;
}

export function headerLine(layout: TableLayout, sort: { column: ColumnId; reverse: boolean }): string {
  return layout.columns
    .map(({ id, width }) => {
      const def = TOP_COLUMNS[id];
      const mark = id === sort.column ? (def.numeric !== sort.reverse ? '▼' : '▲') : '';
      const h = fit(def.header + mark, width, def.align);
      return layout.barWidth > 0 && (id === 'cpu' || id === 'mem') ? h + ' '.repeat(layout.barWidth + 1) : h;
    })
    .join(' '.repeat(GAP));
}

export const joinSegments = (segs: readonly Segment[]): string => segs.map((s) => s.text).join('').trimEnd();

/** Header lines: who the host is, how loaded it is, what runs on it. */
export function hostLines(frame: TopFrame): string[] {
  const s = frame.model.snapshot;
  const h = frame.summary;
  const byEngine = new Map<string, number>();
  for (const c of frame.model.containers) byEngine.set(c.engine ?? 'none', (byEngine.get(c.engine ?? 'none') ?? 0) + 1);
  const engines = [...byEngine].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([e, n]) => `${e} ${n}`);
  const mem = h.memTotalBytes === null ? '?' : h.memAvailableBytes === null ? `?/${formatBytes(h.memTotalBytes)}` : `${formatBytes(h.memTotalBytes - h.memAvailableBytes)}/${formatBytes(h.memTotalBytes)}`;
  const where = s.root.kind === 'live' && s.root.dir === '/' ? 'live' : `${s.root.kind} ${s.root.dir}`;
  return [
    `${s.hostname ?? '?'}  kernel ${s.kernel ?? '?'}  cgroup ${s.cgroupMode ?? '?'}  [${where}]`,
    `CPUs ${h.cpuCount ?? '?'}  load ${h.load ? h.load.map((x) => x.toFixed(2)).join(' ') : '?'}  mem ${mem}  up ${h.uptimeSec === null ? '?' : formatDuration(h.uptimeSec)}`,
    `containers ${frame.model.containers.length}${engines.length ? ` (${engines.join(', ')})` : ''}  pods ${frame.model.pods.length}  processes ${s.processes.length}`,
  ];
}

/**
 * Per-process CPU over the interval, matched by pid AND start time so a reused pid never diffs,
 * for processes whose counters were read in both refreshes (HostSnapshot.sampled).
 */
export function processCpuPercent(frame: TopFrame): Map<number, number> {
  const out = new Map<number, number>();
  const prev = frame.prev?.snapshot;
  const cur = frame.model.snapshot;
  if (!prev) return out;
  const dt = (cur.takenAtMs - prev.takenAtMs) / 1000;
  if (dt <= 0) return out;
  const before = new Map(prev.processes.map((p) => [p.pid, p]));
  for (const p of cur.processes) {
    const b = before.get(p.pid);
    if (!b || b.starttimeTicks !== p.starttimeTicks) continue;
    if (cur.sampled?.has(p.pid) === false || prev.sampled?.has(p.pid) === false) continue;
    const ticks = p.utimeTicks + p.stimeTicks - (b.utimeTicks + b.stimeTicks);
    out.set(p.pid, Math.max(0, (ticks / cur.clockTicksPerSec / dt) * 100));
  }
  return out;
}

/** The resources pane: every ContainerStats field, `-` where not collected, `?` where unreadable. */
export function statsLines(s: ContainerStats | undefined, frame: TopFrame, c: Container): string[] {
  const st = s ?? {};
  const line = (label: string, v: string): string => `${label.padEnd(11)}${v}`;
  const uptime = containerUptimeSec(c, frame);
  return [
    line('uptime', uptime === null ? '?' : formatDuration(uptime)),
    line('cpu', `${show(st.cpuPercent, (n) => `${pct(n)}%`)} of a CPU, ${show(cpuOfLimit(st), (n) => `${pct(n)}%`)} of limit ${show(st.cpuLimitCpus, (l) => limitText(l, (n) => `${n} CPUs`))}`),
    line('throttled', show(st.throttledPercent, (n) => `${pct(n)}% of periods`)),
    line('memory', `${show(st.memoryBytes, formatBytes)} / ${show(st.memoryLimitBytes, (l) => limitText(l, formatBytes))}`),
    line('pids', `${show(st.pids, String)} / ${show(st.pidsMax, (l) => limitText(l, String))}`),
    line('oom kills', show(st.oomKillsRecent, String)),
    line('pressure', show(st.pressurePercent, (n) => `${pct(n)}% some avg10`)),
    line('net rx/tx', `${show(st.netRxBytesPerSec, (n) => `${formatBytes(n)}/s`)} / ${show(st.netTxBytesPerSec, (n) => `${formatBytes(n)}/s`)}`),
    line('io r/w', `${show(st.ioReadBytesPerSec, (n) => `${formatBytes(n)}/s`)} / ${show(st.ioWriteBytesPerSec, (n) => `${formatBytes(n)}/s`)}`),
  ];
}

export interface DetailView {
  readonly title: string;
  readonly identity: readonly string[];
  readonly namespaces: readonly string[];
  readonly resources: readonly string[];
  readonly processHeader: string;
  readonly processes: readonly string[];
}

/** The detail view of one container: the `inspect` sections, one list of lines per pane. */
export function buildDetail(frame: TopFrame, key: string, cpuByPid: ReadonlyMap<number, number>): DetailView | null {
  const model = frame.model;
  const c = model.containers.find((x) => containerKey(x) === key);
  if (!c) return null;
  const kv = (k: string, v: string): string => `${k.padEnd(9)}${v}`;
  const s = model.snapshot;
  const identity = [
    kv('name', c.name ?? '-'),
    kv('id', c.id),
    kv('engine', `${c.engine ?? '-'}${c.runtime ? ` (${c.runtime})` : ''}`),
    kv('image', c.image ?? '-'),
    kv('pod', podLabel(model, c)),
    kv('pid', `${c.pid}, ${c.processes.length} processes`),
    kv('command', c.command.join(' ') || '-'),
    kv('cgroup', c.cgroup.path ?? '-'),
    kv('monitor', c.monitor ? `${c.monitor.kind} ${c.monitor.pid}` : '-'),
    ...c.evidence.map((e, i) => kv(i === 0 ? 'found by' : '', e)),
  ];
  const namespaces = NS_ORDER.map((t) => {
    const ino = c.namespaces[t];
    const where = ino === undefined ? '?' : c.hostNamespaces.includes(t) ? 'host' : s.hostNs[t] === undefined ? '' : 'private';
    return `${t.padEnd(7)}${ino === undefined ? '?' : String(ino)}  ${where}`;
  });
  const byPid = new Map(s.processes.map((p) => [p.pid, p]));
  const processes = c.processes.map((m) => {
    const p = byPid.get(m.pid);
    const cpu = cpuByPid.get(m.pid);
    const inner = m.nspid?.[m.nspid.length - 1];
    const cmd = p ? (p.cmdline && p.cmdline.length > 0 ? p.cmdline.join(' ') : `[${p.comm}]`) : '?';
    const via = m.via === 'private-namespaces' ? 'private-ns' : m.via;
    return `${String(m.pid).padStart(7)} ${String(inner ?? '-').padStart(6)} ${via.padEnd(10)} ${(cpu === undefined ? '-' : pct(cpu)).padStart(5)} ${(p?.state ?? '?').padEnd(2)}${String(p?.threads ?? '?').padStart(4)}  ${cmd}`;
  });
  for (const pm of c.partialMembers) processes.push(`${String(pm.pid).padStart(7)} ${'-'.padStart(6)} ${'partial'.padEnd(10)} ${''.padStart(5)}       ${pm.comm} (shares ${pm.shared.join(',')})`);
  return {
    title: `${c.name ?? shortId(c)} — ${c.engine ?? 'no engine'}`,
    identity,
    namespaces,
    resources: statsLines(frame.stats.get(key), frame, c),
    processHeader: `${'PID'.padStart(7)} ${'NSPID'.padStart(6)} ${'VIA'.padEnd(10)} ${'CPU%'.padStart(5)} ST ${'THR'.padStart(3)}  COMMAND`,
    processes,
  };
}

const NS_ORDER = ['mnt', 'pid', 'net', 'uts', 'ipc', 'user', 'cgroup', 'time'] as const;

const TICKS = '▁▂▃▄▅▆▇█';

/**
 * A one-line sparkline of the last `width` points, scaled to their own maximum (blessed-contrib's
 * sparkline widget spends three lines per series, which 80x24 cannot afford). Unknown points
 * are blanks.
 */
export function sparkline(values: readonly (number | null)[], width: number): string {
  const pts = values.slice(-Math.max(0, width));
  const max = Math.max(0, ...pts.map((v) => v ?? 0));
  return pts.map((v) => (v === null ? ' ' : TICKS[max <= 0 ? 0 : Math.min(TICKS.length - 1, Math.round((v / max) * (TICKS.length - 1)))])).join('');
}

/** The sparkline pane: one line per series, with its latest value, or why it is empty. */
export function historyLines(series: { readonly cpu: readonly (number | null)[]; readonly mem: readonly (number | null)[]; readonly net: readonly (number | null)[] } | undefined, width: number): string[] {
  const line = (name: string, a: readonly (number | null)[], f: (n: number) => string): string => {
    const last = [...a].reverse().find((x) => x !== null);
    if (last === undefined || last === null) return `${name.padEnd(4)}${'-'.padStart(8)}  not collected`;
    return `${name.padEnd(4)}${f(last).padStart(8)}  ${sparkline(a, Math.max(1, width - 14))}`;
  };
  return [line('cpu', series?.cpu ?? [], (n) => `${pct(n)}%`), line('mem', series?.mem ?? [], formatBytes), line('net', series?.net ?? [], (n) => `${formatBytes(n)}/s`)];
}
