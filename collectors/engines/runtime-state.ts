/**
 * runc and crun state, the only record plain `runc run` / `crun run` containers leave:
 *  - runc: `<root>/<id>/state.json` (runc libcontainer/container_linux.go), root `/run/runc`, or
 *    `$XDG_RUNTIME_DIR/runc` for rootless users:
 *      {"id":"web","init_process_pid":48213,"init_process_start":1234567,"config":{"labels":["bundle=/srv/web"]},...}
 *  - crun: `<root>/<id>/status` (crun src/libcrun/status.c), root `/run/crun` or `$XDG_RUNTIME_DIR/crun`:
 *      {"pid":48213,"process-start-time":1234567,"bundle":"/srv/web",...}
 * Podman and CRI-O drive runc with the default root too, so their containers appear here as
 * well; reconstruct only uses these to label containers no engine claimed. Where these files are
 * looked for is the runtimes' `stateFiles` in readers.ts.
 */
import type { EngineMetadata } from '../../src/model/container.js';
import type { RuntimeState } from '../../src/model/reconstruct.js';
import { ParseError } from '../read.js';
import { parseJsonObject, type JsonShape } from './json.js';


const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Start time in clock ticks. runc before 1.0 wrote `init_process_start` as a decimal string
 * (libcontainer State.InitProcessStartTime string), later runc as a number.
 */
function ticks(v: unknown): number | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  return null;
}

/** The keys of runc's state.json and crun's status the parsers below read (what a snapshot keeps). */
export const RUNC_STATE_READ: JsonShape = { id: true, init_process_pid: true, init_process_start: true, created: true, config: { labels: true, rootfs: true } };
export const CRUN_STATUS_READ: JsonShape = { pid: true, 'process-start-time': true, bundle: true, rootfs: true, created: true };

export function parseRuncState(text: string, source: string): RuntimeState {
  const o = parseJsonObject(text);
  const id = o['id'];
  const pid = o['init_process_pid'];
  if (typeof id !== 'string' || typeof pid !== 'number') throw new ParseError('expected "id" and "init_process_pid"', text);
  const config = typeof o['config'] === 'object' && o['config'] !== null ? (o['config'] as Record<string, unknown>) : {};
  const labels = config['labels'];
  const bundle = Array.isArray(labels) ? (labels.find((l): l is string => typeof l === 'string' && l.startsWith('bundle=')) ?? null) : null;
  return {
    runtime: 'runc',
    id,
    pid,
    starttimeTicks: ticks(o['init_process_start']),
    bundle: bundle?.slice('bundle='.length) ?? null,
    rootfs: str(config['rootfs']),
    createdAt: str(o['created']),
    source,
  };
}

export function parseCrunStatus(text: string, id: string, source: string): RuntimeState {
  const o = parseJsonObject(text);
  const pid = o['pid'];
  if (typeof pid !== 'number') throw new ParseError('expected "pid"', text);
  const bundle = str(o['bundle']);
  // crun keeps `rootfs` as config.json wrote it, often relative to the bundle.
  const rootfs = str(o['rootfs']);
  return {
    runtime: 'crun',
    id,
    pid,
    starttimeTicks: ticks(o['process-start-time']),
    bundle,
    rootfs: rootfs !== null && !rootfs.startsWith('/') && bundle !== null ? `${bundle.replace(/\/+$/, '')}/${rootfs}` : rootfs,
    createdAt: str(o['created']),
    source,
  };
}

/** What a state file says about its container, as engine metadata (runc has ids, not names). */
export function runtimeStateMetadata(s: RuntimeState): EngineMetadata {
  return { name: s.id, image: s.rootfs, runtime: s.runtime, createdAt: s.createdAt, sources: [s.source] };
}
