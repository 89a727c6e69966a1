/**
 * parseMountFields: the tables of many mount namespaces parsed with shared lines give, line for
 * line, parseMountInfo's fields, and fail where it fails. On every mountinfo recorded under
 * samples/ (hosts, docker, podman, hand-made containers, escapes, overlays, Kubernetes captures).
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMountFields, parseMountInfo, type MountFields } from '../../../../collectors/procfs/mountinfo.js';
import { ParseError } from '../../../../collectors/read.js';

const SAMPLES = new URL('../../../../samples/', import.meta.url).pathname;

function mountinfoFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (e === 'self' || e === 'thread-self') continue;
    const st = lstatSync(p);
    if (st.isDirectory()) mountinfoFiles(p, out);
    else if (/mountinfo/.test(e)) out.push(p);
  }
  return out;
}

const withoutIds = ({ mountId: _m, parentId: _p, ...fields }: ReturnType<typeof parseMountInfo>[number]): MountFields => fields;

describe('parseMountFields on the recorded tables', () => {
  const files = mountinfoFiles(SAMPLES);
  const seen = new Map<string, MountFields>();
  const parsed = files.map((f) => ({ f, text: readFileSync(f, 'utf8') }));

  it('finds the recordings', () => {
    expect(files.length).toBeGreaterThan(30);
  });

  it('gives parseMountInfo\'s fields for every line of every table, one memo for all', () => {
    let lines = 0;
    for (const { f, text } of parsed) {
      const expected = parseMountInfo(text).map(withoutIds);
      expect(parseMountFields(text, seen), f).toEqual(expected);
      lines += expected.length;
    }
    // Tables of namespaces copied from one another share lines: fewer distinct than read.
    expect(seen.size).toBeGreaterThan(50);
    expect(seen.size).toBeLessThan(lines);
  });

  it('hands the same object for the same line under other ids, and another for another line', () => {
    const host = readFileSync(join(SAMPLES, 'hybrid-handmade/proc/1/mountinfo'), 'utf8');
    const memo = new Map<string, MountFields>();
    const a = parseMountFields(host, memo);
    // The same table with every mount renumbered, as a copied namespace shows it.
    const renumbered = host.replace(/^(\d+) (\d+) /gm, (_, id: string, parent: string) => `${Number(id) + 5000} ${Number(parent) + 5000} `);
    const b = parseMountFields(renumbered, memo);
    expect(b).toHaveLength(a.length);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBe(a[i]);
    const changed = parseMountFields(renumbered.replace(/ rw,/, ' ro,'), memo);
    expect(changed.filter((e, i) => e !== a[i])).toHaveLength(1);
  });

  it('fails where parseMountInfo fails, a remembered line with a bad id included', () => {
    const memo = new Map<string, MountFields>();
    const line = '36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue';
    parseMountFields(line, memo);
    for (const bad of ['x6 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue', '36 3y 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue', '36 35 98-0 /a /b rw - ext3 /dev/root rw', '36 35 98:0 /a /b rw ext3 /dev/root rw', '36']) {
      expect(() => parseMountInfo(bad)).toThrow(ParseError);
      expect(() => parseMountFields(bad, memo)).toThrow(ParseError);
      let a = '';
      let b = '';
      try { parseMountInfo(bad); } catch (e) { a = (e as Error).message; }
      try { parseMountFields(bad, memo); } catch (e) { b = (e as Error).message; }
      expect(b).toBe(a);
    }
    // Runs of spaces still parse, as parseMountInfo parses them.
    expect(parseMountFields('36  35 0:52 / /m rw  - tmpfs tmpfs rw', memo)).toEqual(parseMountInfo('36  35 0:52 / /m rw  - tmpfs tmpfs rw').map(withoutIds));
  });
});
