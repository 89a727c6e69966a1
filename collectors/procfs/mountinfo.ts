/**
 * /proc/<pid>/mountinfo — proc(5) "/proc/pid/mountinfo", kernel fs/proc_namespace.c show_mountinfo.
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
 * Optional fields (7) are zero or more `tag[:value]` items ended by a lone "-". The kernel
 * escapes space, tab, newline and backslash in root, mount point and source as \040 \011 \012
 * \134 (seq_path / mangle); we decode them so names round-trip. Super options are returned
 * raw: their own escaping (overlay's lowerdir) is decoded by the overlay parser.
 * Super-option values written with seq_show_option() escape ", \t\n\\" (and names also "=")
 * as octal (include/linux/seq_file.h), so a raw "," always separates options and the first raw
 * "=" always ends the name.
 */
import { ParseError, parseSafeInt } from '../read.js';

export interface MountInfoEntry extends MountFields {
  readonly mountId: number;
  readonly parentId: number;
}

/**
 * A mount line's fields after its mount id and parent id: what a mount namespace copied from
 * another (clone(CLONE_NEWNS), unshare -m: fs/namespace.c copy_tree) shows of each mount in the
 * same text, under new ids.
 */
export interface MountFields {
  readonly major: number;
  readonly minor: number;
  /** Path inside the filesystem that forms this mount's root (a bind's source, or a ns:[id]). */
  readonly root: string;
  readonly mountPoint: string;
  readonly mountOptions: readonly string[];
  readonly optionalFields: readonly string[];
  readonly fsType: string;
  readonly source: string;
  readonly superOptions: string;
}

export function unescapeOctal(s: string): string {
  return s.indexOf('\\') < 0 ? s : s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountInfoLine(line: string): MountInfoEntry {
  // The kernel never writes empty fields (blanks inside names are escaped), so runs of spaces
  // can only come from hand-edited captures; accept them (split on the single space otherwise:
  // a regular-expression split is several times slower, on every line of every namespace).
  const t = line.trim();
  const f = t.includes('  ') ? t.split(/ +/) : t.split(' ');
  const sep = f.indexOf('-', 6);
  if (f.length < 10 || sep < 0 || f.length < sep + 3) throw new ParseError('expected "id parent maj:min root mountpoint opts [optional...] - fstype source superopts"', line);
  const dev = (f[2] as string).split(':');
  if (dev.length !== 2) throw new ParseError('expected major:minor', line);
  return {
    mountId: parseSafeInt(f[0] as string, 'mount id'),
    parentId: parseSafeInt(f[1] as string, 'parent id'),
    major: parseSafeInt(dev[0] as string, 'major'),
    minor: parseSafeInt(dev[1] as string, 'minor'),
    root: unescapeOctal(f[3] as string),
    mountPoint: unescapeOctal(f[4] as string),
    mountOptions: (f[5] as string).split(','),
    optionalFields: f.slice(6, sep),
    fsType: unescapeOctal(f[sep + 1] as string),
    source: unescapeOctal(f[sep + 2] as string),
    superOptions: f.slice(sep + 3).join(' '),
  };
}

export function parseMountInfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split('\n')) if (line.trim() !== '') out.push(parseMountInfoLine(line));
  return out;
}

/**
 * parseMountInfo for the tables of many mount namespaces, most of whose lines differ only in
 * their two ids (a thousand containers copied from the host's table): each line's fields are
 * parsed once per `seen`, and every line of the same text after its ids, in whichever table,
 * gets the same MountFields object (its ids are checked, then dropped). Throws ParseError
 * on the lines parseMountInfo throws on.
 */
export function parseMountFields(text: string, seen: Map<string, MountFields>): MountFields[] {
  const out: MountFields[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const t = line.trim();
    if (t === '') continue;
    const first = t.indexOf(' ');
    const second = first < 0 ? -1 : t.indexOf(' ', first + 1);
    // Runs of spaces (hand-edited captures) and lines short of two ids take the full parse.
    if (second < 0 || t.includes('  ')) {
      out.push(fieldsOf(parseMountInfoLine(line)));
      continue;
    }
    const rest = t.slice(second + 1);
    let fields = seen.get(rest);
    if (fields === undefined) {
      fields = fieldsOf(parseMountInfoLine(line));
      seen.set(rest, fields);
    } else {
      parseSafeInt(t.slice(0, first), 'mount id');
      parseSafeInt(t.slice(first + 1, second), 'parent id');
    }
    out.push(fields);
  }
  return out;
}

function fieldsOf(e: MountInfoEntry): MountFields {
  return { major: e.major, minor: e.minor, root: e.root, mountPoint: e.mountPoint, mountOptions: e.mountOptions, optionalFields: e.optionalFields, fsType: e.fsType, source: e.source, superOptions: e.superOptions };
}

export interface SuperOption {
  readonly name: string;
  /** The value still octal-escaped as the kernel wrote it; null for a flag (`volatile`). */
  readonly rawValue: string | null;
}

/** Split super options on the raw commas; names decoded, values left raw for their owner to decode. */
export function parseSuperOptions(superOptions: string): SuperOption[] {
  if (superOptions === '') return [];
  return superOptions.split(',').map((o) => {
    const eq = o.indexOf('=');
    return eq < 0 ? { name: unescapeOctal(o), rawValue: null } : { name: unescapeOctal(o.slice(0, eq)), rawValue: o.slice(eq + 1) };
  });
}

/** The mount is read-only if either its per-mount flags or its superblock say so. */
export function isReadOnly(e: Pick<MountFields, 'mountOptions' | 'superOptions'>): boolean {
  return e.mountOptions.includes('ro') || hasOption(e.superOptions, 'ro');
}

/** Whether a comma-separated option list holds `name` as a whole item (without splitting it: an overlay's list is kilobytes). */
function hasOption(list: string, name: string): boolean {
  for (let i = list.indexOf(name); i >= 0; i = list.indexOf(name, i + 1)) {
    const end = i + name.length;
    if ((i === 0 || list.charCodeAt(i - 1) === 44) && (end === list.length || list.charCodeAt(end) === 44)) return true;
  }
  return false;
}
