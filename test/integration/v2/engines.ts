/**
 * cgroup v2 with systemd, live, on the guest guest.test.ts boots (test/vm/README.md): it runs docker (runc and crun), rootful podman (crun, runc, a pod), rootless
 * podman, runc with the systemd cgroup driver, systemd-nspawn registered with machined, ctr in its
 * own containerd namespace and LXC. ctrscope runs in the guest; each assertion compares its JSON
 * with what the engines' own tools and the cgroup files in the guest say. Nothing is timed in the
 * guest (it is emulated): CPU figures are ratios of the guest kernel's own counters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Guest, q } from '../../helpers/guest.js';
import { schemaErrors } from '../../helpers/schema.js';
import type { PsJson, PsJsonContainer } from '../../helpers/host.js';

const P = 'ctrscope-v2';
const MiB = 1024 * 1024;

// ---- The JSON fields asserted, in one place: the observation pipeline may move or extend them.
interface Limits { cpuCores: number | null; cpuPeriodUsec: number | null; memoryBytes: number | null; memoryHighBytes: number | null; pids: number | null }
interface Usage {
  cpuPercentOfLimit: number | null;
  throttledPercent: number | null;
  throttling: { periods: number | null; throttledPeriods: number | null };
  io: Array<{ device: string; readBytes: number | null; writeBytes: number | null }> | null;
  events: { oom: number | null; oomKill: number | null };
  pressure: Record<'cpu' | 'memory' | 'io', { some: { totalUsec: number } | null; full: { totalUsec: number } | null } | null>;
}
const limits = (c: PsJsonContainer): Limits => (c as unknown as { limits: Limits }).limits;
const usage = (c: PsJsonContainer): Usage => (c as unknown as { usage: Usage }).usage;
/** The directory ctrscope read a controller's files from. */
const cgroupDir = (c: PsJsonContainer, controller: string): string | undefined => (c as unknown as { resources: { cgroups: Record<string, string> } }).resources.cgroups[controller];
/**
 * The limit that binds the container: the tightest over its cgroup and its ancestors. crun and
 * nspawn put the processes one level below the unit that systemd limits (TasksMax, MemoryMax),
 * so the container's own cgroup file says `max` while the scope's limit holds.
 */
const effectivePids = (c: PsJsonContainer): number | null => limits(c).pids;
const effectiveMemory = (c: PsJsonContainer): number | null => limits(c).memoryBytes;

/** `max` as null, else the number. */
const maxOr = (s: string): number | null => (s === 'max' ? null : Number(s));
/** cpu.max "QUOTA PERIOD" as cores. */
const cpuMaxCores = (s: string): number | null => {
  const [quota, period] = s.split(' ');
  return quota === 'max' ? null : Number(quota) / Number(period);
};
const byName = (doc: PsJson, name: string): PsJsonContainer => {
  const c = doc.containers.find((x) => x.name === name);
  if (!c) throw new Error(`ctrscope found no container named ${name}: ${doc.containers.map((x) => x.name).join(', ')}`);
  return c;
};

interface DockerInspect { Id: string; Name: string; Config: { Image: string }; State: { Pid: number }; HostConfig: { Runtime: string; Memory: number; NanoCpus: number; PidsLimit: number | null; CgroupnsMode: string } }
interface PodmanInspect { Id: string; Name: string; ImageName: string; OCIRuntime: string; Pod: string; IsInfra: boolean; State: { Pid: number; ConmonPid: number; CgroupPath: string }; HostConfig: { Memory: number; NanoCpus: number; PidsLimit: number } }

/** What the guest's kernel says about one process's cgroup: its path, files there and one level up. */
interface CgroupFacts { path: string; procs: number[]; own: Record<string, string>; parent: Record<string, string> }
const FILES = ['memory.max', 'memory.high', 'cpu.max', 'pids.max', 'memory.events', 'io.stat', 'cgroup.controllers', 'cpu.pressure', 'memory.pressure', 'io.pressure'];

/**
 * What the engines' own tools say, gathered in one guest call (each round trip through the
 * agent costs seconds under emulation): `### name` sections of each tool's stdout, each ended
 * by a newline (`runc state` prints none), stderr left out (warnings would break the JSON).
 */
