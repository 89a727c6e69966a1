/** LXC config parsing, on the config an LXC 5.0.2 container ran from (test/fixtures/lxc). */
import { describe, expect, it } from 'vitest';
import { parseLxcConfig, readLxcMetadata } from '../../../../collectors/engines/lxc.js';
import { filesRoot, fixture } from '../../../helpers/fixtures.js';

const config = fixture('lxc/config');
const rootfsLine = /^lxc\.rootfs\.path = (.*)$/m.exec(config)?.[1] as string;

describe('parseLxcConfig', () => {
  it('reads every key of a real config', () => {
    const c = parseLxcConfig(config);
    expect(c.get('lxc.uts.name')).toBe('web');
    expect(c.get('lxc.rootfs.path')).toBe(rootfsLine);
    expect(rootfsLine.startsWith('dir:/')).toBe(true);
    expect(c.get('lxc.net.0.type')).toBe('empty');
    expect(c.size).toBe(4);
  });

  it('skips comments, blank and key-only lines; keeps "=" inside values; last assignment wins', () => {
    const c = parseLxcConfig(`# Template used to create this container\n\n${config}lxc.mount.entry = /a b none bind,x=1 0 0\nbogus line\nlxc.uts.name = web2\n`);
    expect(c.get('lxc.mount.entry')).toBe('/a b none bind,x=1 0 0');
    expect(c.get('lxc.uts.name')).toBe('web2');
    expect(c.has('bogus line')).toBe(false);
  });
});

describe('readLxcMetadata', () => {
  it('reads <lxcpath>/<name>/config, the default lxcpath when no monitor named one', () => {
    const root = filesRoot({ '/var/lib/lxc/web/config': config });
    expect(readLxcMetadata(root, null, 'web')).toEqual({ ok: true, value: { name: 'web', image: rootfsLine, sources: ['/var/lib/lxc/web/config'] } });
  });

  it('takes the rootfs from the LXC 2.x key lxc.rootfs', () => {
    const root = filesRoot({ '/srv/lxc/web/config': config.replace('lxc.rootfs.path =', 'lxc.rootfs =') });
    const r = readLxcMetadata(root, '/srv/lxc', 'web');
    expect(r.ok && r.value.image).toBe(rootfsLine);
  });

  it('is an absent gap naming the file when the config is not there', () => {
    const r = readLxcMetadata(filesRoot({}), '/srv/lxc', 'web');
    expect(r).toEqual({ ok: false, gap: { path: '/srv/lxc/web/config', reason: 'absent' } });
  });
});
