/**
 * Writing and reading `ctrscope snapshot` archives: a gzip'd tar of a host tree (proc/, sys/,
 * run/, var/ ... plus meta.json) that `--root` replays.
 *
 * The tar is written and read with npm's `tar` (node-tar, the package npm itself uses) rather
 * than by hand or by spawning tar(1): recorded paths exceed ustar's 100-byte name field
 * (`var/lib/docker/containers/<64 hex>/config.v2.json` is 105), which node-tar handles with
 * prefix/PAX headers; its extractor refuses `..` and absolute paths and will not write through a
 * symlink, which matters for archives received with bug reports; and it needs neither a tar
 * binary on the host nor a child process.
 */
import { createRequire } from 'node:module';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as Tar from 'tar';
import type { RecordedEntry } from '../../collectors/snapshot/recording-root.js';
import type { SnapshotMeta } from '../../collectors/snapshot/record.js';

// Loaded on first use: node-tar takes ~60 ms to import, which `ps` and `ns` must not pay.
let tarModule: typeof Tar | undefined;
const tar = (): typeof Tar => (tarModule ??= createRequire(import.meta.url)('tar') as typeof Tar);


/** Lay the recorded entries out under dir, as the host had them. */
export function writeTree(dir: string, entries: ReadonlyMap<string, RecordedEntry>, meta: SnapshotMeta): void {
  const links: Array<[string, string]> = [];
  for (const [hostPath, e] of [...entries].sort((a, b) => a[0].localeCompare(b[0]))) {
    const p = join(dir, hostPath);
    if (e.kind === 'dir') mkdirSync(p, { recursive: true });
    else if (e.kind === 'file') {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, e.content);
    } else links.push([p, e.target]);
  }
  // Links last: where a path was read both as a link and through it (a process's `root`), the
  // files read below it are what replays need.
  for (const [p, target] of links) {
    if (lstatOrNull(p) !== null) continue;
    mkdirSync(dirname(p), { recursive: true });
    symlinkSync(target, p);
  }
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
}

export function packTree(dir: string, outFile: string): void {
  // portable: no uid/gid/uname/atime/ctime of the recorder's machine in the archive.
  tar().create({ gzip: true, file: outFile, cwd: dir, sync: true, portable: true }, readdirSync(dir).sort());
}

const unpacked: string[] = [];
let cleanupHooked = false;

/**
 * `--root` given an archive: unpack it to a temporary directory, removed when the command is done
 * (removeUnpacked, from run()) or, at the latest, when the process exits.
 *
 * Symbolic links are recorded data, not paths to follow: `/proc/<pid>/cwd` or containerd's
 * bundle `work` link name host paths, and ctrscope reads their targets as text. node-tar strips
 * the leading `/` of an absolute target (and refuses the entry under `strict`), so links are
 * left to this function: made after every file, with the target exactly as recorded, only at a
 * path inside the tree whose every directory is a real directory of the tree (never through
 * another link). Reading the tree never follows a link out of it either (collectors/host-root.ts
 * resolves links inside a recorded tree as if it were `/`).
 */
export function unpackArchive(file: string): string {
  if (!statSync(file).isFile()) throw new Error(`${file}: not a file`);
  const dir = mkdtempSync(join(tmpdir(), 'ctrscope-root-'));
  unpacked.push(dir);
  if (!cleanupHooked) {
    cleanupHooked = true;
    process.on('exit', removeUnpacked);
  }
  const links: Array<{ path: string; target: string }> = [];
  tar().extract({
    file,
    cwd: dir,
    sync: true,
    strict: true,
    filter: (path, entry) => {
      const type = 'type' in entry ? entry.type : null;
      if (type === 'SymbolicLink' || type === 'Link') {
        if (type === 'Link') throw new Error(`${path}: a hard link, which ctrscope snapshot never writes`);
        links.push({ path, target: String((entry as { linkpath?: string }).linkpath ?? '') });
        return false;
      }
      return true;
    },
  });
  for (const { path, target } of links) makeLink(dir, path, target);
  return dir;
}

/** Make one recorded link under dir, refusing any path that would leave it or pass through a link. */
function makeLink(dir: string, entryPath: string, target: string): void {
  const parts = entryPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..') || entryPath.startsWith('/') || target === '') throw new Error(`${entryPath}: not a link inside the recorded tree`);
  let at = dir;
  for (const part of parts.slice(0, -1)) {
    at = join(at, part);
    const st = lstatOrNull(at);
    if (st === null) mkdirSync(at);
    else if (!st.isDirectory()) throw new Error(`${entryPath}: ${part} is not a directory of the recorded tree`);
  }
  const path = join(at, parts[parts.length - 1] as string);
  // A path read both as a link and through it (a process's root) is recorded as what was read below it.
  if (lstatOrNull(path) !== null) return;
  symlinkSync(target, path);
}

const lstatOrNull = (p: string): Stats | null => {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
};

/** Remove every tree unpackArchive made. */
export function removeUnpacked(): void {
  for (const d of unpacked.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const isArchivePath = (p: string): boolean => /\.(?:tar\.gz|tgz)$/.test(p);
