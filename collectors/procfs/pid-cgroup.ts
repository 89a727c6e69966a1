/**
 * /proc/<pid>/cgroup — cgroups(7): `hierarchy-ID:controller-list:cgroup-path`, one line per
 * hierarchy; the v2 line is `0::/path`. Paths are relative to the READER's cgroup namespace root,
 * so a reader inside a cgroup namespace can see `/..` prefixes. Zombies whose cgroup was removed
 * show ` (deleted)`. Paths may contain ':'; split on the first two only.
 *   4:memory:/docker/b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f
 *   0::/system.slice/docker-ba7b10d1....scope
 */
import type { CgroupLine } from '../../src/model/cgroup.js';
import { ParseError, parseSafeInt } from '../read.js';

export function parsePidCgroup(text: string): CgroupLine[] {
  const lines: CgroupLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (a < 0 || b < 0) throw new ParseError('expected "id:controllers:path"', line);
    let path = line.slice(b + 1);
    if (path.endsWith(' (deleted)')) path = path.slice(0, -' (deleted)'.length);
    if (!path.startsWith('/')) throw new ParseError('cgroup path must start with "/"', line);
    const controllers = line.slice(a + 1, b);
    lines.push({
      hierarchyId: parseSafeInt(line.slice(0, a), 'hierarchy id'),
      controllers: controllers === '' ? [] : controllers.split(','),
      path,
    });
  }
  if (lines.length === 0) throw new ParseError('no cgroup lines', text);
  return lines;
}
