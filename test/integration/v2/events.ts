/**
 * `ctrscope events` on the live cgroup v2 guest guest.test.ts boots (test/vm/README.md): a pure v2 hierarchy with
 * systemd, where a container's exit shows in its `cgroup.events` (populated 0) and an OOM kill in
 * its `memory.events` (oom, oom_kill), both raised by the kernel as inotify IN_MODIFY. One
 * `events --json` runs in the guest while docker and rootless podman start, end, get killed and
 * OOM-killed there; each event is checked against what the engine says in the guest. Nothing is
 * timed (the guest is emulated).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Guest, q } from '../../helpers/guest.js';
import { schemaErrors } from '../../helpers/schema.js';

const P = 'ctrscope-v2-events';
const IMAGE = `${P}-bb:1`;
const TAR = '/opt/v2vm/busybox-rootfs.tar';
const GUEST_CTRSCOPE = '/opt/ctrscope/dist/ctrscope.mjs';
const OUT = `/tmp/${P}.ndjson`;
const ERR = `/tmp/${P}.err`;
/** Rootless podman as the guest's ordinary user (uid 1500, subuids, its own XDG_RUNTIME_DIR). */
const RL_USER = 'ctrscope-v2';
const asUser = (cmd: string): string =>
  `cd / && runuser -u ${RL_USER} -- env HOME=/home/${RL_USER} XDG_RUNTIME_DIR=/run/user/1500 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1500/bus PATH=/usr/bin:/bin ${cmd}`;

interface EventJson {
  action: string;
  container: { id: string; name: string | null; engine: string | null; image: string | null };
  pid: number | null;
  exitCode: number | null;
  exitSignal: number | null;
  exitSignalName: string | null;
  command: string | null;
  source: string;
}

/** Emulated: an observation takes seconds. */
const WAIT_MS = 240_000;

export function eventsSuite(guest: Guest): void {
  describe('events', () => {
    // Every guest call is asynchronous: one takes seconds under emulation, and vitest's worker
    // must keep answering its runner meanwhile.
    const sh = (script: string): Promise<string> => guest.sh(script, 5 * 60_000);
    const lines = async (): Promise<unknown[]> =>
      (await sh(`cat ${OUT} 2>/dev/null || true`))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as unknown);
    const find = async (pred: (e: EventJson) => boolean, what: string): Promise<EventJson> => {
      const end = Date.now() + WAIT_MS;
      for (;;) {
        const e = ((await lines()) as EventJson[]).find(pred);
        if (e) return e;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr: ${await sh(`cat ${ERR} || true`)}`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    };
    const docker = async (args: string): Promise<string> => (await sh(`docker ${args}`)).trim();

    beforeAll(async () => {
      await guest.sh(
        `docker image inspect ${IMAGE} >/dev/null 2>&1 || docker import ${TAR} ${IMAGE} >/dev/null
  ${asUser(`sh -c 'podman image exists localhost/${IMAGE} || podman import -q ${TAR} localhost/${IMAGE} >/dev/null'`)}
  cd / && nohup node ${GUEST_CTRSCOPE} events --json >${OUT} 2>${ERR} </dev/null & echo $! >/tmp/${P}.pid`,
        10 * 60_000,
      );
      // The baseline is done when a container started after it is reported.
      for (let i = 0; ; i++) {
        const id = await docker(`run -d --name ${P}-probe${i} ${IMAGE} sleep 3600`);
        const seen = await find((e) => e.action === 'start' && e.container.id === id, 'a probe').catch(() => undefined);
        if (seen) break;
        if (i >= 3) throw new Error(`events reported no probe container; stderr: ${await sh(`cat ${ERR} || true`)}`);
      }
    }, 20 * 60_000);

    afterAll(async () => {
      await sh(`kill -TERM "$(cat /tmp/${P}.pid)" 2>/dev/null; sleep 2
  docker rm -f $(docker ps -aq --filter name=${P}) >/dev/null 2>&1 || true
  ${asUser(`podman rm -f -t 0 ${P}-rl >/dev/null 2>&1 || true`)}; true`);
      for (const l of await lines()) expect(schemaErrors(l)).toEqual([]);
    }, 10 * 60_000);

    it("docker run sh -c 'exit 7': start and exit 7; its exit is also in cgroup.events (populated 0)", async () => {
      const name = `${P}-exit7`;
      await sh(`docker run --name ${name} ${IMAGE} sh -c 'exit 7' || true`);
      const id = await docker(`inspect -f '{{.Id}}' ${name}`);
      expect(await docker(`inspect -f '{{.State.ExitCode}}' ${name}`)).toBe('7');
      const exit = await find((e) => e.action === 'exit' && e.container.id === id, `exit of ${name}`);
      expect(exit).toMatchObject({ exitCode: 7, container: { name, engine: 'docker', image: IMAGE } });
      await find((e) => e.action === 'start' && e.container.id === id && e.pid === exit.pid, `start of ${name}`);
    });

    it('docker kill: exit 137, SIGKILL', async () => {
      const name = `${P}-kill`;
      const id = await docker(`run -d --name ${name} ${IMAGE} sleep 3600`);
      await find((e) => e.action === 'start' && e.container.id === id, `start of ${name}`);
      await docker(`kill ${name}`);
      const exit = await find((e) => e.action === 'exit' && e.container.id === id, `exit of ${name}`);
      expect(exit).toMatchObject({ exitCode: 137, exitSignal: 9, exitSignalName: 'SIGKILL' });
      expect(await docker(`inspect -f '{{.State.ExitCode}}' ${name}`)).toBe('137');
    });

    it('an OOM kill in a 16 MiB container: oom from memory.events, oom-kill naming the victim', async () => {
      const name = `${P}-oom`;
      const id = await docker(`run -d --name ${name} --memory 16m --memory-swap 16m ${IMAGE} sh -c 'sleep 2; tail /dev/zero; sleep 3600'`);
      const kill = await find((e) => e.action === 'oom-kill' && e.container.id === id, `oom-kill in ${name}`);
      expect(kill).toMatchObject({ command: 'tail', source: 'kmsg' });
      const oom = await find((e) => e.action === 'oom' && e.container.id === id, `oom in ${name}`);
      // v2 has no OOM eventfd: the kernel's memory.events notification is what said it.
      expect(oom.source).toBe('cgroup-events');
      const scope = (await sh(`sed -n 's/^0:://p' /proc/$(docker inspect -f '{{.State.Pid}}' ${name})/cgroup`)).trim();
      expect(await sh(`cat ${q(`/sys/fs/cgroup${scope}/memory.events`)}`)).toMatch(/^oom_kill [1-9]/m);
    });

    it('rootless podman (an ordinary user, --network none): start and exit with its code, named as podman says', async () => {
      const name = `${P}-rl`;
      const id = (await sh(asUser(`podman run -d --network none --name ${name} localhost/${IMAGE} sh -c 'sleep 20; exit 5'`))).trim();
      const start = await find((e) => e.action === 'start' && e.container.id === id, `start of ${name}`);
      expect(start.container).toMatchObject({ name, engine: 'podman', image: `localhost/${IMAGE}` });
      const exit = await find((e) => e.action === 'exit' && e.container.id === id, `exit of ${name}`);
      expect(exit.exitCode).toBe(5);
      expect((await sh(asUser(`podman inspect -f '{{.State.ExitCode}}' ${name}`))).trim()).toBe('5');
    });
  });
}
