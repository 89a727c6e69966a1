import { describe, expect, it } from 'vitest';
import { buildDetail, buildRows, headerLine, historyLines, hostLines, joinSegments, layoutTable, processCpuPercent, rowSegments, sparkline } from '../../../../views/tui/view-model.js';
import { topFrameToJson } from '../../../../views/json/top.js';
import { renderTopFrame } from '../../../../views/text/top.js';
import type { Process } from '../../../../src/model/process.js';
import { schemaErrors } from '../../../helpers/schema.js';
import { container, frame, snapshot } from '../../../helpers/frames.js';

const MiB = 2 ** 20;

describe('top view-model', () => {
  it('shows - for figures not collected, ? for unreadable ones, values and tones otherwise', () => {
    const f = frame(
      [container({ id: 'a', name: 'a', starttimeTicks: 400_000 }), container({ id: 'b', name: 'b' }), container({ id: 'c', name: 'c' })],
      {
        stats: {
          'docker/b': { cpuPercent: 50, cpuLimitCpus: 0.5, throttledPercent: 30, memoryBytes: 460 * MiB, memoryLimitBytes: 512 * MiB, pids: 5, pidsMax: 'unlimited', netRxBytesPerSec: 2048, netTxBytesPerSec: 0 },
          'docker/c': { cpuPercent: null, memoryBytes: null, memoryLimitBytes: 'unlimited', oomKillsRecent: 1 },
        },
      },
    );
    const [a, b, c] = buildRows(f);
    expect(a?.cells.cpu.text).toBe('-');
    expect(a?.cells.mem.text).toBe('-');
    // 10000 s of host uptime, started 4000 s after boot.
    expect(a?.cells.uptime.text).toBe('1h40m');
    expect(b?.cells.cpu.text).toBe('50.0');
    expect(b?.cells.cpuLimit).toEqual({ text: '100', tone: 'crit' });
    expect(b?.cells.throttled).toEqual({ text: '30.0%', tone: 'crit' });
    expect(b?.cells.mem).toEqual({ text: '460M/512M', tone: 'warn' });
    expect(b?.cells.pids.text).toBe('5/∞');
    expect(b?.cells.net.text).toBe('2.0K/0B');
    expect(b?.bars.cpu).toBeCloseTo(50 / 400);
    expect(c?.cells.cpu.text).toBe('?');
    expect(c?.cells.mem.text).toBe('?/∞');
    expect(c?.cells.name.tone).toBe('crit');
  });

  it('fits 80 columns keeping NAME, ID, ENGINE, CPU%, MEM and UPTIME; uses wide terminals for more', () => {
    const cs = Array.from({ length: 5 }, (_, i) => container({ id: `${'ab'.repeat(32)}`.slice(0, 63) + i, name: `ctrscope-it-top-${i}-with-a-long-name`, command: ['sh', '-c', 'while :; do :; done'] }));
    const rows = buildRows(frame(cs, { pods: [] }));
    const narrow = layoutTable(rows, 79);
    const ids = narrow.columns.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['name', 'id', 'engine', 'cpu', 'mem', 'uptime']));
    for (const r of rows) expect(joinSegments(rowSegments(r, narrow)).length).toBeLessThanOrEqual(79);
    expect(headerLine(narrow, { column: 'cpu', reverse: false }).length).toBeLessThanOrEqual(79);
    const wide = layoutTable(rows, 219);
    expect(wide.columns.map((c) => c.id)).toContain('command');
    expect(wide.columns.length).toBeGreaterThan(narrow.columns.length);
    expect(wide.barWidth).toBeGreaterThan(0);
    expect(joinSegments(rowSegments(rows[0]!, wide))).toContain('while :; do :; done');
  });

  it('per-process CPU compares the same process only (pid and start time)', () => {
    const p = (pid: number, start: number, ticks: number): Process => ({
      pid, ppid: 1, kernelThread: false, comm: 'x', state: 'R', starttimeTicks: start, utimeTicks: ticks, stimeTicks: 0, rssPages: 0, vmRssKiB: 0, threads: 1,
      cmdline: null, nspid: null, uids: null, gids: null, capEff: null, capPrm: null, capBnd: null, seccomp: null, seccompFilters: null, noNewPrivs: null, namespaces: {}, cgroups: null, gaps: [],
    });
    const f = frame([], { snapshot: { takenAtMs: 2000, processes: [p(10, 5, 150), p(11, 99, 500)] } });
    const withPrev = { ...f, prev: { snapshot: snapshot({ takenAtMs: 0, processes: [p(10, 5, 50), p(11, 6, 0)] }), containers: [], pods: [] } };
    // 100 ticks at 100 Hz over 2 s: half a CPU. pid 11 is another process now: no figure.
    expect(processCpuPercent(withPrev)).toEqual(new Map([[10, 50]]));
    // A quiet refresh read pid 12 only: pid 10's counters are an earlier refresh's, no figure.
    const quiet = { ...withPrev, model: { ...withPrev.model, snapshot: { ...withPrev.model.snapshot, processes: [p(10, 5, 150), p(12, 7, 80)], sampled: new Set([12]) } } };
    const prevAlso12 = { ...quiet, prev: { ...withPrev.prev, snapshot: { ...withPrev.prev.snapshot, processes: [p(10, 5, 50), p(12, 7, 0)] } } };
    expect(processCpuPercent(prevAlso12)).toEqual(new Map([[12, 40]]));
    // Read now, but not in the previous refresh: the difference spans more than one interval.
    const prevQuiet = { ...prevAlso12, prev: { ...prevAlso12.prev, snapshot: { ...prevAlso12.prev.snapshot, sampled: new Set([10]) } } };
    expect(processCpuPercent(prevQuiet)).toEqual(new Map());
  });

  it('renders the detail sections from the model', () => {
    const c = container({ id: 'x'.repeat(64), name: 'web', namespaces: { net: 4026532477, user: 4026531837 }, hostNamespaces: ['user'], evidence: ['cgroup /docker/xxx'] });
    const d = buildDetail(frame([c], { snapshot: { hostNs: { net: 4026531840, user: 4026531837 } } }), `docker/${'x'.repeat(64)}`, new Map());
    expect(d?.identity).toContain(`id       ${'x'.repeat(64)}`);
    expect(d?.namespaces.find((l) => l.startsWith('net'))).toMatch(/4026532477\s+private/);
    expect(d?.namespaces.find((l) => l.startsWith('user'))).toMatch(/host$/);
    expect(d?.processes).toHaveLength(1);
    expect(d?.resources.find((l) => l.startsWith('memory'))).toBe('memory     - / -');
    expect(buildDetail(frame([c]), 'docker/gone', new Map())).toBeNull();
  });

  it('draws sparklines scaled to their maximum, blank for unknown points', () => {
    expect(sparkline([0, 1, 2, null, 4], 10)).toBe('▁▃▅ █');
    expect(sparkline([1, 2, 3], 2)).toBe('▆█');
    expect(historyLines(undefined, 40)[0]).toMatch(/cpu\s+-\s+not collected/);
  });

  it('summarises the host and counts containers by engine', () => {
    const f = frame([container({ id: 'a' }), container({ id: 'b', engine: null }), container({ id: 'c' })]);
    const lines = hostLines(f);
    expect(lines[0]).toContain('node1');
    expect(lines[1]).toContain('CPUs 4');
    expect(lines[1]).toContain('mem 2.0G/8.0G');
    expect(lines[2]).toContain('containers 3 (docker 2, none 1)');
    expect(renderTopFrame(f)).toContain('NAME');
  });

  it('batch JSON frames validate against the schema, limits and unknowns included', () => {
    const f = frame([container({ id: 'a' }), container({ id: 'b' })], { stats: { 'docker/a': { cpuPercent: 12.5, cpuLimitCpus: 'unlimited', memoryBytes: null, pids: 3 } } });
    const doc = topFrameToJson(f, 1) as { containers: { stats: Record<string, unknown> }[] };
    expect(schemaErrors(doc)).toEqual([]);
    expect(doc.containers[0]?.stats).toMatchObject({ cpuPercent: 12.5, cpuLimitCpus: 'unlimited', memoryBytes: null, pids: 3, netRxBytesPerSec: null, uptimeSec: 10_000 });
    expect(schemaErrors({ ...doc, containers: [{ ...doc.containers[0], stats: { cpuPercent: 'lots' } }] })).not.toEqual([]);
  });
});
