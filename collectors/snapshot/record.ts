/**
 * `ctrscope snapshot`: run every collection ctrscope makes (the `ps` scan with engine metadata,
 * container details, the `ns` pin scan, inspect's security inputs) through a RecordingRoot, and return the files it read, scrubbed unless
 * told otherwise, with a meta.json describing the capture. Writing the archive is the CLI's job.
 *
 * Replay: unpacked under DIR, `--root DIR` reads these same paths and so sees the same host.
 * Reads that found nothing (an exited process, an absent engine) are not recorded, and find
 * nothing again. `/proc/self` is recorded as a plain directory holding the recorder's own files
 * (its mountinfo tells where the cgroup hierarchies are mounted), since a tree has no "self".
 */
import type { HostSnapshot } from '../../src/model/host.js';
import { buildHostModel } from '../../src/model/host-model.js';
import { flaggedMounts } from '../../src/model/mount-findings.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { collectSnapshot, readCgroupLayout } from '../collect.js';
import { collectDetails } from '../details.js';
import { formatKmsgRecord, isOomRecord, readKernelLog } from '../events/kmsg.js';
import type { HostRoot } from '../host-root.js';
import { collectNsPins } from '../namespaces.js';
import { collectHostSummary } from '../host-summary.js';
import { createResourceReader } from '../resources.js';
import { collectSecurityInputs } from '../security.js';
import { RecordingRoot, type RecordedEntry, type UnreadPath } from './recording-root.js';
import { keepLink, scrubFile } from './scrub.js';

export interface SnapshotMeta {
  readonly format: 'ctrscope-snapshot';
  readonly formatVersion: 1;
  readonly capturedAt: string;
  readonly ctrscopeVersion: string;
  readonly hostname: string | null;
  readonly kernel: string | null;
  readonly cgroupMode: string | null;
  readonly clockTicksPerSec: number;
  /** False when recorded with --keep-env: the archive may then hold secrets. */
  readonly scrubbed: boolean;
  readonly processes: number;
  readonly files: number;
  /** Paths that exist but could not be read (EACCES...), and engine databases left out unread: they replay as absent. */
  readonly unreadable: readonly UnreadPath[];
}

export interface Recording {
  readonly entries: ReadonlyMap<string, RecordedEntry>;
  readonly meta: SnapshotMeta;
  readonly snapshot: HostSnapshot;
}

/** One line per unreadable fd directory rather than one per fd (pid 1 alone has hundreds). */
function unreadable(unread: ReadonlyMap<string, string>): UnreadPath[] {
  const out = new Map<string, string>();
  for (const [path, reason] of unread) out.set(path.replace(/^(\/proc\/\d+\/fd)\/\d+$/, '$1/*'), reason);
  return [...out].map(([path, reason]) => ({ path, reason })).sort((a, b) => a.path.localeCompare(b.path));
}

/** The entries of a recording with every file scrubbed (scrubFile), and the files left out. */
export function scrubEntries(recorded: ReadonlyMap<string, RecordedEntry>): { entries: Map<string, RecordedEntry>; leftOut: UnreadPath[] } {
  const entries = new Map<string, RecordedEntry>();
  const leftOut: UnreadPath[] = [];
  for (const [path, e] of recorded) {
    const content = e.kind === 'file' ? scrubFile(path, e.content) : null;
    if (e.kind !== 'file') entries.set(path, e);
    else if (content === null) leftOut.push({ path, reason: 'left out: an engine database ctrscope could not read, so not scrubbable' });
    else entries.set(path, { kind: 'file', content });
  }
  return { entries, leftOut };
}

export async function recordHost(root: HostRoot, opts: { keepEnv: boolean; nowMs: number; version: string }): Promise<Recording> {
  const rec = new RecordingRoot(root);
  // Everything any command reads: every process in full, child namespace links included.
  const snapshot = collectSnapshot(rec, { nowMs: opts.nowMs, everyProcess: true, childNamespaces: true });
  // What ps, ns, inspect and top read beyond the scan: cgroup resources (one sample: a tree is one
  // instant), filesystem and network details, namespace pins, each container's security inputs.
  const model = buildHostModel(snapshot);
  createResourceReader(rec, { continuous: false, clock: () => performance.now(), recorded: false }).read(model, model.containers, { noExit: false });
  const { details } = collectDetails(rec, model);
  collectNsPins(rec, snapshot.processes);
  // top's header: uptime, load and memory of the recorded host.
  collectHostSummary(rec);
  const { layout } = readCgroupLayout(rec);
  const byPid = new Map(snapshot.processes.map((p) => [p.pid, p]));
  for (const c of model.containers) {
    collectSecurityInputs(rec, layout, c.pid, byPid.get(c.pid)?.cgroups ?? null, flaggedMounts(details.get(containerKey(c))?.fs ?? null));
  }
  // inspect's past OOM kills: the kernel log's OOM kill lines only, replayed as a plain /dev/kmsg file.
  const log = readKernelLog(root);
  if ('records' in log) rec.entries.set('/dev/kmsg', { kind: 'file', content: Buffer.from(log.records.filter(isOomRecord).map((r) => `${formatKmsgRecord(r)}\n`).join('')) });
  const kept = new Map<string, RecordedEntry>();
  for (const [path, e] of rec.entries) if (e.kind !== 'link' || keepLink(path, e.target)) kept.set(path, e);
  const { entries, leftOut } = opts.keepEnv ? { entries: kept, leftOut: [] } : scrubEntries(kept);
  const meta: SnapshotMeta = {
    format: 'ctrscope-snapshot',
    formatVersion: 1,
    capturedAt: new Date(opts.nowMs).toISOString(),
    ctrscopeVersion: opts.version,
    hostname: snapshot.hostname,
    kernel: snapshot.kernel,
    cgroupMode: snapshot.cgroupMode,
    clockTicksPerSec: snapshot.clockTicksPerSec,
    scrubbed: !opts.keepEnv,
    processes: snapshot.processes.length,
    files: entries.size,
    unreadable: [...unreadable(rec.unread), ...leftOut],
  };
  return { entries, meta, snapshot };
}
