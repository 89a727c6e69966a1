/** `top --batch` without --json: the dashboard's header and table as plain text, like `top -b`. */
import type { TopFrame } from '../../src/model/container-stats.js';
import { initialState, visibleItems, type TopState } from '../tui/state.js';
import { buildRows, headerLine, hostLines, joinSegments, layoutTable, rowSegments } from '../tui/view-model.js';

/** `state` carries `--sort` and `--filter` (the dashboard's start state). */
export function renderTopFrame(frame: TopFrame, width = Infinity, state: TopState = initialState): string {
  const rows = buildRows(frame);
  const layout = layoutTable(rows, width, state.sort.column);
  const lines = [`ctrscope top - ${new Date(frame.model.snapshot.takenAtMs).toISOString()}`, ...hostLines(frame), '', headerLine(layout, state.sort).trimEnd()];
  for (const it of visibleItems(rows, state)) if (it.kind === 'row') lines.push(joinSegments(rowSegments(it.row, layout)));
  return lines.join('\n') + '\n\n';
}
