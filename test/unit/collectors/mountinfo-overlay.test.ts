/**
 * mountinfo and overlay super options on real captures: this machine's escapes capture
 * (samples/mountinfo) and upstream container captures (samples/cgroup-coroot, samples/datadog,
 * samples/procfs; each folder's README states the facts asserted here).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { absoluteLayers, parseOverlayOptions, splitLowerdir } from '../../../collectors/overlay.js';
import { isReadOnly, parseMountInfo, parseMountInfoLine, parseSuperOptions } from '../../../collectors/procfs/mountinfo.js';
import { ParseError } from '../../../collectors/read.js';

const sample = (p: string): string => readFileSync(new URL(`../../../samples/${p}`, import.meta.url), 'utf8');
const T = '/tmp/ctrscope-it-fsnet-cap';

describe('parseMountInfo on this machine\'s escapes capture (6.18)', () => {
  const entries = parseMountInfo(sample('mountinfo/escapes-6.18.txt'));
  const at = (mp: string) => entries.find((e) => e.mountPoint === mp);

  it('round-trips a mount point with a space and one with a newline', () => {
    expect(at(`${T}/mnt point`)?.fsType).toBe('tmpfs');
    expect(at(`${T}/mnt\nnl`)?.mountId).toBe(490);
    // Each line is one entry although a name held a newline: the kernel wrote it as \012.
    expect(entries).toHaveLength(5);
  });

  it('splits a lowerdir with an escaped colon, a space, a newline and an escaped backslash into the four layers mounted', () => {
    const o = parseOverlayOptions(at(`${T}/merged`)?.superOptions ?? '');
    expect(o.lowerdirs).toEqual([`${T}/lo:w1`, `${T}/lo w3`, `${T}/lo\nw4`, `${T}/lo\\w5`]);
    expect(o.upperdir).toBe(`${T}/up`);
    expect(o.workdir).toBe(`${T}/work`);
    expect(o.metacopy).toBe(true);
    expect(o.redirectDir).toBe('on');
    expect(o.hasRelativePaths).toBe(false);
  });

  it('reads `::` as the start of data-only layers, and a read-only overlay has no upper', () => {
    const m2 = at(`${T}/m2`);
    const o = parseOverlayOptions(m2?.superOptions ?? '');
    expect(o.lowerdirs).toEqual([`${T}/lo w3`]);
    expect(o.dataDirs).toEqual([`${T}/data1`]);
    expect(o.upperdir).toBeNull();
    expect(m2 && isReadOnly(m2)).toBe(true);
  });

  it('read-only by a whole `ro` item of the mount or superblock options, not by a name that contains it', () => {
    const line = (opts: string, superOpts: string): ReturnType<typeof parseMountInfoLine> => parseMountInfoLine(`36 35 0:52 / /m ${opts} - overlay overlay ${superOpts}`);
    expect(isReadOnly(line('rw', 'ro'))).toBe(true);
    expect(isReadOnly(line('rw', 'lowerdir=/a,ro'))).toBe(true);
    expect(isReadOnly(line('rw', 'ro,lowerdir=/a'))).toBe(true);
    expect(isReadOnly(line('rw', 'lowerdir=/ro,upperdir=/x/ro/u,rootcontext=ro'))).toBe(false);
    expect(isReadOnly(line('rw', 'errors=remount-ro,rw'))).toBe(false);
    expect(isReadOnly(line('ro,nosuid', 'rw'))).toBe(true);
    // Runs of spaces (a hand-edited capture) still parse.
    expect(parseMountInfoLine('36  35 0:52 / /m rw  - tmpfs tmpfs rw').mountPoint).toBe('/m');
  });

  it('reads lowerdir+= / datadir+= one layer per option, colons literal', () => {
    const o = parseOverlayOptions(at(`${T}/m4`)?.superOptions ?? '');
    expect(o.lowerdirs).toEqual([`${T}/lo:w1`, `${T}/lo w3`]);
    expect(o.dataDirs).toEqual([`${T}/data1`]);
  });

  it('reads fsync=volatile (6.18) and userxattr', () => {
    const [e] = parseMountInfo(sample('mountinfo/volatile-6.18.txt'));
    const o = parseOverlayOptions(e?.superOptions ?? '');
    expect(o.volatile).toBe(true);
    expect(o.userxattr).toBe(true);
    expect(o.redirectDir).toBe('nofollow');
  });
});

describe('splitLowerdir', () => {
  it.each([
    ['per-layer seq_escape form: \\072 is a colon inside a name', '/a\\072b:/c', ['/a:b', '/c'], []],
    ['a comma escaped by seq_show_option', '/a\\054b:/c', ['/a,b', '/c'], []],
    ['data layers after ::', '/l1:/l2::/d1::/d2', ['/l1', '/l2'], ['/d1', '/d2']],
    ['relative docker short links', 'l/ABC:l/DEF', ['l/ABC', 'l/DEF'], []],
  ])('%s', (_what, raw, layers, data) => {
    expect(splitLowerdir(raw)).toEqual({ layers, dataLayers: data });
  });
});

describe('overlay options on upstream captures', () => {
  it('coroot docker container: 14 short-link lowerdirs, top first, and its upper/work', () => {
    const root = parseMountInfo(sample('cgroup-coroot/proc/123/mountinfo')).find((e) => e.mountPoint === '/');
    const o = parseOverlayOptions(root?.superOptions ?? '');
    expect(o.lowerdirs).toHaveLength(14);
    expect(o.lowerdirs[0]).toBe('/var/lib/docker/overlay2/l/M6WZCEZRHUXPOUB5L2NRWN2WUO');
    expect(o.lowerdirs.every((l) => /^\/var\/lib\/docker\/overlay2\/l\/[A-Z0-9]{26}$/.test(l))).toBe(true);
    expect(o.upperdir).toMatch(/^\/var\/lib\/docker\/overlay2\/[0-9a-f]{64}\/diff$/);
  });

  it('datadog docker container: upperdir and 2 lowerdirs as upstream documents', () => {
    const root = parseMountInfo(sample('datadog/mountinfo_docker')).find((e) => e.mountPoint === '/');
    const o = parseOverlayOptions(root?.superOptions ?? '');
    expect(o.upperdir).toBe('/var/lib/docker/overlay2/241a77e9a6a048e54d5b5700afaeab6071cb5ffef1fd2acbebbf19935a429897/diff');
    expect(o.lowerdirs).toHaveLength(2);
  });

  it('datadog k8s node: a 39-layer containerd overlay, and nsfs netns binds keep net:[ino] as root', () => {
    const entries = parseMountInfo(sample('datadog/mountinfo_k8s_agent'));
    expect(entries).toHaveLength(100);
    const big = entries.find((e) => e.mountPoint.includes('3aaa22321201'));
    expect(parseOverlayOptions(big?.superOptions ?? '').lowerdirs).toHaveLength(39);
    const ns = entries.filter((e) => e.fsType === 'nsfs' && e.root.startsWith('net:['));
    expect(ns).toHaveLength(7);
    expect(ns.some((e) => e.root === 'net:[4026532317]' && e.mountPoint === '/host/var/run/netns/cni-a6d26b34-6006-776c-6297-d43cbd377e1a')).toBe(true);
  });

  it('procfs fixture: a double space and optional fields', () => {
    const entries = parseMountInfo(sample('procfs/proc/26231/mountinfo'));
    expect(entries).toHaveLength(8);
    expect(entries[0]?.mountPoint).toBe('/root');
    expect(entries[0]?.optionalFields).toEqual(['shared:8']);
  });
});

describe('mountinfo line shapes', () => {
  it('takes several optional fields up to the lone "-"', () => {
    const e = parseMountInfoLine('36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 unbindable - ext3 /dev/root rw,errors=continue');
    expect(e.optionalFields).toEqual(['master:1', 'shared:7', 'unbindable']);
    expect(e.fsType).toBe('ext3');
    expect(e.superOptions).toBe('rw,errors=continue');
  });
  it('refuses a line without the separator', () => {
    expect(() => parseMountInfoLine('36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 ext3 /dev/root rw')).toThrow(ParseError);
  });
  it('splits super options on raw commas only; values stay escaped for their owner', () => {
    expect(parseSuperOptions('rw,lowerdir=/a\\054b:/c,volatile')).toEqual([
      { name: 'rw', rawValue: null },
      { name: 'lowerdir', rawValue: '/a\\054b:/c' },
      { name: 'volatile', rawValue: null },
    ]);
  });
});

describe('absoluteLayers', () => {
  const rel = parseOverlayOptions('rw,lowerdir=l/AAA:l/BBB,upperdir=1f/diff,workdir=1f/work,index=off');
  it('resolves docker/storage relative paths against the driver home', () => {
    const a = absoluteLayers(rel, '/var/lib/docker/overlay2');
    expect(a.lowerdirs).toEqual(['/var/lib/docker/overlay2/l/AAA', '/var/lib/docker/overlay2/l/BBB']);
    expect(a.upperdir).toBe('/var/lib/docker/overlay2/1f/diff');
    expect(a.index).toBe(false);
  });
  it('resolves containerd relative lowerdirs against dirname(dirname(upperdir))', () => {
    const c = parseOverlayOptions('rw,lowerdir=12/fs:11/fs,upperdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/13/fs,workdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/13/work');
    expect(absoluteLayers(c, null).lowerdirs).toEqual(['/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs', '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/11/fs']);
  });
});
