/**
 * /proc/<pid>/ns/* — namespaces(7). Each entry is a magic link whose text is `type:[inode]`,
 * e.g. `net:[4026531840]`. Same inode (on the one nsfs) means same namespace. We take identity
 * from the link text, not from stat(), so that a recorded tree (dangling links holding the
 * kernel's text) replays exactly.
 */
import { ParseError } from '../read.js';

export function parseNsLink(text: string): { type: string; inode: number } {
  const inode = parseNsInode(text);
  return { type: text.slice(0, text.indexOf(':')), inode };
}

/**
 * The inode of a `type:[inode]` text. Read ten times per process by every scan, so it checks the
 * text char by char instead of matching a regular expression (no match array, no substrings).
 */
export function parseNsInode(text: string): number {
  const colon = text.indexOf(':');
  let ok = colon > 0 && text.charCodeAt(colon + 1) === 91 /* [ */ && text.charCodeAt(text.length - 1) === 93; /* ] */
  for (let i = 0; ok && i < colon; i++) {
    const c = text.charCodeAt(i);
    ok = (c >= 97 && c <= 122) || c === 95; // a-z, _
  }
  let inode = 0;
  const end = text.length - 1;
  if (ok && end <= colon + 2) ok = false; // no digits
  for (let i = colon + 2; ok && i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    ok = c >= 0 && c <= 9;
    inode = inode * 10 + c;
  }
  if (!ok) throw new ParseError('expected "type:[inode]"', text);
  if (!Number.isSafeInteger(inode)) throw new ParseError('inode out of range', text);
  return inode;
}
