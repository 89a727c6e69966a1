/**
 * overlayfs super options as /proc/<pid>/mountinfo shows them.
 * Kernel: fs/overlayfs/params.c ovl_show_options(); Documentation/filesystems/overlayfs.rst
 * ("Multiple lower layers", "Data-only lower layers", "Specifying layers").
 *   rw,lowerdir=/var/lib/docker/overlay2/l/RQH5…:/var/lib/docker/overlay2/l/EHJM…,upperdir=/var/lib/docker/overlay2/241a…/diff,workdir=/var/lib/docker/overlay2/241a…/work
 *
 * How a layer path is escaped depends on the kernel and on how the overlay was mounted:
 *  - `lowerdir=` shows the string the user passed (`lowerdirs[0]`) through seq_show_option(),
 *    which octal-escapes ", \t\n\\" (include/linux/seq_file.h). The user escapes a colon in a
 *    layer name as `\:` (overlayfs.rst "directory names containing colons can be provided as
 *    lower layer by escaping the colons with a single backslash"), so it appears as `\134:`;
 *    a raw `:` separates layers and `::` starts the data-only layers. Captured on 6.18 here:
 *      lowerdir=/t/lo\134:w1:/t/lo\040w3:/t/lo\012w4:/t/lo\134\134w5
 *  - some params.c revisions print every layer with seq_escape(m, layer, ":, \t\n\\") instead,
 *    so a colon in a name is `\072`; decoding octal escapes as literals covers that form too.
 *  - layers added one by one with `lowerdir+=` / `datadir+=` (fsconfig, since 6.8) are shown one
 *    option per layer, colons raw (6.18 here: `lowerdir+=/t/lo:w1,lowerdir+=/t/lo\040w3`).
 * 6.18 also prints `fsync=volatile` where older kernels print `volatile`.
 */
import { parseSuperOptions, unescapeOctal } from './procfs/mountinfo.js';

export interface OverlayOptions {
  /** Lower layers, top (leftmost) first, paths as written (may be relative, see relativeTo). */
  readonly lowerdirs: readonly string[];
  /** Data-only lower layers (after `::`, or datadir+=): metacopy redirect targets, not merged. */
  readonly dataDirs: readonly string[];
  /** null for a read-only overlay (no upper layer). */
  readonly upperdir: string | null;
  readonly workdir: string | null;
  /** Options printed only when they differ from the module defaults; null where not printed. */
  readonly index: boolean | null;
  readonly metacopy: boolean | null;
  readonly redirectDir: string | null;
  readonly volatile: boolean;
  readonly userxattr: boolean;
  /** Some layer paths are relative: the mounter chdir'ed first to fit the options in a page. */
  readonly hasRelativePaths: boolean;
}

/** Split a raw (octal-escaped) lowerdir value into plain layer and data-only layer paths. */
export function splitLowerdir(raw: string): { layers: string[]; dataLayers: string[] } {
  const layers: string[] = [];
  const dataLayers: string[] = [];
  let cur = '';
  let data = false;
  // One logical character at i: an octal escape decodes to a literal (so `\072` is a colon in a
  // name, never a separator); a raw character stands for itself.
  const next = (i: number): { ch: string; raw: boolean; len: number } => {
    if (raw[i] === '\\' && /^[0-7]{3}$/.test(raw.slice(i + 1, i + 4))) return { ch: String.fromCharCode(parseInt(raw.slice(i + 1, i + 4), 8)), raw: false, len: 4 };
    return { ch: raw[i] as string, raw: true, len: 1 };
  };
  const push = (): void => {
    if (cur !== '') (data ? dataLayers : layers).push(cur);
    cur = '';
  };
  for (let i = 0; i < raw.length; ) {
    const t = next(i);
    i += t.len;
    if (t.ch === '\\' && i < raw.length) {
      // The user's escape: a backslash takes the next character literally (params.c
      // ovl_parse_param_split_lowerdirs), so `\134:` is a colon in a name, `\134\134` one backslash.
      const lit = next(i);
      i += lit.len;
      cur += lit.ch;
    } else if (t.raw && t.ch === ':') {
      push();
      if (raw[i] === ':') {
        data = true;
        i += 1;
      }
    } else {
      cur += t.ch;
    }
  }
  push();
  return { layers, dataLayers };
}

function onOff(v: string | null): boolean | null {
  return v === 'on' ? true : v === 'off' ? false : null;
}

export function parseOverlayOptions(superOptions: string): OverlayOptions {
  const lowerdirs: string[] = [];
  const dataDirs: string[] = [];
  let upperdir: string | null = null;
  let workdir: string | null = null;
  let index: boolean | null = null;
  let metacopy: boolean | null = null;
  let redirectDir: string | null = null;
  let volatile = false;
  let userxattr = false;
  for (const o of parseSuperOptions(superOptions)) {
    const v = o.rawValue;
    switch (o.name) {
      case 'lowerdir':
        if (v !== null) {
          const s = splitLowerdir(v);
          lowerdirs.push(...s.layers);
          dataDirs.push(...s.dataLayers);
        }
        break;
      case 'lowerdir+':
        if (v !== null) lowerdirs.push(unescapeOctal(v));
        break;
      case 'datadir+':
        if (v !== null) dataDirs.push(unescapeOctal(v));
        break;
      case 'upperdir':
        upperdir = v === null ? null : unescapeOctal(v);
        break;
      case 'workdir':
        workdir = v === null ? null : unescapeOctal(v);
        break;
      case 'index':
        index = onOff(v);
        break;
      case 'metacopy':
        metacopy = onOff(v);
        break;
      case 'redirect_dir':
        redirectDir = v;
        break;
      case 'volatile':
        volatile = true;
        break;
      case 'fsync':
        if (v === 'volatile') volatile = true;
        break;
      case 'userxattr':
        userxattr = true;
        break;
      default:
        break;
    }
  }
  const all = [...lowerdirs, ...dataDirs, ...(upperdir === null ? [] : [upperdir]), ...(workdir === null ? [] : [workdir])];
  return { lowerdirs, dataDirs, upperdir, workdir, index, metacopy, redirectDir, volatile, userxattr, hasRelativePaths: all.some((p) => !p.startsWith('/')) };
}

/**
 * Make relative layer paths absolute. Docker (`mountFrom`) and containers/storage chdir to the
 * driver home (`<data-root>/overlay2`, `<graphroot>/overlay`) and write every path relative to
 * it; containerd (core/mount compactLowerdirOption) rewrites only lowerdir, relative to the
 * snapshots directory, which is then dirname(dirname(upperdir)).
 */
export function absoluteLayers(o: OverlayOptions, driverHome: string | null): OverlayOptions {
  if (!o.hasRelativePaths) return o;
  const base = o.upperdir?.startsWith('/') ? o.upperdir.split('/').slice(0, -2).join('/') : driverHome;
  if (base === null) return o;
  const abs = (p: string): string => (p.startsWith('/') ? p : `${base}/${p}`);
  return {
    ...o,
    lowerdirs: o.lowerdirs.map(abs),
    dataDirs: o.dataDirs.map(abs),
    upperdir: o.upperdir === null ? null : abs(o.upperdir),
    workdir: o.workdir === null ? null : abs(o.workdir),
    hasRelativePaths: false,
  };
}
