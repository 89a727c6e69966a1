/**
 * Security-relevant per-process files:
 *  - /proc/<pid>/uid_map, gid_map — user_namespaces(7): `inside outside count` per line, e.g.
 *    `         0       1000          1` (a rootless container: root inside is uid 1000 outside).
 *    The identity map of the initial namespace is `0 0 4294967295`.
 *  - /proc/<pid>/attr/current — the LSM label: an SELinux context
 *    (`system_u:system_r:container_t:s0:c1,c2`) or an AppArmor profile with its mode
 *    (`docker-default (enforce)`, or `unconfined`). With several LSMs stacked (Linux 5.1+),
 *    AppArmor's own view is /proc/<pid>/attr/apparmor/current.
 */
import type { HostRoot } from '../host-root.js';
import { readParsed } from '../host-root.js';
import { ParseError, parseSafeInt, type Read } from '../read.js';

export interface IdMapRange {
  readonly inside: number;
  readonly outside: number;
  readonly count: number;
}

export function parseIdMap(text: string): IdMapRange[] {
  const out: IdMapRange[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && f[0] === '') continue;
    if (f.length !== 3) throw new ParseError('expected "inside outside count"', line);
    out.push({ inside: parseSafeInt(f[0] as string), outside: parseSafeInt(f[1] as string), count: parseSafeInt(f[2] as string) });
  }
  return out;
}

/** The LSM label text, without the trailing NUL/newline the kernel may append. */
export function parseLsmLabel(text: string): string | null {
  const t = text.replace(/\0/g, '').trim();
  return t === '' ? null : t;
}

export interface ProcessSecurityFiles {
  readonly uidMap: Read<IdMapRange[]>;
  readonly gidMap: Read<IdMapRange[]>;
  readonly lsmLabel: Read<string | null>;
}

export function readProcessSecurityFiles(root: HostRoot, pid: number): ProcessSecurityFiles {
  const dir = `/proc/${pid}`;
  let lsm = readParsed(root, `${dir}/attr/apparmor/current`, parseLsmLabel);
  if (!lsm.ok && lsm.gap.reason === 'absent') lsm = readParsed(root, `${dir}/attr/current`, parseLsmLabel);
  return {
    uidMap: readParsed(root, `${dir}/uid_map`, parseIdMap),
    gidMap: readParsed(root, `${dir}/gid_map`, parseIdMap),
    lsmLabel: lsm,
  };
}
