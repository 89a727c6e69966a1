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
import { diagnoseResources } from '../../src/model/diagnosis.js';
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
  id: { header: 'ID', key: 'I', align: 'left', min: 12, max: 22, priority: 7, numeric: false, help: 'engine id (12 chars) or derived ns-<type>-<inode>' },
  engine: { header: 'ENGINE', key: 'E', align: 'left', min: 6, max: 14, priority: 3, numeric: false, help: 'engine that started it (- for hand-made)' },
  pod: { header: 'POD', key: 'O', align: 'left', min: 8, max: 24, priority: 6, numeric: false, help: 'pod name or id; * marks the infra container' },
  pid: { header: 'PID', key: 'P', align: 'right', min: 3, max: 8, priority: 6.5, numeric: true, help: 'host pid of the first process' },
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

/**
 * The column a `--sort` names: its id (`cpuLimit`), its header (`%LIM`, `MEM/LIMIT`) or the
 * header's first word (`mem`, `net`), any case; null if none.
 */
export function sortColumnNamed(text: string): ColumnId | null {
  const t = text.toLowerCase();
  for (const id of COLUMN_IDS) {
    const h = TOP_COLUMNS[id].header.toLowerCase();
    if (t === id.toLowerCase() || t === h || t === h.split(/[ /]/)[0] || t === h.replace(/%/g, '')) return id;
  }
  return null;
}

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
  /** Lower-cased text a plain `/` filter term matches: name, id, engine, pod, image, command. */
  readonly search: string;
  /** Lower-cased text a `field:` filter term matches, per field. */
  readonly fields: Readonly<Record<FilterField, string>>;
}

/** The fields a `/` filter term can name (`engine:podman`); a term without one matches any. */
export const FILTER_FIELDS = ['name', 'id', 'engine', 'pod', 'image', 'cmd'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/**
 * A `/` filter: terms separated by spaces, all of which must match. `field:text` matches that
 * field only (pod names as the POD column shows them, without the infra mark), plain `text`
 * any of them; case is ignored. `pod:` with no text keeps containers in a pod.
 */
export function rowMatcher(expr: string): (row: ContainerRow) => boolean {
  const terms = expr
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t) => {
      const m = /^([a-z]+):(.*)$/.exec(t);
      const field = m && (FILTER_FIELDS as readonly string[]).includes(m[1] as string) ? (m[1] as FilterField) : null;
      return { field, text: field === null ? t : (m?.[2] as string) };
    });
  if (terms.length === 0) return () => true;
  // `pod:` alone: in a pod (any field with no text: that field is known).
  return (row) => terms.every((t) => (t.field === null ? row.search.includes(t.text) : t.text === '' ? row.fields[t.field] !== '' : row.fields[t.field].includes(t.text)));
}

/** A `/` filter's error, or null: a `word:` prefix that names no field. */
export function filterProblem(expr: string): string | null {
  for (const t of expr.toLowerCase().split(/\s+/)) {
    const m = /^([a-z]+):/.exec(t);
    if (m && !(FILTER_FIELDS as readonly string[]).includes(m[1] as string)) return `no field "${m[1]}:"; fields are ${FILTER_FIELDS.map((f) => `${f}:`).join(' ')}`;
  }
  return null;
}

/**
 * A percentage in at most 4 characters below 1000: one decimal under 100, whole from 99.95 up
 * (which one decimal would round to a 5-character "100.0").
 */
export const pct = (n: number): string => (n >= 99.95 ? String(Math.round(n)) : n.toFixed(1));

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

/** A mark before a row's name (a recent event: `!` OOM, `↻` exit, `+` join) and its tone. */
export type RowMarker = (key: string) => { readonly mark: string; readonly tone: Tone } | null;

/** What a row holds that only its container decides (and its pod's label). */
interface RowIdentity {
  readonly key: string;
  readonly podLabel: string;
  readonly command: string;
  readonly cells: Pick<Record<ColumnId, Cell>, 'id' | 'engine' | 'pod' | 'pid' | 'command'>;
  readonly search: string;
  readonly fields: Readonly<Record<FilterField, string>>;
}

