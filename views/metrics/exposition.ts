/**
 * The Prometheus exposition formats, written directly: the text format 0.0.4 and OpenMetrics
 * 1.0.0 (what Prometheus asks for first). A MetricFamily holds its samples with their label text
 * already rendered, so the labels a container's ~40 series share are escaped once per scrape.
 *
 * The two formats differ in three ways that matter here: an OpenMetrics counter family is named
 * without `_total` while its samples keep it; an `info` family is named without `_info`; and the
 * exposition ends with `# EOF`. The text format has no info type: it is a gauge there.
 */

export type MetricType = 'counter' | 'gauge' | 'info' | 'histogram' | 'unknown';
export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPE: Readonly<Record<ExpositionFormat, string>> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

export interface Sample {
  /** Rendered label pairs without braces (`id="…",name="…"`), '' for none: see labelText(). */
  readonly labels: string;
  readonly value: number;
  /** A sample named other than its family (a histogram's `_bucket`, `_sum`, `_count`). */
  readonly name?: string;
}

export interface MetricFamily {
  /** The sample name: counters end in `_total`, info families in `_info`. */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

const escapeValue = (v: string): string => (/[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v);

/** Label pairs in order; a pair whose value is null or '' is left out (Prometheus reads it as absent). */
export function labelText(pairs: readonly (readonly [string, string | null | undefined])[]): string {
  let out = '';
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === '') continue;
    out += `${out === '' ? '' : ','}${k}="${escapeValue(v)}"`;
  }
  return out;
}

/** Two rendered label texts as one. */
export const joinLabels = (a: string, b: string): string => (a === '' ? b : b === '' ? a : `${a},${b}`);

function valueText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const escapeHelp = (h: string): string => h.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function familyName(f: MetricFamily, format: ExpositionFormat): string {
  if (format === 'text') return f.name;
  if (f.type === 'counter') return f.name.replace(/_total$/, '');
  if (f.type === 'info') return f.name.replace(/_info$/, '');
  return f.name;
}

const typeText = (t: MetricType, format: ExpositionFormat): string => (format === 'text' ? (t === 'info' ? 'gauge' : t === 'unknown' ? 'untyped' : t) : t);

/**
 * The exposition of some families, each written whole, in the order given. `end: false` leaves
 * out OpenMetrics' closing `# EOF`, for a part that more families follow.
 */
export function renderExposition(families: readonly MetricFamily[], format: ExpositionFormat, end = true): string {
  const parts: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    const name = familyName(f, format);
    parts.push(`# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${typeText(f.type, format)}\n`);
    for (const s of f.samples) parts.push(`${s.name ?? f.name}${s.labels === '' ? '' : `{${s.labels}}`} ${valueText(s.value)}\n`);
  }
  if (format === 'openmetrics' && end) parts.push('# EOF\n');
  return parts.join('');
}

/** The format a scraper asks for in its Accept header: OpenMetrics when it lists it, else text. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'text';
}
