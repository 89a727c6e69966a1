/**
 * A container's filesystem worked out with the mounts shared between namespaces (SharedMounts:
 * each distinct line once per collection) is the one worked out from its own table alone, for
 * every container of every recorded host, flags included.
 */
import { describe, expect, it } from 'vitest';
import { readHostMountInfo, fsContext } from '../../../collectors/details.js';
import { collectContainerFs, SharedMounts } from '../../../collectors/filesystem.js';
import { openHostRoot } from '../../../collectors/host-root.js';
import { createObserver } from '../../../src/observe/observer.js';

describe('collectContainerFs with shared mounts', () => {
  for (const name of ['hybrid-docker', 'hybrid-handmade', 'v2-systemd']) {
    it(`${name}: the same mounts, rootfs and gaps as each table alone`, () => {
      const root = openHostRoot(`samples/${name}`);
      const observer = createObserver(root, { resources: false, network: false });
      try {
        const model = observer.observe().model;
        const host = readHostMountInfo(root).entries;
        const shared = { ...fsContext(root, model, host), shared: new SharedMounts() };
        const { shared: _none, ...alone } = fsContext(root, model, host);
        let mounts = 0;
        for (const c of model.containers) {
          if (c.hostNamespaces.includes('mnt')) continue;
          const a = collectContainerFs(root, c.pid, c.namespaces.mnt ?? null, alone);
          const s = collectContainerFs(root, c.pid, c.namespaces.mnt ?? null, shared);
          expect(s, `${name} ${c.pid}`).toEqual(a);
          mounts += a.mounts.length;
        }
        expect(mounts).toBeGreaterThan(10);
        expect(shared.shared.views.size).toBeGreaterThan(0);
      } finally {
        observer.close();
      }
    });
  }
});
