/**
 * The metrics projection and exposition on a recorded host (samples/hybrid-docker: two docker
 * containers sharing a network namespace, one with --net host, hand-made ones): one info series
 * per container, a shared namespace's counters written once, no command line anywhere, and both
 * exposition formats well formed.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openHostRoot } from '../../../../collectors/host-root.js';
import { containerKey } from '../../../../src/model/reconstruct.js';
import { createObserver } from '../../../../src/observe/observer.js';
import { CONTAINER_FAMILIES, containerFamilies } from '../../../../views/metrics/containers.js';
import { labelText, negotiateFormat, renderExposition } from '../../../../views/metrics/exposition.js';
import { parseSamples } from '../../../helpers/serve.js';

const SAMPLE = fileURLToPath(new URL('../../../../samples/hybrid-docker', import.meta.url));

describe('metrics of a recorded host', () => {
  // As `serve` observes: continuously (an observer of one reading reads no network counters).
  const observer = createObserver(openHostRoot(SAMPLE), { continuous: true });
  const obs = observer.observe();
  observer.close();
  const families = containerFamilies(obs);
  const text = renderExposition(families, 'text');
  const samples = parseSamples(text);

  it('writes one ctrscope_container_info series per container, with its labels', () => {
    const info = samples.filter((s) => s.name === 'ctrscope_container_info');
    expect(info.map((s) => s.labels['id']).sort()).toEqual(obs.model.containers.map((c) => c.id).sort());
    const web = info.find((s) => s.labels['name'] === 'sample-web');
    expect(web?.labels).toMatchObject({ engine: 'docker', image: 'ctrscope-sample-busybox:1' });
    expect(web?.labels['cgroup']).toMatch(/^\/docker\/[0-9a-f]{64}$/);
    // Only the info series carries the descriptive labels (and the limit source, where the limit's cgroup is its point).
    for (const s of samples.filter((x) => x.name !== 'ctrscope_container_info' && x.name !== 'ctrscope_container_limit_source')) expect(s.labels['cgroup'], s.name).toBeUndefined();
  });

  it('writes a shared network namespace once, and none for a host-network container', () => {
    const rx = samples.filter((s) => s.name === 'container_network_receive_bytes_total');
    const web = obs.model.containers.find((c) => c.name === 'sample-web');
    const sidecar = obs.model.containers.find((c) => c.name === 'sample-sidecar');
    expect(web?.namespaces.net).toBe(sidecar?.namespaces.net);
    const netns = obs.network.get(web?.namespaces.net as number);
    const ifs = netns?.interfaces?.filter((i) => i.name !== 'lo') ?? [];
    expect(ifs.length).toBeGreaterThan(0);
    const ofPair = rx.filter((s) => s.labels['id'] === web?.id || s.labels['id'] === sidecar?.id);
    expect(ofPair.map((s) => s.labels['interface']).sort()).toEqual(ifs.map((i) => i.name).sort());
    expect(ofPair.map((s) => s.value).sort()).toEqual(ifs.map((i) => i.rx.bytes).sort());
    expect(rx.filter((s) => s.labels['name'] === 'sample-hostnet')).toEqual([]);
  });

  it('writes limits as the observation has them, and leaves out what is unlimited', () => {
    const web = obs.model.containers.find((c) => c.name === 'sample-web');
    const r = obs.resources.get(containerKey(web as NonNullable<typeof web>));
    const mem = samples.find((s) => s.name === 'container_spec_memory_limit_bytes' && s.labels['id'] === web?.id);
    expect(mem?.value).toBe(r?.limits.memoryBytes);
    expect(samples.find((s) => s.name === 'ctrscope_container_pids_limit' && s.labels['id'] === web?.id)?.value).toBe(50);
    const sidecar = obs.model.containers.find((c) => c.name === 'sample-sidecar');
    expect(samples.filter((s) => s.name === 'container_spec_memory_limit_bytes' && s.labels['id'] === sidecar?.id)).toEqual([]);
    const source = samples.find((s) => s.name === 'ctrscope_container_limit_source' && s.labels['id'] === web?.id && s.labels['resource'] === 'memory');
    expect(source?.labels).toMatchObject({ source: r?.limits.sources.memoryBytes?.kind, cgroup: r?.limits.sources.memoryBytes?.cgroup });
    expect(source?.value).toBe(r?.limits.sources.memoryBytes?.outside);
  });

  it('never writes a command line', () => {
    for (const c of obs.model.containers) {
      const cmd = c.command.join(' ');
      if (cmd.length > 3 && !/^\[.*\]$/.test(cmd)) expect(text).not.toContain(cmd);
    }
  });

  it('names every family cAdvisor-style and writes each once', () => {
    for (const f of CONTAINER_FAMILIES) expect(f.name).toMatch(/^(container|machine|ctrscope)_[a-z_]+$/);
    const typeLines = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(typeLines).size).toBe(typeLines.length);
  });

  it('OpenMetrics: counters and info named without their suffix, samples with it, # EOF last', () => {
    const om = renderExposition(families, 'openmetrics');
    expect(om).toContain('# TYPE container_cpu_usage_seconds counter\n');
    expect(om).toMatch(/\ncontainer_cpu_usage_seconds_total\{/);
    expect(om).toContain('# TYPE ctrscope_container info\n');
    expect(om).toMatch(/\nctrscope_container_info\{/);
    expect(om.endsWith('# EOF\n')).toBe(true);
    expect(om.match(/# EOF/g)).toHaveLength(1);
  });
});

describe('exposition', () => {
  it('escapes label values and leaves out empty ones', () => {
    expect(labelText([['name', 'a"b\\c\nd'], ['pod', ''], ['image', null], ['id', 'x']])).toBe('name="a\\"b\\\\c\\nd",id="x"');
  });

  it('answers OpenMetrics when the scraper lists it, else the text format', () => {
    expect(negotiateFormat('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5')).toBe('openmetrics');
    expect(negotiateFormat('text/plain')).toBe('text');
    expect(negotiateFormat(undefined)).toBe('text');
  });
});