const ENGINE_FACTS = `
s() { echo "### $1"; shift; "$@" 2>/dev/null || true; echo; }
s docker docker inspect ${P}-dk-runc ${P}-dk-crun ${P}-dk-oom
s podman podman inspect ${P}-pm-crun ${P}-pm-runc ${P}-pod-a ${P}-pod-b
s pod podman pod inspect ${P}-pod
s rootless sh -c 'cd / && runuser -u ${P} -- env HOME=/home/${P} XDG_RUNTIME_DIR=/run/user/1500 podman inspect ${P}-rl'
s runc runc state ${P}-runc
s machineLeader machinectl show -p Leader --value ${P}-ns
s machineUnit machinectl show -p Unit --value ${P}-ns
s machineMemoryMax sh -c 'systemctl show -p MemoryMax --value "$(machinectl show -p Unit --value ${P}-ns)"'
s ctr ctr -n ${P} task ls
s lxcPid lxc-info -P /var/lib/${P}-lxc -n ${P}-lxc -p -H
s lxcMonitor sh -c 'grep -l "^0::/lxc.monitor.${P}-lxc$" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3'
s tasksMaxCrun sh -c 'systemctl show -p TasksMax --value docker-$(docker inspect -f "{{.Id}}" ${P}-dk-crun).scope'
s tasksMaxOom sh -c 'systemctl show -p TasksMax --value docker-$(docker inspect -f "{{.Id}}" ${P}-dk-oom).scope'
s disk cat /sys/block/vda/dev
s cgroupFs stat -fc %T /sys/fs/cgroup
s systemState systemctl is-system-running
s insideDocker docker exec ${P}-dk-runc cat /proc/self/cgroup
`;
const sections = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const part of text.split(/^### /m).slice(1)) {
    const nl = part.indexOf('\n');
    out[part.slice(0, nl)] = part.slice(nl + 1).trim();
  }
  return out;
};
/** The cgroup2 line of a /proc/<pid>/cgroup text (a named v1 hierarchy may sit beside it). */
const unifiedLine = (text: string): string | undefined => text.split('\n').find((l) => l.startsWith('0::'));

const GROUPS = 'docker podman rootless runc nspawn ctr lxc';

