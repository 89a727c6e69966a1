/**
 * A JSON document written out in pieces, one element of its largest array at a time, as the
 * very bytes `JSON.stringify(doc, null, 2) + '\n'` would make. `ps --json` on a host with a
 * thousand containers is ~14 MB of text: built whole, every container's JSON object lives until
 * the last one is made (the garbage collector copies them all from the young generation, some
 * twice), and the text, one 14 MB string, is copied again into a 14 MB buffer to be written.
 * In pieces, each container's object dies as soon as its text is made.
 */

/**
 * How `JSON.stringify([[x]], null, 2)` opens and closes: x is two levels deep, as an element of
 * an array that is a property of the top-level object is, so its text is indented as it would be
 * there.
 */
const NESTED_OPEN = '[\n  [\n    ';
const NESTED_CLOSE = '\n  ]\n]';
/**
 * Text handed to `write` at once: tens of kilobytes, not one call per element. Kept under 128 KiB
 * once encoded, glibc's default mmap threshold: each larger buffer Node allocates to encode a
 * piece is mapped and unmapped again, its pages faulted in anew (pieces of 128 KiB and more
 * cost twice the CPU of 32-64 KiB ones, measured writing `ps --json` of 1,000 containers).
 */
const PIECE_CHARS = 32 * 1024;

/**
 * Write `JSON.stringify({ ...head, [key]: items.map(toJson) }, null, 2) + '\n'` through `write`,
 * in pieces of PIECE_CHARS or a little more. `head` holds `key` (with any value) where the array belongs in the key order.
 */
export function writeJsonInPieces<T>(head: Record<string, unknown>, key: string, items: readonly T[], toJson: (item: T) => unknown, write: (text: string) => void): void {
  const text = JSON.stringify({ ...head, [key]: [] }, null, 2);
  if (items.length === 0) {
    write(text + '\n');
    return;
  }
  // Top-level keys alone sit after a newline and two spaces (deeper ones after more, and a
  // newline inside a string value is escaped): this is the one place the array goes.
  const empty = `\n  ${JSON.stringify(key)}: []`;
  const at = text.indexOf(empty) + empty.length - 1;
  let piece = text.slice(0, at) + '\n    ';
  for (let i = 0; i < items.length; i++) {
    const nested = JSON.stringify([[toJson(items[i] as T)]], null, 2);
    piece += (i === 0 ? '' : ',\n    ') + nested.slice(NESTED_OPEN.length, nested.length - NESTED_CLOSE.length);
    if (piece.length >= PIECE_CHARS) {
      write(piece);
      piece = '';
    }
  }
  write(piece + '\n  ' + text.slice(at) + '\n');
}
