/** `top --batch` without --json: the dashboard's header and table as plain text, like `top -b`. */
import type { TopFrame } from '../../src/model/container-stats.js';
import { initialState, visibleItems } from '../tui/state.js';
import { buildRows, headerLine, hostLines, joinSegments, layoutTable, rowSegments } from '../tui/view-model.js';

export function renderTopFrame(frame: TopFrame, width = Infinity): string {
  const rows = buildRows(frame);
  const layout = layoutTable(rows, width);
  const lines = [`ctrscope top - ${new Date(frame.model.snapshot.takenAtMs).toISOString()}`, ...hostLines(frame), '', headerLine(layout, initialState.sort).trimEnd()];
  for (const it of visibleItems(rows, initialState)) if (it.kind === 'row') lines.push(joinSegments(rowSegments(it.row, layout)));
  return lines.join('\n') + '\n\n';
}
