/**
 * Block I/O files (kernel cgroup-v2.rst "IO"; cgroup-v1/blkio-controller.rst):
 *   v2 io.stat:  8:0 rbytes=512 wbytes=4096 rios=100 wios=1 dbytes=5 dios=23
 *   v2 io.max:   8:16 rbps=2097152 wbps=max riops=max wiops=120
 *   v1 blkio.throttle.io_service_bytes(_recursive) and io_serviced(_recursive):
 *                8:0 Read 3448832 / 8:0 Write 25203200 / ... / Total 28652032
 */
import { ParseError, parseSafeInt } from '../read.js';
import type { IoDeviceUsage } from '../../src/model/resources.js';
import type { MaxOr } from './values.js';

const DEVICE = /^\d+:\d+$/;

function kvInt(pairs: ReadonlyMap<string, string>, key: string, line: string): number | null {
  const v = pairs.get(key);
  if (v === undefined) return null;
  if (!/^\d+$/.test(v)) throw new ParseError(`io.stat: ${key} is not a count`, line);
  return parseSafeInt(v, key);
}

/**
 * v2 `io.stat`. Some kernels print the names of devices that have no stats without a newline,
 * so one line can start with several `maj:min` tokens (`7:7 7:6 7:5 rbytes=…`, seen on Ubuntu);
 * the pairs then belong to the last of them and the others have nothing to report.
 */
export function parseIoStat(text: string): IoDeviceUsage[] {
  const out: IoDeviceUsage[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/).filter((t) => t !== '');
    if (tokens.length === 0) continue;
    let device: string | null = null;
    const pairs = new Map<string, string>();
    for (const t of tokens) {
      if (DEVICE.test(t)) {
        if (pairs.size > 0) throw new ParseError('io.stat: device after key=value pairs', line);
        device = t;
        continue;
      }
      const eq = t.indexOf('=');
      if (eq <= 0 || device === null) throw new ParseError('io.stat: expected "maj:min key=value..."', line);
      pairs.set(t.slice(0, eq), t.slice(eq + 1));
    }
    if (device === null || pairs.size === 0) continue;
    out.push({ device, readBytes: kvInt(pairs, 'rbytes', line), writeBytes: kvInt(pairs, 'wbytes', line), readOps: kvInt(pairs, 'rios', line), writeOps: kvInt(pairs, 'wios', line) });
  }
  return out;
}

export interface IoDeviceLimit {
  readonly device: string;
  readonly readBps: MaxOr;
  readonly writeBps: MaxOr;
  readonly readIops: MaxOr;
  readonly writeIops: MaxOr;
}

/** v2 `io.max`: only devices with a limit are listed; a missing key is "max". */
export function parseIoMax(text: string): IoDeviceLimit[] {
  const out: IoDeviceLimit[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/).filter((t) => t !== '');
    if (tokens.length === 0) continue;
    const [device, ...rest] = tokens as [string, ...string[]];
    if (!DEVICE.test(device)) throw new ParseError('io.max: expected "maj:min key=value..."', line);
    const v: Record<string, MaxOr> = { rbps: 'max', wbps: 'max', riops: 'max', wiops: 'max' };
    for (const t of rest) {
      const m = /^(rbps|wbps|riops|wiops)=(max|\d+)$/.exec(t);
      if (!m) throw new ParseError('io.max: expected rbps|wbps|riops|wiops=<n|max>', line);
      v[m[1] as string] = m[2] === 'max' ? 'max' : parseSafeInt(m[2] as string, m[1]);
    }
    out.push({ device, readBps: v['rbps'] as MaxOr, writeBps: v['wbps'] as MaxOr, readIops: v['riops'] as MaxOr, writeIops: v['wiops'] as MaxOr });
  }
  return out;
}

/** v1 blkio throttle counters per device: `maj:min Op value` lines plus a `Total value` line. */
export function parseBlkioThrottle(text: string, file: string): Map<string, { read: number | null; write: number | null }> {
  const out = new Map<string, { read: number | null; write: number | null }>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    const parts = t.split(/\s+/);
    if (parts[0] === 'Total' && parts.length === 2) {
      parseSafeInt(parts[1] as string, 'Total');
      continue;
    }
    if (parts.length !== 3 || !DEVICE.test(parts[0] as string)) throw new ParseError(`${file}: expected "maj:min Op value"`, line);
    const n = parseSafeInt(parts[2] as string, parts[1]);
    if (n < 0) throw new ParseError(`${file}: negative counter`, line);
    const d = out.get(parts[0] as string) ?? { read: null, write: null };
    if (parts[1] === 'Read') d.read = n;
    else if (parts[1] === 'Write') d.write = n;
    out.set(parts[0] as string, d);
  }
  return out;
}

/** v1 `blkio.throttle.{read,write}_{bps,iops}_device`: `maj:min value` per limited device. */
export function parseBlkioThrottleLimit(text: string, file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    const m = /^(\d+:\d+)\s+(\d+)$/.exec(t);
    if (!m) throw new ParseError(`${file}: expected "maj:min value"`, line);
    out.set(m[1] as string, parseSafeInt(m[2] as string, file));
  }
  return out;
}
