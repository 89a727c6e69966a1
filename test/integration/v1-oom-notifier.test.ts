/**
 * The cgroup v1 OOM notifier (collectors/events/v1-oom.ts) on a real memory cgroup: the kernel
 * signals its eventfd once more when the cgroup is removed, and an engine restarting a container
 * under the same id makes the cgroup again at the same path before the signal may be read. The
 * notifier must tell that from an OOM. The cgroup is named under this file's prefix and removed
 * in finally.
 */
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { registerOomNotifier } from '../../collectors/events/v1-oom.js';
import { readFd } from '../../collectors/events/kernel-io.js';
import { openHostRoot } from '../../collectors/host-root.js';
import { describeWith, testPrefix, waitFor } from '../helpers/host.js';

const MEMORY = '/sys/fs/cgroup/memory';

describeWith(['root'], 'v1 OOM notifier', () => {
  const dir = `/${testPrefix('oomfd')}`;
  const path = `${MEMORY}${dir}`;

  it('is the same cgroup until it is removed, and not the one made again at the same path', async () => {
    expect(existsSync(`${MEMORY}/cgroup.event_control`), 'a cgroup v1 memory hierarchy').toBe(true);
    mkdirSync(path);
    const root = openHostRoot('/');
    const n = registerOomNotifier(root, `/sys/fs/cgroup/memory${dir}`);
    try {
      if ('error' in n) throw new Error(n.error);
      expect(n.sameCgroup()).toBe(true);
      rmdirSync(path);
      mkdirSync(path);
      // The removal signals the eventfd (from the kernel's offline work, soon after rmdir): 8
      // bytes, a count of 1.
      const buf = Buffer.alloc(8);
      await waitFor(() => (readFd(n.fd, buf) === 8 ? true : undefined), 10_000, 'the removal signal');
      expect(buf.readBigUInt64LE(0)).toBe(1n);
      expect(n.sameCgroup()).toBe(false);
      rmdirSync(path);
      expect(n.sameCgroup()).toBe(false);
    } finally {
      if (!('error' in n)) n.close();
      if (existsSync(path)) rmdirSync(path);
    }
  });
});
