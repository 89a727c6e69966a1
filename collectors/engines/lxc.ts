/**
 * LXC container config `<lxcpath>/<name>/config` (lxc src/lxc/confile.c): `key = value` lines.
 *   lxc.rootfs.path = dir:/var/lib/lxc/c1/rootfs
 *   lxc.uts.name = c1
 * lxcpath comes from the monitor's title `[lxc monitor] <lxcpath> <name>`, default /var/lib/lxc.
 */
import type { EngineMetadata } from '../../src/model/container.js';
import type { HostRoot } from '../host-root.js';
import { readParsed } from '../host-root.js';
import type { Read } from '../read.js';

export function parseLxcConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

/** The keys of an LXC config readLxcMetadata reads. */
const LXC_KEYS_READ = new Set(['lxc.rootfs.path', 'lxc.rootfs']);

/**
 * An LXC config as `ctrscope snapshot` records it: the lines readLxcMetadata reads, nothing else
 * (`lxc.environment`, `lxc.init.cmd`, hook commands and their arguments stay out).
 */
export function reduceLxcConfig(text: string): string {
  return text
    .split('\n')
    .filter((raw) => {
      const eq = raw.indexOf('=');
      return eq > 0 && !raw.trim().startsWith('#') && LXC_KEYS_READ.has(raw.slice(0, eq).trim());
    })
    .map((l) => `${l}\n`)
    .join('');
}

export function readLxcMetadata(root: HostRoot, lxcpath: string | null, name: string): Read<EngineMetadata> {
  const file = `${lxcpath ?? '/var/lib/lxc'}/${name}/config`;
  const r = readParsed(root, file, parseLxcConfig);
  if (!r.ok) return r;
  // LXC 2.x wrote `lxc.rootfs`; 3.0 renamed it `lxc.rootfs.path` (lxc src/lxc/confile.c).
  const rootfs = r.value.get('lxc.rootfs.path') ?? r.value.get('lxc.rootfs') ?? null;
  return { ok: true, value: { name, image: rootfs, sources: [file] } };
}
