/**
 * How every view writes numbers for people: sizes, rates and durations. Pure; `--json` never
 * uses these (it carries the raw numbers).
 */

const SHORT_UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

/** A table cell's size, 1024-based, 3 significant figures at most: 512B 1.5K 23M 1.2G. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < SHORT_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const s = u === 0 || v >= 10 ? String(Math.round(v)) : v.toFixed(1);
  // 1023.6K rounds to "1024K"; say 1.0M instead.
  if (s === '1024' && u < SHORT_UNITS.length - 1) return `1.0${SHORT_UNITS[u + 1]}`;
  return `${s}${SHORT_UNITS[u]}`;
}

const LONG_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** A size in a sentence (inspect's report): 512 B, 1.5 KiB, 64.0 MiB, 120 GiB. */
export function formatBytesLong(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < LONG_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${LONG_UNITS[i]}`;
}

const RATE_UNITS = ['', 'K', 'M', 'G', 'T'];

/** Bytes per second in at most 4 characters (ps's NET): 0, 812, 12K, 3.4M. */
export function formatRate(bps: number): string {
  let v = bps;
  let i = 0;
  while (v >= 1000 && i < RATE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i > 0 && v < 10 ? v.toFixed(1) : Math.round(v)}${RATE_UNITS[i]}`;
}

/** A duration, two units at most: 3d04h, 5h07m, 12m03s, 42s. */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (x: number): string => String(x).padStart(2, '0');
  if (d > 0) return `${d}d${pad(h)}h`;
  if (h > 0) return `${h}h${pad(m)}m`;
  if (m > 0) return `${m}m${pad(s % 60)}s`;
  return `${s}s`;
}
