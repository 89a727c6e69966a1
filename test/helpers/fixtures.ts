import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HostRoot } from '../../collectors/host-root.js';
import { gap, ok } from '../../collectors/read.js';
import { parseCmdline } from '../../collectors/procfs/pid-cmdline.js';

export function fixture(rel: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url)), 'utf8');
}

/** A captured binary file (netlink replies, an auxiliary vector), as bytes. */
export function fixtureBytes(rel: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url)));
}

/** Every recorded `/proc/<pid>/<name>` file of the samples under samples/ (paths from the repository root). */
export function recordedProcFiles(name: string): string[] {
  return readdirSync('samples').flatMap((s) => (existsSync(`samples/${s}/proc`) ? readdirSync(`samples/${s}/proc`).filter((p) => /^\d+$/.test(p) && existsSync(`samples/${s}/proc/${p}/${name}`)).map((p) => `samples/${s}/proc/${p}/${name}`) : []));
}

/** argv of a captured /proc/<pid>/cmdline, split as the process scanner splits it. */
export function fixtureArgv(rel: string): string[] {
  return parseCmdline(readFileSync(fileURLToPath(new URL(`../fixtures/${rel}`, import.meta.url))));
}

/**
 * A host root holding only the given files (host path → text); directories are listed from
 * them. Every other path is absent, as on a host without that engine.
 */
export function filesRoot(files: Readonly<Record<string, string>>): HostRoot {
  const dirOf = (dir: string): string[] => {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return [...new Set(Object.keys(files).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0] as string))];
  };
  return {
    kind: 'recorded',
    dir: '/fixtures',
    readText: (p) => (files[p] !== undefined ? ok(files[p] as string) : gap(p, 'absent')),
    readBytes: (p) => (files[p] !== undefined ? ok(Buffer.from(files[p] as string)) : gap(p, 'absent')),
    readLink: (p) => gap(p, 'absent'),
    readDir: (p) => {
      const entries = dirOf(p);
      return entries.length > 0 ? ok(entries) : gap(p, 'absent');
    },
    resolve: (p) => p,
  };
}
