/**
 * systemd-machined's record of a registered machine, `/run/systemd/machines/<name>`
 * (systemd src/machine/machine.c machine_save): env-style `KEY=value` lines.
 *   NAME=debian
 *   ROOT=/var/lib/machines/debian
 *   LEADER=51234
 *   CLASS=container
 * `systemd-nspawn --register=no` leaves no record; the container is then known from its
 * systemd-nspawn parent and its -D/-M arguments.
 */
import type { EngineMetadata } from '../../src/model/container.js';
import type { HostRoot } from '../host-root.js';
import { readParsed } from '../host-root.js';
import type { Read } from '../read.js';
import { parseLxcConfig } from './lxc.js';

export function readNspawnMetadata(root: HostRoot, name: string, directory: string | null): Read<EngineMetadata> {
  const file = `/run/systemd/machines/${name}`;
  const r = readParsed(root, file, parseLxcConfig);
  if (!r.ok) return { ok: true, value: { name, image: directory, sources: [] } };
  return { ok: true, value: { name: r.value.get('NAME') ?? name, image: r.value.get('ROOT') ?? directory, sources: [file] } };
}