/**
 * Per model's pods, then per container: the model keeps the same Container objects (and pods)
 * from refresh to refresh while nothing changed, so a row's identity is worked out once, not
 * at every refresh for every row.
 */
const identities = new WeakMap<object, WeakMap<Container, RowIdentity>>();

function rowIdentity(model: HostModel, c: Container): RowIdentity {
  let byContainer = identities.get(model.pods);
  if (byContainer === undefined) identities.set(model.pods, (byContainer = new WeakMap()));
  let id = byContainer.get(c);
  if (id !== undefined) return id;
  const pod = podLabel(model, c);
  const command = c.command.join(' ');
  id = {
    key: containerKey(c),
    podLabel: pod,
    command,
    cells: { id: { text: shortId(c) }, engine: { text: c.engine ?? '-' }, pod: { text: pod }, pid: { text: String(c.pid) }, command: { text: command || '-' } },
    search: [c.name, c.id, c.engine, pod, c.image, command].filter((x) => x).join(' ').toLowerCase(),
    fields: {
      name: (c.name ?? '').toLowerCase(),
      id: c.id.toLowerCase(),
      engine: (c.engine ?? 'none').toLowerCase(),
      pod: c.pod === null ? '' : podName(pod).toLowerCase(),
      image: (c.image ?? '').toLowerCase(),
      cmd: command.toLowerCase(),
    },
  };
  byContainer.set(c, id);
  return id;
}

export function buildRow(model: HostModel, c: Container, frame: TopFrame, marker?: RowMarker): ContainerRow {
  const ident = rowIdentity(model, c);
  const key = ident.key;
  const marked = marker?.(key) ?? null;
  const s: ContainerStats = frame.stats.get(key) ?? {};
  const pod = ident.podLabel;
  const uptime = containerUptimeSec(c, frame);
  const ofLimit = cpuOfLimit(s);
  const memLimit = finite(s.memoryLimitBytes);
  const memFrac = s.memoryBytes == null ? null : memLimit !== null ? s.memoryBytes / memLimit : frame.summary.memTotalBytes ? s.memoryBytes / frame.summary.memTotalBytes : null;
  const pidsMax = finite(s.pidsMax);
  const cpus = frame.summary.cpuCount;
  const pressure = s.pressurePercent ?? 0;
  const tone = (crit: boolean, warn: boolean): Tone | undefined => (crit ? 'crit' : warn ? 'warn' : undefined);
  const cells: Record<ColumnId, Cell> = {
    name: { text: marked === null ? (c.name ?? '-') : `${marked.mark} ${c.name ?? '-'}`, ...opt(tone((s.oomKillsRecent ?? 0) > 0 || marked?.tone === 'crit', marked?.tone === 'warn')) },
    id: ident.cells.id,
    engine: ident.cells.engine,
    pod: ident.cells.pod,
    pid: ident.cells.pid,
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
    command: ident.cells.command,
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
      command: ident.command,
    },
    bars: { cpu: s.cpuPercent == null || !cpus ? null : s.cpuPercent / (100 * cpus), mem: memFrac },
    search: ident.search,
    fields: ident.fields,
  };
}

/** A POD cell without its infra mark: the name `inspect` and `enter` take as a target. */
export const podName = (label: string): string => label.replace(/\*$/, '');

const opt = (t: Tone | undefined): { tone?: Tone } => (t === undefined ? {} : { tone: t });

export function buildRows(frame: TopFrame, marker?: RowMarker): ContainerRow[] {
  return frame.model.containers.map((c) => buildRow(frame.model, c, frame, marker));
}

/**
 * localeCompare's order, from one collator: the dashboard sorts every row twice a refresh. Made
 * on first use: creating it loads ICU's collation data, ~8 ms that `ps` and `ns` never need.
 */
let collator: Intl.Collator | undefined;
const text = (): Intl.Collator => (collator ??= new Intl.Collator());

