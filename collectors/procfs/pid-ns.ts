/**
 * /proc/<pid>/ns/* — namespaces(7). Each entry is a magic link whose text is `type:[inode]`,
 * e.g. `net:[4026531840]`. Same inode (on the one nsfs) means same namespace. We take identity
 * from the link text, not from stat(), so that a recorded tree (dangling links holding the
 * kernel's text) replays exactly.
 */
import { ParseError, parseSafeInt } from '../read.js';

export function parseNsLink(text: string): { type: string; inode: number } {
  const m = /^([a-z_]+):\[(\d+)\]$/.exec(text);
  if (!m) throw new ParseError('expected "type:[inode]"', text);
  return { type: m[1] as string, inode: parseSafeInt(m[2] as string, 'inode') };
}
