/**
 * A HostRoot that forwards to another and keeps what every successful read returned, so that
 * `ctrscope snapshot` records exactly the bytes the collectors saw, in the same pass.
 *
 * Why a wrapper and not HostRoot.onRead: onRead reports a path before it is read, so recording
 * through it means reading each file a second time. A process's stat would then be recorded from
 * a later moment than the scan used, and a process that exits in between would leave a tree whose
 * replay disagrees with what the live scan saw. Forwarding records the very result instead.
 */
import type { HostRoot } from '../host-root.js';
import { ok, type Read } from '../read.js';

export type RecordedEntry =
  | { readonly kind: 'file'; readonly content: Buffer }
  | { readonly kind: 'link'; readonly target: string }
  | { readonly kind: 'dir' };

/** A read that failed with something other than "not there": kept in meta.json as evidence. */
export interface UnreadPath {
  readonly path: string;
  readonly reason: string;
}

export class RecordingRoot implements HostRoot {
  readonly kind: 'live' | 'recorded';
  readonly dir: string;
  /** Host path -> what was read there; the first successful read of a path wins. */
  readonly entries = new Map<string, RecordedEntry>();
  readonly unread = new Map<string, string>();
  private readonly inner: HostRoot;

  constructor(inner: HostRoot) {
    this.inner = inner;
    this.kind = inner.kind;
    this.dir = inner.dir;
  }

  private note<T>(path: string, r: Read<T>, entry: (v: T) => RecordedEntry): Read<T> {
    if (r.ok) {
      if (!this.entries.has(path)) this.entries.set(path, entry(r.value));
    } else if (r.gap.reason === 'denied' || r.gap.reason === 'failed') {
      this.unread.set(path, r.gap.detail ?? r.gap.reason);
    }
    return r;
  }

  readText(hostPath: string): Read<string> {
    // Through readBytes, so the archive holds the exact bytes, not a UTF-8 round trip.
    const r = this.readBytes(hostPath);
    return r.ok ? ok(r.value.toString('utf8')) : r;
  }

  readBytes(hostPath: string): Read<Buffer> {
    return this.note(hostPath, this.inner.readBytes(hostPath), (content) => ({ kind: 'file', content }));
  }

  readLink(hostPath: string): Read<string> {
    return this.note(hostPath, this.inner.readLink(hostPath), (target) => ({ kind: 'link', target }));
  }

  readDir(hostPath: string): Read<string[]> {
    return this.note(hostPath, this.inner.readDir(hostPath), () => ({ kind: 'dir' }));
  }

  resolve(hostPath: string): string {
    return this.inner.resolve(hostPath);
  }
}
