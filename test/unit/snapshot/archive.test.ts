/**
 * `--root ARCHIVE`: links are recorded data. An absolute link (a shim's `/proc/<pid>/cwd`,
 * containerd's `work`) unpacks with its target as recorded, and reading through any link of a
 * recorded tree stays inside the tree, as if the tree were `/`, even for an archive built to
 * escape it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHostRoot } from '../../../collectors/host-root.js';
import type { RecordedEntry } from '../../../collectors/snapshot/recording-root.js';
import type { SnapshotMeta } from '../../../collectors/snapshot/record.js';
import { packTree, removeUnpacked, unpackArchive, writeTree } from '../../../src/cli/snapshot-archive.js';

const work = mkdtempSync(join(tmpdir(), `ctrscope-unit-archive-${process.pid}-`));
afterAll(() => {
  removeUnpacked();
  rmSync(work, { recursive: true, force: true });
});

const meta = { format: 'ctrscope-snapshot', formatVersion: 1, unreadable: [] } as unknown as SnapshotMeta;
const file = (text: string): RecordedEntry => ({ kind: 'file', content: Buffer.from(text) });
const link = (target: string): RecordedEntry => ({ kind: 'link', target });

describe('snapshot archives', () => {
  it('keep absolute links as recorded, and reads through them stay inside the tree', () => {
    const bundle = '/run/containerd/io.containerd.runtime.v2.task/default/c1';
    const entries = new Map<string, RecordedEntry>([
      ['/proc/7/stat', file('7 (containerd-shim) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 10 0 100 0 0\n')],
      // Targets that exist on every host, so that a read following them out of the tree would succeed.
      ['/proc/7/cwd', link(bundle)],
      ['/proc/7/up', link('../../../../../../../etc')],
      ['/proc/7/loop', link('/proc/7/loop')],
      [`${bundle}/config.json`, file('{"recorded":true}')],
      [`${bundle}/work`, link('/etc')],
      ['/etc/hostname', file('recorded-host\n')],
    ]);
    const staging = join(work, 'staging');
    writeTree(staging, entries, meta);
    const archive = join(work, 'links.tar.gz');
    packTree(staging, archive);
    const dir = unpackArchive(archive);
    expect(readlinkSync(join(dir, 'proc/7/cwd'))).toBe(bundle);
    expect(readlinkSync(join(dir, bundle, 'work'))).toBe('/etc');
    const root = openHostRoot(dir);
    expect(root.kind).toBe('recorded');
    expect(root.readLink('/proc/7/cwd')).toEqual({ ok: true, value: bundle });
    expect(root.readText('/proc/7/cwd/config.json')).toEqual({ ok: true, value: '{"recorded":true}' });
    expect(root.readText(`${bundle}/work/hostname`)).toEqual({ ok: true, value: 'recorded-host\n' });
    expect(root.readText('/proc/7/up/hostname')).toEqual({ ok: true, value: 'recorded-host\n' });
    // /etc/passwd exists on the host, not in the tree.
    expect(root.readText(`${bundle}/work/passwd`)).toMatchObject({ ok: false, gap: { reason: 'absent' } });
    expect(root.readText('/proc/7/loop/x')).toMatchObject({ ok: false });
    expect(root.resolve(`${bundle}/work/hostname`)).toBe(join(dir, 'etc/hostname'));
  });

  it('never write through a link of an archive built to escape the tree', () => {
    // tar(1) writes the link first, then a file below it: unpacked naively, the file lands in /tmp.
    const escape = mkdtempSync(join(tmpdir(), `ctrscope-unit-escape-${process.pid}-`));
    const a = join(work, 'evil-a');
    const b = join(work, 'evil-b');
    mkdirSync(join(a, 'proc/1'), { recursive: true });
    symlinkSync(escape, join(a, 'proc/1/out'));
    mkdirSync(join(b, 'proc/1/out'), { recursive: true });
    writeFileSync(join(b, 'proc/1/out/planted'), 'x');
    const archive = join(work, 'evil.tar.gz');
    execFileSync('tar', ['czf', archive, '-C', a, 'proc', '-C', b, 'proc']);
    try {
      const dir = unpackArchive(archive);
      expect(existsSync(join(escape, 'planted'))).toBe(false);
      expect(lstatSync(join(dir, 'proc/1/out')).isDirectory()).toBe(true);
    } finally {
      rmSync(escape, { recursive: true, force: true });
    }
    const dotdot = join(work, 'dotdot');
    mkdirSync(join(dotdot, 'proc/1'), { recursive: true });
    symlinkSync('/', join(dotdot, 'proc/1/root'));
    const bad = join(work, 'dotdot.tar.gz');
    execFileSync('tar', ['czf', bad, '-C', dotdot, '--transform', 's,^proc/1/root,proc/../../root,', 'proc']);
    expect(() => unpackArchive(bad)).toThrow();
  });
});