/** Order rows by a column: numbers largest first and text A→Z by default; unknowns last either way. */
export function compareRows(column: ColumnId, reverse: boolean): (a: ContainerRow, b: ContainerRow) => number {
  const numeric = TOP_COLUMNS[column].numeric;
  return (a, b) => {
    const x = a.sortBy[column];
    const y = b.sortBy[column];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      let d = typeof x === 'number' && typeof y === 'number' ? x - y : text().compare(String(x), String(y));
      if (numeric) d = -d;
      if (d !== 0) return reverse ? -d : d;
    }
    // Ties keep a stable, readable order so rows don't shuffle between refreshes.
    return text().compare(a.container.name ?? '\uffff', b.container.name ?? '\uffff') || text().compare(a.key, b.key);
  };
}

export interface TableLayout {
  readonly columns: readonly { readonly id: ColumnId; readonly width: number }[];
  /** Width of the CPU and MEM bars, 0 when there is no room for them. */
  readonly barWidth: number;
  /** Columns left out for want of room (not those the user hid). */
  readonly hidden: readonly ColumnId[];
}

const GAP = 1;

/**
 * Which columns fit in `width`, and how wide each is. Columns take their natural width (header
 * or widest value, within min..max), except POD and COMMAND, which count at their minimum while
 * the highest-priority-number columns are dropped until the rest fit. What is left widens POD
 * towards its natural width, then buys CPU and MEM bars, and COMMAND takes the rest.
 */
