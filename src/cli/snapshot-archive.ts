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
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as Tar from 'tar';
import type { RecordedEntry } from '../../collectors/snapshot/recording-root.js';
import type { SnapshotMeta } from '../../collectors/snapshot/record.js';

// Loaded on first use: node-tar takes ~60 ms to import, which `ps` and `ns` must not pay.
let tarModule: typeof Tar | undefined;
const tar = (): typeof Tar => (tarModule ??= createRequire(import.meta.url)('tar') as typeof Tar);

const exists = (p: string): boolean => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

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
    if (exists(p)) continue;
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
 */
export function unpackArchive(file: string): string {
  if (!statSync(file).isFile()) throw new Error(`${file}: not a file`);
  const dir = mkdtempSync(join(tmpdir(), 'ctrscope-root-'));
  unpacked.push(dir);
  if (!cleanupHooked) {
    cleanupHooked = true;
    process.on('exit', removeUnpacked);
  }
  tar().extract({ file, cwd: dir, sync: true, strict: true });
  return dir;
}

/** Remove every tree unpackArchive made. */
export function removeUnpacked(): void {
  for (const d of unpacked.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const isArchivePath = (p: string): boolean => /\.(?:tar\.gz|tgz)$/.test(p);
