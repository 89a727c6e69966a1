/** Plain aligned text tables. Pure: rows in, string out. */

export interface Column<R> {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Columns marked flexible are cut (with …) to fit `width` when the table is too wide. */
  readonly flexible?: boolean;
  readonly value: (row: R) => string;
}

export function renderTable<R>(columns: readonly Column<R>[], rows: readonly R[], width = Infinity): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r).replace(/[\n\t]/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] as string).length)));
  const total = widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1);
  if (total > width) {
    let excess = total - width;
    for (let i = columns.length - 1; i >= 0 && excess > 0; i--) {
      if (!columns[i]?.flexible) continue;
      const w = widths[i] as number;
      const min = Math.max((columns[i] as Column<R>).header.length, 8);
      const cut = Math.min(excess, Math.max(0, w - min));
      widths[i] = w - cut;
      excess -= cut;
    }
  }
  const fit = (s: string, w: number): string => (s.length > w ? s.slice(0, Math.max(0, w - 1)) + '…' : s);
  const line = (vals: readonly string[]): string =>
    vals
      .map((v, i) => {
        const w = widths[i] as number;
        const s = fit(v, w);
        return columns[i]?.align === 'right' ? s.padStart(w) : i === vals.length - 1 ? s : s.padEnd(w);
      })
      .join('  ');
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}