export function layoutTable(rows: readonly ContainerRow[], width: number, sortColumn?: ColumnId, chosenHidden: readonly ColumnId[] = []): TableLayout {
  const natural = new Map<ColumnId, number>();
  for (const id of COLUMN_IDS) {
    const def = TOP_COLUMNS[id];
    // The sort column's header carries its ▼ or ▲.
    let w = def.header.length + (id === sortColumn ? 1 : 0);
    for (const r of rows) w = Math.max(w, r.cells[id].text.length);
    natural.set(id, Math.min(def.max, Math.max(def.min, w)));
  }
  const nat = (id: ColumnId): number => natural.get(id) as number;
  // NAME and ID are what people read rows by: they keep their natural width while other
  // columns are dropped, and NAME is cut only when nothing else is left to drop.
  const least = (id: ColumnId): number => (id === 'pod' || id === 'command' ? Math.min(nat(id), TOP_COLUMNS[id].min) : nat(id));
  const total = (ids: readonly ColumnId[], f: (id: ColumnId) => number): number => ids.reduce((a, id) => a + f(id), 0) + GAP * Math.max(0, ids.length - 1);
  // Columns hidden with the column chooser are not laid out at all (NAME always is).
  const wanted = COLUMN_IDS.filter((id) => id === 'name' || !chosenHidden.includes(id));
  let shown: ColumnId[] = [...wanted];
  // Not a terminal (batch output to a pipe): every column at its natural width, no bars.
  if (!Number.isFinite(width)) return { columns: shown.map((id) => ({ id, width: nat(id) })), barWidth: 0, hidden: [] };
  // The sort column stays, so its ▼ is always on screen.
  const priority = (id: ColumnId): number => (id === sortColumn ? 0 : TOP_COLUMNS[id].priority);
  while (total(shown, least) > width) {
    const worst = shown.reduce((a, b) => (priority(b) > priority(a) ? b : a));
    if (priority(worst) === 0) break;
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
  return { columns: shown.map((id) => ({ id, width: widths.get(id) as number })), barWidth, hidden: wanted.filter((id) => !shown.includes(id)) };
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
  const ofA = show(st.cpuPercent, (n) => `${pct(n)}%`);
  // Without a CFS quota there is no limit to be a share of, and nothing is throttled.
  const cpu = st.cpuLimitCpus === 'unlimited' ? `${ofA} of a CPU, no CPU limit` : `${ofA} of a CPU, ${show(cpuOfLimit(st), (n) => `${pct(n)}%`)} of its limit ${show(st.cpuLimitCpus, (n) => `${n} CPUs`)}`;
  return [
    line('uptime', uptime === null ? '?' : formatDuration(uptime)),
    line('cpu', cpu),
    line('throttled', st.cpuLimitCpus === 'unlimited' ? 'never (no CPU limit)' : show(st.throttledPercent, (n) => `${pct(n)}% of periods`)),
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
  /** `inspect`'s one-line diagnoses of its resources (what is wrong, which limit causes it). */
  readonly diagnoses: readonly string[];
  readonly identity: readonly string[];
  readonly namespaces: readonly string[];
  readonly resources: readonly string[];
  readonly processHeader: string;
  /** One line per process, in tree order (processRows' text). */
  readonly processes: readonly string[];
  /** The same processes, selectable: who each line is (pid and start time) and its command. */
  readonly processRows: readonly ProcessRow[];
  /** Recent events of this container, newest first, one line each. */
  readonly events: readonly string[];
}

/** One line of the detail view's process tree: a process the cursor can select. */
export interface ProcessRow {
  readonly pid: number;
  /** With the pid, the process's identity (a pid can be reused by another process). */
  readonly starttimeTicks: number | null;
  /** Its command line, or `[comm]`. */
  readonly command: string;
  readonly text: string;
}

/**
 * A container's processes as a tree by parent pid, depth first, children by pid; a process
 * whose parent is not in the container is a root. Partial members (sharing only some
 * namespaces) follow, each a root of its own.
 */
export function processTree(frame: TopFrame, c: Container, cpuByPid: ReadonlyMap<number, number>): ProcessRow[] {
  const byPid = new Map(frame.model.snapshot.processes.map((p) => [p.pid, p]));
  const members = new Map(c.processes.map((m) => [m.pid, m]));
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  for (const m of c.processes) {
    const ppid = byPid.get(m.pid)?.ppid;
    if (ppid !== undefined && ppid !== m.pid && members.has(ppid)) {
      const list = children.get(ppid);
      if (list) list.push(m.pid);
      else children.set(ppid, [m.pid]);
    } else roots.push(m.pid);
  }
  const out: ProcessRow[] = [];
  const seen = new Set<number>();
  const visit = (pid: number, lead: string, branch: string): void => {
    if (seen.has(pid)) return;
    seen.add(pid);
    const m = members.get(pid);
    const p = byPid.get(pid);
    const cpu = cpuByPid.get(pid);
    const inner = m?.nspid?.[m.nspid.length - 1];
    const command = p ? (p.cmdline && p.cmdline.length > 0 ? p.cmdline.join(' ') : `[${p.comm}]`) : '?';
    const via = m?.via === 'private-namespaces' ? 'private-ns' : (m?.via ?? '?');
    const text = `${String(pid).padStart(7)} ${String(inner ?? '-').padStart(6)} ${via.padEnd(10)} ${(cpu === undefined ? '-' : pct(cpu)).padStart(5)} ${(p?.state ?? '?').padEnd(2)}${String(p?.threads ?? '?').padStart(4)}  ${lead}${branch}${command}`;
    out.push({ pid, starttimeTicks: p?.starttimeTicks ?? null, command, text });
    const kids = (children.get(pid) ?? []).sort((a, b) => a - b);
    const next = lead + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    kids.forEach((k, i) => visit(k, next, i === kids.length - 1 ? '└─ ' : '├─ '));
  };
  for (const r of roots.sort((a, b) => a - b)) visit(r, '', '');
  for (const pm of c.partialMembers) {
    const p = byPid.get(pm.pid);
    out.push({
      pid: pm.pid,
      starttimeTicks: p?.starttimeTicks ?? null,
      command: p?.cmdline && p.cmdline.length > 0 ? p.cmdline.join(' ') : pm.comm,
      text: `${String(pm.pid).padStart(7)} ${'-'.padStart(6)} ${'partial'.padEnd(10)} ${''.padStart(5)}       ${pm.comm} (shares ${pm.shared.join(',')})`,
    });
  }
  return out;
}

/** The detail view of one container: the `inspect` sections, one list of lines per pane. */
export function buildDetail(frame: TopFrame, key: string, cpuByPid: ReadonlyMap<number, number>, events: readonly string[] = []): DetailView | null {
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
  const tree = processTree(frame, c, cpuByPid);
  const processes = tree.map((r) => r.text);
  const resources = frame.observation.resources.get(key);
  return {
    title: `${c.name ?? shortId(c)} — ${c.engine ?? 'no engine'}`,
    diagnoses: resources === undefined ? [] : diagnoseResources(resources),
    identity,
    namespaces,
    resources: statsLines(frame.stats.get(key), frame, c),
    processHeader: `${'PID'.padStart(7)} ${'NSPID'.padStart(6)} ${'VIA'.padEnd(10)} ${'CPU%'.padStart(5)} ST ${'THR'.padStart(3)}  COMMAND`,
    processes,
    processRows: tree,
    events,
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

/** One line of the detail pane; `head` lines name a section. */
export interface DetailLine {
  readonly text: string;
  readonly tone?: Tone | 'bar' | 'head';
  /** The line shows this process (an index into DetailView.processRows), or its continuation. */
  readonly process?: number;
}

/** Cut a line into pieces of at most `width` characters, continuations indented by `indent`. */
export function wrap(text: string, width: number, indent = 0): string[] {
  if (width < 2 || text.length <= width) return [text];
  const out = [text.slice(0, width)];
  const room = Math.max(1, width - indent);
  for (let i = width; i < text.length; i += room) out.push(' '.repeat(indent) + text.slice(i, i + room));
  return out;
}

/** Two columns of lines, the left one padded to `leftWidth`, a blank between. */
function sideBySide(left: readonly DetailLine[], right: readonly DetailLine[], leftWidth: number): DetailLine[] {
  const out: DetailLine[] = [];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const l = left[i];
    const r = right[i];
    const tone = l?.tone ?? r?.tone;
    out.push({ text: `${fit(l?.text ?? '', leftWidth)} ${r?.text ?? ''}`.trimEnd(), ...(tone ? { tone } : {}) });
  }
  return out;
}

/** The threshold, in columns, from which the detail pane puts sections side by side. */
export const DETAIL_TWO_COLUMNS = 110;

/**
 * The whole detail view as one list of lines for a scrolling pane `width` characters wide:
 * diagnoses first, then resources, the last minutes, identity, namespaces and processes. Long
 * values wrap instead of being cut, so everything is reachable by scrolling at 80x24; from
 * DETAIL_TWO_COLUMNS columns on, pairs of sections sit side by side.
 */
export function detailLines(d: DetailView, series: Parameters<typeof historyLines>[0], width: number): DetailLine[] {
  const two = width >= DETAIL_TWO_COLUMNS;
  const half = two ? Math.floor((width - 1) / 2) : width;
  const head = (t: string, w: number): DetailLine => ({ text: `── ${t} `.padEnd(w, '─'), tone: 'head' });
  const plain = (lines: readonly string[], w: number, indent: number): DetailLine[] => lines.flatMap((l) => wrap(l, w, indent)).map((text) => ({ text }));
  const diagnoses: DetailLine[] = [
    head('diagnosis', width),
    ...(d.diagnoses.length === 0 ? [{ text: 'no resource problem seen' }] : d.diagnoses.flatMap((x) => wrap(`!! ${x}`, width, 3).map((text) => ({ text, tone: 'crit' as const })))),
  ];
  const resources = [head('resources', half), ...plain(d.resources, half, 11)];
  const minutes = [head('last minutes', half), ...historyLines(series, half).map((text) => ({ text, tone: 'bar' as const }))];
  const identityWidth = two ? width - 30 : width;
  const identity = [head('container', identityWidth), ...plain(d.identity, identityWidth, 9)];
  const namespaces = [head('namespaces', two ? 29 : width), ...plain(d.namespaces, two ? 29 : width, 7)];
  const processes: DetailLine[] = [
    head(`processes (${d.processes.length})`, width),
    { text: d.processHeader, tone: 'head' as const },
    ...d.processes.flatMap((l, process) => wrap(l, width, 45).map((text) => ({ text, process }))),
  ];
  const events: DetailLine[] = [head('events', width), ...(d.events.length === 0 ? [{ text: 'none seen since top started' }] : plain(d.events, width, 9))];
  if (!two) return [...diagnoses, ...events, ...resources, ...minutes, ...identity, ...namespaces, ...processes];
  return [...diagnoses, ...events, ...sideBySide(resources, minutes, half), ...sideBySide(identity, namespaces, identityWidth), ...processes];
}
