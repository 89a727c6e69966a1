/**
 * A JSON document written out in pieces, a few elements of its largest array at a time, as the
 * very bytes `JSON.stringify(doc, null, 2) + '\n'` would make. `ps --json` on a host with a
 * thousand containers is ~14 MB of text: built whole, every container's JSON object lives until
 * the last one is made (the garbage collector copies them all from the young generation, some
 * twice), and the text, one 14 MB string, is copied again into a 14 MB buffer to be written.
 * In pieces, each container's object dies as soon as its batch's text is made.
 */

/**
 * How `JSON.stringify([batch], null, 2)` opens and closes: the batch's elements are two levels
 * deep, as the elements of an array that is a property of the top-level object are, so they are
 * indented, and separated, as they would be there.
 */
const NESTED_OPEN = '[\n  [\n    ';
const NESTED_CLOSE = '\n  ]\n]';
/**
 * A batch followed by more elements ends with this one more: its text then ends with the
 * separator the next batch's first element needs, and the 0 is cut off with the close.
 */
const FOLLOWED = 0;
const FOLLOWED_CLOSE = `${FOLLOWED}${NESTED_CLOSE}`;
/**
 * Text handed to `write` at once: tens of kilobytes. Kept under 128 KiB once encoded, glibc's
 * default mmap threshold: each larger buffer Node allocates to encode a piece is mapped and
 * unmapped again, its pages faulted in anew (pieces of 128 KiB and more cost twice the CPU of
 * 32-64 KiB ones, measured writing `ps --json` of 1,000 containers).
 */
const PIECE_CHARS = 32 * 1024;

/**
 * Write `JSON.stringify({ ...head, [key]: items.map(toJson) }, null, 2) + '\n'` through `write`,
 * in pieces of about PIECE_CHARS: as many elements at a time as make that many characters, by
 * the length of those before. Each batch's text is cut out of its JSON whole, with the separator
 * that follows it, and handed on as it is, not joined to others first (JSON.stringify's result is
 * built of parts: cutting it copies it once, joining would copy it again). `head` holds `key`
 * (with any value) where the array belongs in the key order.
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
  write(text.slice(0, at) + '\n    ');
  let chars = 0;
  for (let i = 0; i < items.length; ) {
    const n = i === 0 ? 1 : Math.max(1, Math.floor(PIECE_CHARS / (chars / i)));
    const batch: unknown[] = [];
    for (let j = i; j < i + n && j < items.length; j++) batch.push(toJson(items[j] as T));
    const count = batch.length;
    const last = i + count === items.length;
    if (!last) batch.push(FOLLOWED);
    const nested = JSON.stringify([batch], null, 2);
    const piece = nested.slice(NESTED_OPEN.length, nested.length - (last ? NESTED_CLOSE.length : FOLLOWED_CLOSE.length));
    write(piece);
    chars += piece.length;
    i += count;
  }
  write('\n  ' + text.slice(at) + '\n');
}
