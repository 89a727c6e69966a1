/**
 * `ctrscope serve` on cgroup v2, live: the guest guest.test.ts boots (test/vm/README.md) runs
 * serve on its loopback, and each scrape is fetched there with the guest's node, in the same
 * guest script that reads the kernel's files it is checked against. Docker containers of this
 * file (`ctrscope-v2s-*`): a memory limit, a `--cpus 0.5` busy loop, an OOM kill inside a
 * container that survives and one that ends its container (removed with `--rm`), and a removed
 * container. Nothing is timed in the guest (it is emulated): the scraped CPU counter must lie
 * between two reads of the kernel's own around the scrape, and its rate follow the guest clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guest } from '../../helpers/guest.js';
import { parseSamples, type SeriesSample } from '../../helpers/serve.js';

const P = 'ctrscope-v2s';
const IMAGE = `${P}-bb:1`;
const PORT = 10155;
const MiB = 1024 * 1024;

/**
 * A guest script's parts: `### name` sections (the scrape, files), each ended by a newline. A
 * scrape is made by the guest's node; serve's minimum interval (500 ms) is past by the time
 * one guest round trip ends, so each scrape observes again.
 */
const SCRAPE = `node -e 'fetch("http://127.0.0.1:${PORT}/metrics").then(async (r) => { if (r.status !== 200) process.exit(3); process.stdout.write(await r.text()); })'`;
const sections = (out: string): Record<string, string> => {
  const r: Record<string, string> = {};
  for (const part of out.split(/^### /m).slice(1)) {
    const nl = part.indexOf('\n');
    r[part.slice(0, nl)] = part.slice(nl + 1);
  }
  return r;
};

export function serveSuite(guest: Guest): void {
  describe('serve', () => {
    const ids: Record<string, string> = {};
    const scopeOf = (id: string): string => `/sys/fs/cgroup/system.slice/docker-${id}.scope`;
    const series = (s: SeriesSample[], name: string, id: string): SeriesSample[] => s.filter((x) => x.name === name && x.labels['id'] === id);
    const value = (s: SeriesSample[], name: string, id: string): number | undefined => series(s, name, id)[0]?.value;

    beforeAll(async () => {
      const out = await guest.sh(
        `set -e
  docker image inspect ${IMAGE} >/dev/null 2>&1 || docker import /opt/v2vm/busybox-rootfs.tar ${IMAGE} >/dev/null
  echo "mem $(docker run -d --name ${P}-mem --memory 64m --memory-swap 64m ${IMAGE} sleep 3600)"
  echo "gone $(docker run -d --name ${P}-gone ${IMAGE} sleep 3600)"
  echo "survivor $(docker run -d --name ${P}-survivor --memory 32m --memory-swap 32m ${IMAGE} sleep 3600)"
  echo "victim $(docker run -d --rm --name ${P}-victim --memory 32m --memory-swap 32m ${IMAGE} sh -c 'while [ ! -e /go ]; do sleep 0.2; done; a=aaaaaaaaaaaaaaaa; while :; do a=$a$a; done')"
  echo "cpu $(docker run -d --name ${P}-cpu --cpus 0.5 --cpu-shares 262144 ${IMAGE} sh -c 'while :; do :; done')"
  setsid node /opt/ctrscope/dist/ctrscope.mjs serve --listen 127.0.0.1:${PORT} </dev/null >/tmp/${P}-serve.log 2>&1 &
  for i in $(seq 1 120); do node -e 'fetch("http://127.0.0.1:${PORT}/healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' && break; sleep 1; done
  `,
        15 * 60_000,
      );
      for (const line of out.trim().split('\n')) {
        const [k, v] = line.split(' ');
        if (k && v) ids[k] = v;
      }
      for (const k of ['mem', 'gone', 'survivor', 'victim', 'cpu']) expect(ids[k], `${k}: ${out}`).toMatch(/^[0-9a-f]{64}$/);
    }, 30 * 60_000);

    afterAll(async () => {
      await guest.sh(`pkill -f 'ctrscope.mjs serve --listen 127.0.0.1:${PORT}'; docker rm -f ${P}-mem ${P}-gone ${P}-survivor ${P}-victim ${P}-cpu >/dev/null 2>&1; docker rmi ${IMAGE} >/dev/null 2>&1; true`, 5 * 60_000);
    }, 6 * 60_000);

    it('the memory limit, the user/system split and swap are the kernel\'s', async () => {
      const id = ids['mem'] as string;
      const s = sections(await guest.sh(`echo '### metrics'; ${SCRAPE}; echo; for f in memory.max memory.swap.current cpu.stat; do echo "### $f"; cat ${scopeOf(id)}/$f; done`, 300_000));
      const m = parseSamples(s['metrics'] ?? '');
      expect(Number((s['memory.max'] ?? '').trim())).toBe(64 * MiB);
      expect(value(m, 'container_spec_memory_limit_bytes', id)).toBe(64 * MiB);
      expect(value(m, 'container_memory_swap', id)).toBe(Number((s['memory.swap.current'] ?? '').trim()));
      // A sleeping container's counters stand still between the scrape and the read.
      const stat = new Map((s['cpu.stat'] ?? '').trim().split('\n').map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
      expect(value(m, 'container_cpu_user_seconds_total', id)).toBe((stat.get('user_usec') as number) / 1e6);
      expect(value(m, 'container_cpu_system_seconds_total', id)).toBe((stat.get('system_usec') as number) / 1e6);
      expect(value(m, 'container_cpu_usage_seconds_total', id)).toBe((stat.get('usage_usec') as number) / 1e6);
    });

    it('a --cpus 0.5 loop: the scraped counter is the kernel\'s, its rate at most half a CPU', async () => {
      const id = ids['cpu'] as string;
      // Each end: the kernel's counter and clock (seconds since boot), a scrape, the kernel's
      // again. Starting node in the emulated guest takes seconds, so the scrape read the counter
      // at some moment between the two kernel reads.
      const kernel = (tag: string): string => `echo '### ${tag}'; sed -n 's/^usage_usec //p' ${scopeOf(id)}/cpu.stat; cut -d' ' -f1 /proc/uptime`;
      const end = (x: string): string => `${kernel(`${x}-before`)}; echo '### ${x}-metrics'; ${SCRAPE}; echo; ${kernel(`${x}-after`)}`;
      const s = sections(await guest.sh(`${end('a')}; sleep 30; ${end('b')}; echo '### cpu.max'; cat ${scopeOf(id)}/cpu.max`, 300_000));
      const at = (tag: string): { usage: number; t: number } => {
        const [usec, t] = (s[tag] ?? '').trim().split('\n').map(Number) as [number, number];
        return { usage: usec / 1e6, t };
      };
      const scraped = (x: string): number => value(parseSamples(s[`${x}-metrics`] ?? ''), 'container_cpu_usage_seconds_total', id) as number;
      for (const x of ['a', 'b']) {
        expect(scraped(x)).toBeGreaterThanOrEqual(at(`${x}-before`).usage);
        expect(scraped(x)).toBeLessThanOrEqual(at(`${x}-after`).usage);
      }
      // The quota holds: the kernel's rate over the whole window, and the scraped counter's over
      // the scrapes' midpoints.
      const kernelRate = (at('b-after').usage - at('a-before').usage) / (at('b-after').t - at('a-before').t);
      const mid = (x: string): number => (at(`${x}-before`).t + at(`${x}-after`).t) / 2;
      const scrapedRate = (scraped('b') - scraped('a')) / (mid('b') - mid('a'));
      expect(kernelRate).toBeLessThanOrEqual(0.55);
      expect(kernelRate).toBeGreaterThan(0.1);
      expect(Math.abs(scrapedRate - kernelRate), `scraped ${scrapedRate}, kernel ${kernelRate}`).toBeLessThan(0.1);
      const [quota, period] = (s['cpu.max'] ?? '').trim().split(' ').map(Number) as [number, number];
      expect(quota / period).toBe(0.5);
      const m = parseSamples(s['b-metrics'] ?? '');
      expect(value(m, 'container_spec_cpu_quota', id)).toBe(quota);
      expect(value(m, 'container_spec_cpu_period', id)).toBe(period);
    }, 400_000);

    it('OOM kills: inside a surviving container from memory.events, and one that ends its container from the kernel log', async () => {
      const survivor = ids['survivor'] as string;
      const victim = ids['victim'] as string;
      const before = parseSamples(await guest.sh(SCRAPE, 300_000));
      expect(series(before, 'container_oom_events_total', survivor).map((x) => x.value)).toEqual([0]);
      expect(series(before, 'container_oom_events_total', victim).map((x) => x.value)).toEqual([0]);
      const s = sections(
        await guest.sh(
          `docker exec ${P}-survivor sh -c 'a=aaaaaaaaaaaaaaaa; while :; do a=$a$a; done' >/dev/null 2>&1 || true
  echo '### events'; cat ${scopeOf(survivor)}/memory.events
  docker exec ${P}-victim touch /go
  for i in $(seq 1 300); do docker inspect ${victim} >/dev/null 2>&1 || { [ -e ${scopeOf(victim)} ] || break; }; sleep 1; done
  echo '### victim-scope'; [ -e ${scopeOf(victim)} ] && echo present || echo gone
  echo '### kmsg'; dmesg | grep -c 'oom-kill:.*task_memcg=/system.slice/docker-${victim}.scope' || true
  echo '### metrics'; ${SCRAPE}`,
          600_000,
        ),
      );
      const kills = Number(/^oom_kill (\d+)$/m.exec(s['events'] ?? '')?.[1]);
      expect(kills).toBe(1);
      expect((s['victim-scope'] ?? '').trim()).toBe('gone');
      expect(Number((s['kmsg'] ?? '').trim())).toBe(1);
      const after = parseSamples(s['metrics'] ?? '');
      expect(series(after, 'container_oom_events_total', survivor).map((x) => x.value)).toEqual([kills]);
      // The victim's series: its OOM counter, one higher, and nothing else.
      expect(series(after, 'container_oom_events_total', victim).map((x) => x.value)).toEqual([1]);
      expect(after.filter((x) => x.labels['id'] === victim && x.name !== 'container_oom_events_total')).toEqual([]);
    }, 700_000);

    it('a removed container is absent from the next scrape', async () => {
      const id = ids['gone'] as string;
      const before = parseSamples(await guest.sh(SCRAPE, 300_000));
      expect(series(before, 'container_last_seen', id)).toHaveLength(1);
      const after = parseSamples(await guest.sh(`docker rm -f ${P}-gone >/dev/null; ${SCRAPE}`, 300_000));
      expect(after.filter((x) => x.labels['id'] === id)).toEqual([]);
      expect(after.find((x) => x.name === 'ctrscope_last_observation_success')?.value).toBe(1);
    }, 400_000);
  });
}