export function enginesSuite(guest: Guest): void {
  describe('every engine, its limits and the kernel\'s v2 files', () => {
    let ps: PsJson;
    let facts: Record<string, string>;
    /** The cgroup of every container's first process, read after ps. */
    let kernel: Record<string, CgroupFacts>;
    const fact = <T>(name: string): T => JSON.parse(facts[name] ?? 'null') as T;

    /** One guest call for many cgroups: the agent's round trip is the slow part. */
    async function cgroupFacts(pids: Record<string, number>): Promise<Record<string, CgroupFacts>> {
      const script = Object.entries(pids)
        .map(([k, pid]) => `cg=$(sed -n 's/^0:://p' /proc/${pid}/cgroup); d=/sys/fs/cgroup$cg; printf '%s\\t%s\\t%s\\n' ${q(k)} path "$cg"
  printf '%s\\t%s\\t%s\\n' ${q(k)} procs "$(find "$d" -name cgroup.procs -exec cat {} + | tr '\\n' ' ')"
  for f in ${FILES.join(' ')}; do printf '%s\\t%s\\t%s\\n' ${q(k)} "own.$f" "$(cat "$d/$f" | tr '\\n' ';')"; printf '%s\\t%s\\t%s\\n' ${q(k)} "parent.$f" "$(cat "$(dirname "$d")/$f" 2>/dev/null | tr '\\n' ';')"; done`)
        .join('\n');
      const out: Record<string, CgroupFacts> = {};
      for (const line of (await guest.sh(script)).split('\n')) {
        const [k, key, value = ''] = line.split('\t');
        if (!k || !key) continue;
        const f = (out[k] ??= { path: '', procs: [], own: {}, parent: {} });
        const v = value.replace(/;$/, '').replace(/;/g, '\n');
        if (key === 'path') f.path = v;
        else if (key === 'procs') f.procs = v.split(/\s+/).filter((x) => x !== '').map(Number).sort((a, b) => a - b);
        else if (key.startsWith('own.')) f.own[key.slice(4)] = v;
        else f.parent[key.slice(7)] = v;
      }
      return out;
    }
    const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

    beforeAll(async () => {
      try {
        await guest.sh(`guest-containers start ${GROUPS}`, 20 * 60_000);
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- guest console ---\n${await guest.console()}`);
      }
      ps = await guest.ctrscopeJson<PsJson>(['ps', '--json']);
      facts = sections(await guest.sh(ENGINE_FACTS));
      kernel = await cgroupFacts(Object.fromEntries(ps.containers.filter((c) => c.name?.startsWith(`${P}-`)).map((c) => [c.name as string, c.pid])));
    }, 40 * 60_000);

    afterAll(async () => {
      // The suites after this one observe the guest too: each observation there is emulated, and
      // costs more with every container left running.
      await guest.sh(`guest-containers stop ${GROUPS}`, 10 * 60_000);
    }, 11 * 60_000);

    it('is a pure cgroup v2 host to ctrscope and to the kernel, and ps --json validates', () => {
      expect(facts['cgroupFs']).toBe('cgroup2fs');
      expect(facts['systemState']).toBe('running');
      expect(schemaErrors(ps)).toEqual([]);
      expect((ps as unknown as { host: { cgroupMode: string } }).host.cgroupMode).toBe('v2');
    });

    describe('docker, systemd cgroup driver', () => {
      let want: Record<string, DockerInspect>;
      beforeAll(() => {
        want = Object.fromEntries(fact<DockerInspect[]>('docker').map((d) => [d.Name.replace(/^\//, ''), d]));
      });

      it.each(['dk-runc', 'dk-crun', 'dk-oom'])('%s: id, name, pid, image, runtime and processes as docker inspect and the cgroup say', (n) => {
        const d = want[`${P}-${n}`] as DockerInspect;
        const k = kernel[`${P}-${n}`] as CgroupFacts;
        const c = byName(ps, `${P}-${n}`);
        expect(c).toMatchObject({ id: d.Id, engine: 'docker', idKind: 'engine', pid: d.State.Pid, image: d.Config.Image, runtime: d.HostConfig.Runtime });
        expect(sorted(c.pids)).toEqual(k.procs);
        expect(c.cgroup).toEqual({ version: 'v2', path: `/system.slice/docker-${d.Id}.scope` });
      });

      it('runc: the limits sit on docker-<id>.scope, as docker inspect set them', () => {
        const d = want[`${P}-dk-runc`] as DockerInspect;
        const k = kernel[`${P}-dk-runc`] as CgroupFacts;
        const c = byName(ps, `${P}-dk-runc`);
        expect(k.path).toBe(`/system.slice/docker-${d.Id}.scope`);
        expect(cgroupDir(c, 'memory')).toBe(`/sys/fs/cgroup${k.path}`);
        expect(limits(c)).toMatchObject({ memoryBytes: d.HostConfig.Memory, cpuCores: d.HostConfig.NanoCpus / 1e9, pids: d.HostConfig.PidsLimit, memoryHighBytes: null });
        expect(limits(c)).toMatchObject({ memoryBytes: maxOr(k.own['memory.max'] as string), cpuCores: cpuMaxCores(k.own['cpu.max'] as string), pids: maxOr(k.own['pids.max'] as string) });
        expect([64 * MiB, 0.5, 40]).toEqual([limits(c).memoryBytes, limits(c).cpuCores, limits(c).pids]);
      });

      it('crun: the limits sit on <scope>/container, where crun wrote them', () => {
        const d = want[`${P}-dk-crun`] as DockerInspect;
        const k = kernel[`${P}-dk-crun`] as CgroupFacts;
        const c = byName(ps, `${P}-dk-crun`);
        expect(k.path).toBe(`/system.slice/docker-${d.Id}.scope/container`);
        expect(cgroupDir(c, 'memory')).toBe(`/sys/fs/cgroup${k.path}`);
        expect(limits(c)).toMatchObject({ memoryBytes: d.HostConfig.Memory, cpuCores: d.HostConfig.NanoCpus / 1e9 });
        expect(limits(c)).toMatchObject({ memoryBytes: maxOr(k.own['memory.max'] as string), cpuCores: cpuMaxCores(k.own['cpu.max'] as string) });
      });

      it("crun: the pids limit that binds is the scope's TasksMax, one level above crun's /container", () => {
        const k = kernel[`${P}-dk-crun`] as CgroupFacts;
        const tasksMax = Number(facts['tasksMaxCrun']);
        expect(k.own['pids.max']).toBe('max');
        expect(maxOr(k.parent['pids.max'] as string)).toBe(tasksMax);
        expect(effectivePids(byName(ps, `${P}-dk-crun`))).toBe(tasksMax);
      });

      it("runc without --pids-limit: pids.max is systemd's TasksMax default on the scope", () => {
        const k = kernel[`${P}-dk-oom`] as CgroupFacts;
        const tasksMax = Number(facts['tasksMaxOom']);
        expect(tasksMax).toBeGreaterThan(0);
        expect(maxOr(k.own['pids.max'] as string)).toBe(tasksMax);
        expect(effectivePids(byName(ps, `${P}-dk-oom`))).toBe(tasksMax);
      });

      it('an OOM kill inside the container shows in memory.events oom_kill, and the limit it hit', () => {
        const k = kernel[`${P}-dk-oom`] as CgroupFacts;
        const c = byName(ps, `${P}-dk-oom`);
        const events = Object.fromEntries((k.own['memory.events'] as string).split('\n').map((l) => l.split(' ')));
        expect(Number(events['oom_kill'])).toBe(1);
        expect(usage(c).events).toMatchObject({ oomKill: 1, oom: Number(events['oom']) });
        expect(effectiveMemory(c)).toBe(32 * MiB);
      });

      it("io.stat: the container's fsync'ed 8 MiB shows as writes on the guest's disk", () => {
        const c = byName(ps, `${P}-dk-runc`);
        const disk = facts['disk'] as string;
        const k = kernel[`${P}-dk-runc`] as CgroupFacts;
        const kernelWrites = Number(/wbytes=(\d+)/.exec((k.own['io.stat'] as string).split('\n').find((l) => l.startsWith(`${disk} `)) ?? '')?.[1]);
        const row = usage(c).io?.find((x) => x.device === disk);
        expect(row?.writeBytes).toBeGreaterThanOrEqual(8 * MiB);
        // Read after ps: the counter only grows.
        expect(row?.writeBytes).toBeLessThanOrEqual(kernelWrites);
      });

      it('PSI: cpu, memory and io pressure read from the container cgroup, at most what the kernel says after', () => {
        const c = byName(ps, `${P}-dk-runc`);
        const k = kernel[`${P}-dk-runc`] as CgroupFacts;
        expect(cgroupDir(c, 'pressure')).toBe(cgroupDir(c, 'memory'));
        for (const r of ['cpu', 'memory', 'io'] as const) {
          const after = Number(/^some .*total=(\d+)$/m.exec(k.own[`${r}.pressure`] as string)?.[1]);
          const some = usage(c).pressure[r]?.some;
          expect(some, r).toBeTruthy();
          expect(some?.totalUsec).toBeLessThanOrEqual(after);
        }
      });

      it('has a private cgroup namespace: 0::/ inside, not a host namespace to ctrscope', () => {
        const c = byName(ps, `${P}-dk-runc`);
        expect(want[`${P}-dk-runc`]?.HostConfig.CgroupnsMode).toBe('private');
        expect(unifiedLine(facts['insideDocker'] as string)).toBe('0::/');
        expect(c.hostNamespaces).not.toContain('cgroup');
        expect(c.namespaces['cgroup']).not.toBeNull();
        expect(c.namespaces['cgroup']).not.toBe(ps.containers.find((x) => x.name === `${P}-ctr`)?.namespaces['cgroup']);
      });

      it('--cpus 0.5 busy loop: ~100% of its limit and throttled, from the guest kernel\'s counters', async () => {
        await guest.sh(`docker run -d --name ${P}-dk-busy --cpus 0.5 ${P}-bb:1 sh -c 'while :; do :; done' >/dev/null`);
        try {
          const id = (await guest.sh(`docker inspect -f '{{.Id}}' ${P}-dk-busy`)).trim();
          const file = `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`;
          const before = await guest.sh(`cat ${file}`);
          // A few tries: a window can be starved when the emulated guest itself is starved.
          let c: PsJsonContainer | undefined;
          for (let i = 0; i < 3; i++) {
            c = (await guest.ctrscopeJson<PsJson>(['ps', '--json', '--interval', '3'])).containers.find((x) => x.id === id);
            const pct = c ? usage(c).cpuPercentOfLimit : null;
            if (pct !== null && pct >= 75 && pct <= 125) break;
          }
          const stat = (t: string, k: string): number => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(t)?.[1]);
          const after = await guest.sh(`cat ${file}`);
          expect(limits(c as PsJsonContainer).cpuCores).toBe(0.5);
          expect(usage(c as PsJsonContainer).cpuPercentOfLimit).toBeGreaterThanOrEqual(75);
          expect(usage(c as PsJsonContainer).cpuPercentOfLimit).toBeLessThanOrEqual(125);
          expect(usage(c as PsJsonContainer).throttledPercent).toBeGreaterThan(50);
          expect(stat(after, 'nr_throttled')).toBeGreaterThan(stat(before, 'nr_throttled'));
        } finally {
          await guest.run(`docker rm -f ${P}-dk-busy`);
        }
      });

      it('enter --join-cgroup runs the command in the container\'s cgroup', async () => {
        const c = byName(ps, `${P}-dk-runc`);
        const joined = await guest.ctrscope(['enter', '-q', '--join-cgroup', '--net', `${P}-dk-runc`, '--', 'cat', '/proc/self/cgroup']);
        expect(joined.code, joined.stderr).toBe(0);
        expect(unifiedLine(joined.stdout)).toBe(`0::${c.cgroup.path}`);
        const plain = await guest.ctrscope(['enter', '-q', '--net', `${P}-dk-runc`, '--', 'cat', '/proc/self/cgroup']);
        expect(unifiedLine(plain.stdout)).toBe('0::/system.slice/v2vm-agent.service');
      });

      it('inspect --json and top --batch --json validate against the schema', async () => {
        const c = byName(ps, `${P}-dk-crun`);
        const doc = await guest.ctrscopeJson<{ kind: string; container: { id: string }; limits: unknown; resources: { cgroups: unknown } }>(['inspect', `${P}-dk-crun`, '--json', '--no-rates']);
        expect(schemaErrors(doc)).toEqual([]);
        expect(doc.container.id).toBe(c.id);
        // By its pid, inspect reads only the processes around it (the rest's cgroups counted
        // only where a limit asks): the same container, limits and where each is set.
        const byPid = await guest.ctrscopeJson<typeof doc>(['inspect', String(c.pid), '--json', '--no-rates']);
        expect(byPid.container.id).toBe(c.id);
        expect(byPid.limits).toEqual(doc.limits);
        expect(byPid.resources.cgroups).toEqual(doc.resources.cgroups);
        const top = await guest.ctrscope(['top', '--batch', '--json', '--count', '2', '--interval', '1']);
        expect(top.code, top.stderr).toBe(0);
        const frames = top.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; containers: Array<{ id: string }> });
        expect(frames).toHaveLength(2);
        for (const f of frames) {
          expect(schemaErrors(f)).toEqual([]);
          expect(f.kind).toBe('top');
          expect(f.containers.map((x) => x.id)).toEqual(expect.arrayContaining(ps.containers.map((x) => x.id)));
        }
      });
    });

    describe('podman, rootful', () => {
      let want: Record<string, PodmanInspect>;
      beforeAll(() => {
        want = Object.fromEntries(fact<PodmanInspect[]>('podman').map((d) => [d.Name, d]));
      });

      it.each(['pm-crun', 'pm-runc', 'pod-a', 'pod-b'])('%s: id, pid, image, runtime, conmon and processes as podman inspect says', (n) => {
        const d = want[`${P}-${n}`] as PodmanInspect;
        const c = byName(ps, `${P}-${n}`);
        expect(c).toMatchObject({ id: d.Id, engine: 'podman', pid: d.State.Pid, image: d.ImageName, runtime: d.OCIRuntime });
        expect(c.monitor).toEqual({ pid: d.State.ConmonPid, kind: 'conmon', id: d.Id });
        expect(sorted(c.pids)).toEqual((kernel[`${P}-${n}`] as CgroupFacts).procs);
      });

      it('crun: libpod-<id>.scope/container holds the process and the limits, memory.high included', () => {
        const d = want[`${P}-pm-crun`] as PodmanInspect;
        const k = kernel[`${P}-pm-crun`] as CgroupFacts;
        const c = byName(ps, `${P}-pm-crun`);
        expect(k.path).toBe(`/machine.slice/libpod-${d.Id}.scope/container`);
        expect(c.cgroup.path).toBe(`/machine.slice/libpod-${d.Id}.scope`);
        expect(limits(c)).toMatchObject({ memoryBytes: d.HostConfig.Memory, cpuCores: d.HostConfig.NanoCpus / 1e9, pids: d.HostConfig.PidsLimit });
        expect(limits(c)).toMatchObject({ memoryBytes: 32 * MiB, memoryHighBytes: maxOr(k.own['memory.high'] as string), pids: 30 });
        expect(limits(c).memoryHighBytes).toBe(24 * MiB);
      });

      it('runc: libpod-<id>.scope, with podman\'s default pids limit', () => {
        const d = want[`${P}-pm-runc`] as PodmanInspect;
        const k = kernel[`${P}-pm-runc`] as CgroupFacts;
        const c = byName(ps, `${P}-pm-runc`);
        expect(k.path).toBe(`/machine.slice/libpod-${d.Id}.scope`);
        expect(c.cgroup.path).toBe(k.path);
        expect(limits(c)).toMatchObject({ memoryBytes: d.HostConfig.Memory, cpuCores: d.HostConfig.NanoCpus / 1e9, pids: d.HostConfig.PidsLimit });
        expect(limits(c).pids).toBe(maxOr(k.own['pids.max'] as string));
      });

      it('a pod: its slice, members, infra and name as podman pod inspect says', () => {
        const pod = fact<{ Id: string; Name: string; InfraContainerID: string; Containers: Array<{ Id: string }> }>('pod');
        const got = ps.pods.find((p) => p.id === pod.Id);
        expect(got).toMatchObject({ kind: 'podman', name: `${P}-pod`, infra: `podman/${pod.InfraContainerID}` });
        expect(new Set(got?.members)).toEqual(new Set(pod.Containers.map((m) => `podman/${m.Id}`)));
        for (const n of ['pod-a', 'pod-b']) {
          const d = want[`${P}-${n}`] as PodmanInspect;
          expect(d.Pod).toBe(pod.Id);
          expect(byName(ps, `${P}-${n}`).pod).toBe(got?.key);
          expect((kernel[`${P}-${n}`] as CgroupFacts).path).toBe(`/machine.slice/machine-libpod_pod_${pod.Id}.slice/libpod-${d.Id}.scope/container`);
        }
        expect(limits(byName(ps, `${P}-pod-a`)).memoryBytes).toBe(24 * MiB);
      });
    });

    describe('podman, rootless with delegated controllers', () => {
      let d: PodmanInspect;
      let k: CgroupFacts;
      beforeAll(() => {
        d = fact<PodmanInspect[]>('rootless')[0] as PodmanInspect;
        k = kernel[`${P}-rl`] as CgroupFacts;
      });

      it("sits under user@1500.service with cpu, memory and pids delegated", () => {
        expect(k.path).toBe(`/user.slice/user-1500.slice/user@1500.service/user.slice/libpod-${d.Id}.scope/container`);
        expect(k.own['cgroup.controllers']?.split(' ')).toEqual(expect.arrayContaining(['cpu', 'memory', 'pids']));
      });

      it('has its real limits, as podman inspect and the delegated cgroup files say', () => {
        const c = byName(ps, `${P}-rl`);
        expect(c).toMatchObject({ id: d.Id, engine: 'podman', pid: d.State.Pid, runtime: d.OCIRuntime });
        expect(c.monitor?.pid).toBe(d.State.ConmonPid);
        expect(c.hostNamespaces).not.toContain('user');
        expect(limits(c)).toMatchObject({ memoryBytes: d.HostConfig.Memory, cpuCores: d.HostConfig.NanoCpus / 1e9, pids: d.HostConfig.PidsLimit });
        expect(limits(c)).toMatchObject({ memoryBytes: maxOr(k.own['memory.max'] as string), cpuCores: cpuMaxCores(k.own['cpu.max'] as string), pids: maxOr(k.own['pids.max'] as string) });
        expect([limits(c).memoryBytes, limits(c).cpuCores, limits(c).pids]).toEqual([20 * MiB, 0.3, 25]);
      });
    });

    describe('runc --systemd-cgroup', () => {
      it('is runc-<name>.scope in system.slice, named as runc state says, with its limits and memory.high', () => {
        const state = fact<{ id: string; pid: number }>('runc');
        const k = kernel[`${P}-runc`] as CgroupFacts;
        const c = byName(ps, `${P}-runc`);
        expect(k.path).toBe(`/system.slice/runc-${P}-runc.scope`);
        expect(c).toMatchObject({ id: state.id, engine: 'runc', pid: state.pid, cgroup: { version: 'v2', path: k.path } });
        expect(sorted(c.pids)).toEqual(k.procs);
        expect(limits(c)).toMatchObject({ memoryBytes: 24 * MiB, memoryHighBytes: 20 * MiB, cpuCores: 0.1, pids: 20 });
        expect(limits(c)).toMatchObject({ memoryBytes: maxOr(k.own['memory.max'] as string), memoryHighBytes: maxOr(k.own['memory.high'] as string), pids: maxOr(k.own['pids.max'] as string) });
      });
    });

    describe('systemd-nspawn registered with machined', () => {
      it("is named as machinectl says, with the machine's leader and scope", () => {
        const leader = Number(facts['machineLeader']);
        const unit = facts['machineUnit'] as string;
        const k = kernel[`${P}-ns`] as CgroupFacts;
        const c = byName(ps, `${P}-ns`);
        expect(c).toMatchObject({ engine: 'systemd-nspawn', pid: leader, cgroup: { version: 'v2', path: `/machine.slice/${unit}` } });
        expect(k.path).toBe(`/machine.slice/${unit}/payload`);
        expect(sorted(c.pids)).toEqual(k.procs);
        expect(c.monitor?.kind).toBe('systemd-nspawn');
      });

      it("the memory limit that binds is the machine scope's MemoryMax, above nspawn's payload cgroup", () => {
        const memoryMax = Number(facts['machineMemoryMax']);
        expect(memoryMax).toBe(50 * MiB);
        expect(effectiveMemory(byName(ps, `${P}-ns`))).toBe(memoryMax);
      });
    });

    describe('ctr in its own containerd namespace', () => {
      it('is /<namespace>/<id>, with the pid ctr task ls reports and its memory limit', () => {
        const row = (facts['ctr'] as string).split('\n').slice(1).map((l) => l.trim().split(/\s+/)).find((cells) => cells[0] === `${P}-ctr`);
        const pid = Number(row?.[1]);
        const k = kernel[`${P}-ctr`] as CgroupFacts;
        const c = byName(ps, `${P}-ctr`);
        expect(c).toMatchObject({ id: `${P}-ctr`, engine: 'containerd', pid, cgroup: { version: 'v2', path: `/${P}/${P}-ctr` } });
        expect(k.path).toBe(`/${P}/${P}-ctr`);
        expect(sorted(c.pids)).toEqual(k.procs);
        expect(limits(c).memoryBytes).toBe(maxOr(k.own['memory.max'] as string));
        expect(limits(c).memoryBytes).toBe(30 * MiB);
      });
    });

    describe('LXC', () => {
      it('is lxc.payload.<name> with its lxc.monitor, the pid lxc-info reports and its cgroup2 limits', () => {
        const pid = Number(facts['lxcPid']);
        const k = kernel[`${P}-lxc`] as CgroupFacts;
        const monitor = Number(facts['lxcMonitor']);
        const c = byName(ps, `${P}-lxc`);
        expect(k.path).toBe(`/lxc.payload.${P}-lxc`);
        expect(c).toMatchObject({ engine: 'lxc', pid, cgroup: { version: 'v2', path: k.path } });
        expect(c.monitor).toMatchObject({ pid: monitor, kind: 'lxc-monitor' });
        expect(sorted(c.pids)).toEqual(k.procs);
        expect(limits(c)).toMatchObject({ memoryBytes: 40 * MiB, pids: 15 });
        expect(limits(c)).toMatchObject({ memoryBytes: maxOr(k.own['memory.max'] as string), pids: maxOr(k.own['pids.max'] as string) });
      });
    });
  });
}
