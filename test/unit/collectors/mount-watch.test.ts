/**
 * The mount watch on a recorded host (samples/hybrid-handmade): its mountinfo files are regular
 * files, which poll(2) never reports with POLLPRI or POLLERR, so a recorded tree is read once and
 * never counts as changed; the decisions are those of an uncached collection.
 */
import { describe, expect, it } from 'vitest';
import { collectSnapshot, type RefreshCache } from '../../../collectors/collect.js';
import { openHostRoot } from '../../../collectors/host-root.js';
import { createMountWatch } from '../../../collectors/mount-watch.js';
import { IncrementalScanner } from '../../../collectors/processes.js';

// hm3 of the sample's README: `unshare --mount --root=$R sleep`, chrooted, so its mountinfo is empty.
const HM3_MNT = 4026532323;

describe('mount watch on a recorded tree', () => {
  it('keeps one descriptor per decided namespace, reports no change, and decides as an uncached collection', () => {
    const root = openHostRoot('samples/hybrid-handmade');
    const mounts = createMountWatch(root);
    expect(mounts).not.toBeNull();
    const cache: RefreshCache = { rootDiffers: new Map(), previous: null, mounts };
    const scanner = new IncrementalScanner(root);
    try {
      const a = collectSnapshot(root, { nowMs: 1, scanner, cache });
      const uncached = collectSnapshot(openHostRoot('samples/hybrid-handmade'), { nowMs: 1 });
      expect(a.rootDiffers).toEqual(uncached.rootDiffers);
      expect(a.rootDiffers.get(HM3_MNT)).toBe(true);
      expect(mounts?.size).toBe(a.rootDiffers.size);
      expect([...(mounts?.changed() ?? [0])]).toEqual([]);
      const b = collectSnapshot(root, { nowMs: 2, scanner, cache });
      expect(b.rootDiffers).toEqual(a.rootDiffers);
      expect(mounts?.size).toBe(a.rootDiffers.size);
    } finally {
      mounts?.close();
    }
  });
});
