import { describe, expect, it } from 'vitest';
import { buildDetail, buildRows, detailLines, filterProblem, headerLine, historyLines, hostLines, joinSegments, layoutTable, processCpuPercent, processTree, rowMatcher, rowSegments, sortColumnNamed, sparkline, type DetailView } from '../../../../views/tui/view-model.js';
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

  it('fits 80 columns keeping NAME, ENGINE, CPU%, MEM and UPTIME (ID goes before POD); uses wide terminals for more', () => {
    const cs = Array.from({ length: 5 }, (_, i) => container({ id: `${'ab'.repeat(32)}`.slice(0, 63) + i, name: `ctrscope-it-top-${i}-with-a-long-name`, command: ['sh', '-c', 'while :; do :; done'] }));
    const rows = buildRows(frame(cs, { pods: [] }));
    const narrow = layoutTable(rows, 79);
    const ids = narrow.columns.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['name', 'engine', 'cpu', 'mem', 'uptime']));
    expect(narrow.hidden).toContain('id');
    expect(narrow.hidden.length + ids.length).toBe(14);
    // At no width is ID shown while POD is hidden: ID goes first.
    const widths = Array.from({ length: 200 }, (_, i) => 50 + i);
    expect(widths.filter((w) => layoutTable(rows, w).hidden.includes('pod') && !layoutTable(rows, w).hidden.includes('id'))).toEqual([]);
    expect(widths.some((w) => layoutTable(rows, w).hidden.includes('id') && !layoutTable(rows, w).hidden.includes('pod'))).toBe(true);
    // A sort column is never the one hidden, so its mark stays on screen.
    expect(layoutTable(rows, 79, 'io').columns.map((c) => c.id)).toContain('io');
    expect(headerLine(layoutTable(rows, 79, 'throttled'), { column: 'throttled', reverse: false })).toContain('THROT▼');
    for (const r of rows) expect(joinSegments(rowSegments(r, narrow)).length).toBeLessThanOrEqual(79);
    expect(headerLine(narrow, { column: 'cpu', reverse: false }).length).toBeLessThanOrEqual(79);
    const wide = layoutTable(rows, 219);
    expect(wide.columns.map((c) => c.id)).toContain('command');
    expect(wide.columns.length).toBeGreaterThan(narrow.columns.length);
    expect(wide.barWidth).toBeGreaterThan(0);
    expect(joinSegments(rowSegments(rows[0]!, wide))).toContain('while :; do :; done');
  });

  it('prints %LIM in at most 4 characters below 1000 (no "100.0" next to "101")', () => {
    const cs = [99.94, 99.95, 100.4, 101, 250].map((_, i) => container({ id: `c${i}`, name: `c${i}` }));
    const stats = Object.fromEntries([99.94, 99.95, 100.4, 101, 250].map((p, i) => [`docker/c${i}`, { cpuPercent: p / 2, cpuLimitCpus: 0.5 }]));
    const rows = buildRows(frame(cs, { stats }));
    expect(rows.map((r) => r.cells.cpuLimit.text)).toEqual(['99.9', '100', '100', '101', '250']);
  });

  it('matches filter terms by field: pod: the POD name, not the engine "podman"', () => {
    const pods = [{ key: 'podman/' + 'f'.repeat(64), kind: 'podman' as const, id: 'f'.repeat(64), name: 'labpod', members: ['podman/p1'], infra: null, sharedNamespaces: [] }];
    const cs = [container({ id: 'p1', name: 'web', engine: 'podman', image: 'nginx:1', pod: pods[0]!.key }), container({ id: 'd1', name: 'db', engine: 'podman', image: 'postgres:16' }), container({ id: 'd2', name: 'podcast', engine: 'docker' })];
    const rows = buildRows(frame(cs, { pods }));
    const kept = (expr: string): string[] => rows.filter(rowMatcher(expr)).map((r) => r.container.name ?? '');
    expect(kept('pod:')).toEqual(['web']);
    expect(kept('pod:pod')).toEqual(['web']);
    expect(kept('pod:labpod engine:podman')).toEqual(['web']);
    expect(kept('engine:podman')).toEqual(['web', 'db']);
    expect(kept('image:postgres')).toEqual(['db']);
    expect(kept('POD')).toEqual(['web', 'db', 'podcast']);
    expect(kept('')).toHaveLength(3);
    expect(filterProblem('size:big')).toMatch(/no field "size:"/);
    expect(filterProblem('name:web pod:x')).toBeNull();
  });

  it('names sort columns by id, header or its first word', () => {
    expect(sortColumnNamed('cpu')).toBe('cpu');
    expect(sortColumnNamed('%LIM')).toBe('cpuLimit');
    expect(sortColumnNamed('lim')).toBe('cpuLimit');
    expect(sortColumnNamed('mem')).toBe('mem');
    expect(sortColumnNamed('THROT')).toBe('throttled');
    expect(sortColumnNamed('net')).toBe('net');
    expect(sortColumnNamed('size')).toBeNull();
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

  it('lists the processes as a tree by parent pid, each row selectable by pid and start time', () => {
    const p = (pid: number, ppid: number, cmd: string): Process => ({
      pid, ppid, kernelThread: false, comm: cmd, state: 'S', starttimeTicks: pid * 10, utimeTicks: 0, stimeTicks: 0, rssPages: 0, vmRssKiB: 0, threads: 1,
      cmdline: [cmd], nspid: null, uids: null, gids: null, capEff: null, capPrm: null, capBnd: null, seccomp: null, seccompFilters: null, noNewPrivs: null, namespaces: {}, cgroups: null, gaps: [],
    });
    // 10 (its parent 5 is the shim, outside) has 11 and 13; 11 has 12; 20 was joined from outside.
    const members = [10, 13, 11, 12, 20].map((pid) => ({ pid, nspid: null, via: 'cgroup' as const }));
    const c = container({ id: 't', pid: 10, processes: members });
    const f = frame([c], { snapshot: { processes: [p(5, 1, 'shim'), p(10, 5, 'init'), p(11, 10, 'a'), p(12, 11, 'b'), p(13, 10, 'c'), p(20, 1, 'exec')] } });
    const tree = processTree(f, c, new Map());
    expect(tree.map((r) => r.pid)).toEqual([10, 11, 12, 13, 20]);
    expect(tree.map((r) => r.text.slice(40))).toEqual(['init', '├─ a', '│  └─ b', '└─ c', 'exec']);
    expect(tree[2]).toMatchObject({ pid: 12, starttimeTicks: 120, command: 'b' });
    const lines = detailLines(buildDetail(f, 'docker/t', new Map()) as DetailView, undefined, 78);
    // Each process's line carries its index, so the cursor can find and highlight it.
    expect(lines.filter((l) => l.process !== undefined).map((l) => l.process)).toEqual([0, 1, 2, 3, 4]);
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
