/**
 * The live cgroup v2 suite: one Debian 12 systemd guest under QEMU (test/vm/README.md), booted
 * once for all of it (a boot is over a minute of emulation), runs three suites in turn, each
 * removing its containers when it ends:
 * - engines.ts: every engine's containers, their limits and the kernel's v2 files;
 * - serve.ts: `ctrscope serve` scraped in the guest;
 * - events.ts: `ctrscope events` while containers start, end and are OOM-killed.
 */
import { afterAll, beforeAll } from 'vitest';
import { describeGuest, Guest } from '../../helpers/guest.js';
import { enginesSuite } from './engines.js';
import { eventsSuite } from './events.js';
import { serveSuite } from './serve.js';

describeGuest('cgroup v2 guest: systemd Debian 12 under QEMU', () => {
  const guest = new Guest();

  beforeAll(async () => {
    try {
      await guest.start();
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- guest console ---\n${await guest.console()}`);
    }
  }, 35 * 60_000);

  afterAll(async () => {
    // Whatever a suite left lives on the guest's throw-away disk (snapshot=on): stopping QEMU removes it.
    await guest.stop();
  }, 120_000);

  enginesSuite(guest);
  serveSuite(guest);
  eventsSuite(guest);
});
