/** Host-source resolution and mount flags. */
import { describe, expect, it } from 'vitest';
import { hostPathOf } from '../../../collectors/filesystem.js';
import { parseMountInfo } from '../../../collectors/procfs/mountinfo.js';
import { classifyMount, mountFlags } from '../../../src/model/mount.js';

// Host lines are from /proc/1/mountinfo of the test machine; the container lines follow the shape of
// its docker 20.10 containers' mountinfo, with a volume, socket, /etc and device bind added by hand.
const host = parseMountInfo(`27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
22 27 0:21 / /proc rw,relatime - proc proc rw
24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334524k,nr_inodes=3083631,mode=755
`);
const ctr = parseMountInfo(`1200 1100 254:0 /var/lib/docker/volumes/v/_data /data rw,relatime master:1 - ext4 /dev/vda rw,discard
1201 1100 254:0 /run/docker.sock /var/run/docker.sock ro,relatime master:1 - ext4 /dev/vda rw,discard
1202 1100 254:0 /etc /hostetc ro,relatime master:1 - ext4 /dev/vda rw,discard
1203 1100 0:6 /sda /dev/sda rw,relatime - devtmpfs devtmpfs rw,size=12334524k,nr_inodes=3083631,mode=755
1204 1100 0:321 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
1205 1204 0:321 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw
1206 1100 0:322 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw
`);

describe('mounts of a container against the host table', () => {
  const base = ctr.map((e) => {
    const hostSource = hostPathOf(e, host);
    return { mountPoint: e.mountPoint, fsType: e.fsType, source: e.source, root: e.root, hostSource, readOnly: e.mountOptions.includes('ro'), kind: classifyMount(e.fsType, e.root, hostSource) };
  });
  const at = (mp: string) => {
    const m = base.find((b) => b.mountPoint === mp);
    if (!m) throw new Error(mp);
    return { ...m, flags: mountFlags(m, base) };
  };
  it('names host sources through the host mount of the same device', () => {
    expect(at('/data')).toMatchObject({ kind: 'volume', hostSource: '/var/lib/docker/volumes/v/_data', flags: [] });
    expect(at('/dev/sda')).toMatchObject({ hostSource: '/dev/sda', flags: ['device'] });
    expect(at('/proc').hostSource).toBeNull();
  });
  it('flags the engine socket, a host /etc, and a writable /sys; a ro /proc/sys masks /proc', () => {
    expect(at('/var/run/docker.sock').flags).toEqual(['engine-socket']);
    expect(at('/hostetc').flags).toEqual(['sensitive-host-path']);
    expect(at('/sys').flags).toEqual(['writable-sys']);
    expect(at('/proc').flags).toEqual([]);
  });
  it('flags a writable /proc/sys when nothing masks it', () => {
    const noMask = base.filter((b) => b.mountPoint !== '/proc/sys');
    const proc = noMask.find((b) => b.mountPoint === '/proc');
    expect(proc && mountFlags(proc, noMask)).toEqual(['writable-proc-sys']);
  });
  it('prefers the host mount with the longest root prefix (a bind of a subdirectory)', () => {
    const h2 = [...host, ...parseMountInfo('90 27 254:0 /srv/data /mnt/data rw - ext4 /dev/vda rw\n')];
    expect(hostPathOf({ major: 254, minor: 0, root: '/srv/data/x' }, h2)).toBe('/mnt/data/x');
    expect(hostPathOf({ major: 254, minor: 0, root: '/srv/other' }, h2)).toBe('/srv/other');
    expect(hostPathOf({ major: 9, minor: 9, root: '/' }, h2)).toBeNull();
  });
});
