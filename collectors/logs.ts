/**
 * A container's log from the files its engine keeps on disk, read-only through the HostRoot:
 * where the file is (src/model/engines.ts ENGINE_LOGS says which record names it), and its
 * last lines. Nothing here runs until top's log view asks, and then only for the container
 * shown.
 */
import type { Container } from '../src/model/container.js';
import type { LogLocation, LogTail } from '../src/model/container-log.js';
import { ENGINE_LOGS, NO_ENGINE_LOG } from '../src/model/engines.js';
import type { Process } from '../src/model/process.js';
import type { HostRoot } from './host-root.js';
import { conmonLogTarget, LOG_PARSERS } from './log-formats.js';

/** How much of the end of a log is read: enough for a screen and some scrolling back. */
export const TAIL_BYTES = 128 * 1024;
/** Lines kept of what was read. */
export const TAIL_LINES = 1000;

const gapText = (g: { reason: string; detail?: string }): string => `${g.reason}${g.detail ? ` (${g.detail})` : ''}`;

function readJson(root: HostRoot, path: string): Record<string, unknown> | null {
  const r = root.readText(path);
  if (!r.ok) return null;
  try {
    const v: unknown = JSON.parse(r.value);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** docker: config.v2.json's LogPath (json-file driver), else what its driver does instead. */
function fromDockerRecord(root: HostRoot, c: Container): LogLocation | null {
  const record = c.metadata?.sources.find((s) => s.endsWith('/config.v2.json'));
  if (record === undefined) return { kind: 'none', reason: "docker's record of this container (config.v2.json) was not found" };
  const dir = record.slice(0, -'/config.v2.json'.length);
  const host = readJson(root, `${dir}/hostconfig.json`);
  const logConfig = host?.['LogConfig'] as { Type?: unknown } | undefined;
  const driver = typeof logConfig?.Type === 'string' && logConfig.Type !== '' ? logConfig.Type : null;
  const short = c.id.slice(0, 12);
  if (driver === 'journald') return { kind: 'none', reason: `it logs to the journal (--log-driver journald): journalctl CONTAINER_ID=${short}` };
  if (driver === 'none') return { kind: 'none', reason: 'its logging is off (--log-driver none)' };
  if (driver === 'local') return { kind: 'none', reason: `the local log driver keeps it in docker's own binary format under ${dir}/local-logs, which docker logs reads` };
  if (driver !== null && driver !== 'json-file') return { kind: 'none', reason: `the ${driver} log driver sends it off the host` };
  const config = readJson(root, record);
  const path = config?.['LogPath'];
  if (typeof path === 'string' && path !== '') return { kind: 'file', format: 'json-file', path, from: 'LogPath in config.v2.json' };
  if (config === null) return { kind: 'none', reason: `${record} could not be read` };
  return null;
}

/** podman, CRI-O: conmon's `-l` argument; podman's userdata/ctr.log when the argv is not known. */
function fromConmon(root: HostRoot, c: Container, processes: ReadonlyMap<number, Process>): LogLocation | null {
  const argv = c.monitor?.kind === 'conmon' ? processes.get(c.monitor.pid)?.cmdline : null;
  const target = argv ? conmonLogTarget(argv) : null;
  if (target !== null) {
    if (target.path !== null) return { kind: 'file', format: 'cri', path: target.path, from: `conmon -l, ${target.driver}` };
    if (target.driver === 'journald') return { kind: 'none', reason: `it logs to the journal (--log-driver journald): journalctl CONTAINER_ID_FULL=${c.id}` };
    if (target.driver === 'none') return { kind: 'none', reason: 'its logging is off (--log-driver none)' };
    if (target.driver === 'passthrough') return { kind: 'none', reason: "the passthrough log driver hands the output to the terminal podman ran in" };
    return { kind: 'none', reason: `conmon logs it with the ${target.driver} driver, which keeps no file` };
  }
  const bundle = c.metadata?.sources.find((s) => /\/userdata\/config\.json$/.test(s));
  if (c.engine === 'podman' && bundle !== undefined) {
    const path = bundle.replace(/config\.json$/, 'ctr.log');
    if (root.lstat?.(path).ok ?? root.readDir(path.replace(/\/ctr\.log$/, '')).ok) return { kind: 'file', format: 'cri', path, from: "podman's userdata/ctr.log" };
  }
  return null;
}

/** Kubernetes: /var/log/pods/<ns>_<pod>_<uid>/<container>/<restarts>.log, the latest restart's. */
function fromKubeletPods(root: HostRoot, c: Container): LogLocation | null {
  const k = c.kubernetes ?? c.metadata?.kubernetes ?? null;
  if (k === null || k.containerType === 'sandbox') return k?.containerType === 'sandbox' ? { kind: 'none', reason: "a pod's sandbox (pause) container writes no log" } : null;
  if (k.namespace === null || k.podName === null || k.podUid === null || k.containerName === null) return null;
  const dir = `/var/log/pods/${k.namespace}_${k.podName}_${k.podUid}/${k.containerName}`;
  const files = root.readDir(dir);
  if (!files.ok) return null;
  const restarts = files.value.map((f) => /^(\d+)\.log$/.exec(f)?.[1]).filter((n) => n !== undefined).map(Number);
  if (restarts.length === 0) return null;
  return { kind: 'file', format: 'cri', path: `${dir}/${Math.max(...restarts)}.log`, from: 'the kubelet pod log directory' };
}

/** Where a container's log is on disk, or why it is not. Reads only the records its engine keeps. */
export function locateLog(root: HostRoot, c: Container, processes: ReadonlyMap<number, Process>): LogLocation {
  if (c.engine === null) return { kind: 'none', reason: NO_ENGINE_LOG };
  const rule = ENGINE_LOGS[c.engine];
  for (const source of rule.sources) {
    const found = source === 'docker-record' ? fromDockerRecord(root, c) : source === 'conmon-argv' ? fromConmon(root, c, processes) : fromKubeletPods(root, c);
    if (found !== null) return found;
  }
  return { kind: 'none', reason: rule.noFile };
}

/** The last lines of a located log. */
export function readLogTail(root: HostRoot, location: LogLocation): LogTail {
  const empty = { lines: [], sizeBytes: null, truncated: false, malformed: 0 };
  if (location.kind === 'none') return { location, ...empty, error: null };
  if (!root.readTail) return { location, ...empty, error: 'this host root cannot read the end of a file' };
  const r = root.readTail(location.path, TAIL_BYTES);
  if (!r.ok) return { location, ...empty, error: r.gap.reason === 'absent' ? 'the file does not exist (not created yet, rotated away, or not in this host tree)' : gapText(r.gap) };
  const parsed = LOG_PARSERS[location.format](r.value.text, r.value.from > 0);
  const lines = parsed.lines.length > TAIL_LINES ? parsed.lines.slice(-TAIL_LINES) : parsed.lines;
  return { location, lines, sizeBytes: r.value.size, truncated: r.value.from > 0 || lines.length < parsed.lines.length, malformed: parsed.malformed, error: null };
}
