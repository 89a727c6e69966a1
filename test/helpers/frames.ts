/**
 * Hand-built model values for view tests: containers and frames with exactly the fields a test
 * is about, so each expectation follows from the input written next to it.
 */
import type { Container, Pod } from '../../src/model/container.js';
import type { ContainerStats, TopFrame } from '../../src/model/container-stats.js';
import type { HostSnapshot } from '../../src/model/host.js';
import type { HostSummary } from '../../src/model/host-summary.js';
import { containerKey } from '../../src/model/reconstruct.js';
import { unavailableResources, unknown } from '../../src/model/resources.js';

export function container(over: Partial<Container> & { id: string }): Container {
  return {
    idKind: 'engine',
    name: null,
    engine: 'docker',
    runtime: 'runc',
    image: null,
    command: ['sleep', '600'],
    pod: null,
    kubernetes: null,
    pid: 100,
    processes: [{ pid: over.pid ?? 100, nspid: [over.pid ?? 100, 1], via: 'cgroup' }],
    namespaces: {},
    hostNamespaces: [],
    cgroup: { mode: 'v1', path: null },
    monitor: null,
    partialMembers: [],
    metadata: null,
    evidence: [],
    starttimeTicks: 0,
    ...over,
  };
}

export function snapshot(over: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    takenAtMs: Date.UTC(2026, 0, 1),
    root: { kind: 'live', dir: '/' },
    hostname: 'node1',
    kernel: '6.1.0',
    clockTicksPerSec: 100,
    pageSizeBytes: 4096,
    bootTimeSec: null,
    cgroupMode: 'v2',
    hostNs: {},
    hostNsSource: '/proc/1/ns',
    readerNs: null,
    processes: [],
    rootDiffers: new Map(),
    runtimeStates: [],
    metadata: new Map(),
    stats: { vanished: 0, partial: 0, hidden: {} },
    malformed: [],
    gaps: [],
    ...over,
  };
}

export const summary: HostSummary = { uptimeSec: 10_000, load: [0.5, 0.25, 0.125], cpuCount: 4, memTotalBytes: 8 * 2 ** 30, memAvailableBytes: 6 * 2 ** 30 };

/** A frame whose figures are given directly (views read `stats`; the observation read no cgroup). */
export function frame(containers: Container[], opts: { stats?: Record<string, ContainerStats>; pods?: Pod[]; summary?: Partial<HostSummary>; snapshot?: Partial<HostSnapshot> } = {}): TopFrame {
  const model = { snapshot: snapshot(opts.snapshot), containers, pods: opts.pods ?? [] };
  const host = { ...summary, ...opts.summary };
  const resources = new Map(containers.map((c) => [containerKey(c), unavailableResources(unknown('hand-built frame: no cgroup read'))]));
  return {
    observation: { seq: 1, atMs: 0, intervalMs: null, model, resources, network: new Map(), host, details: null },
    model,
    prev: null,
    summary: host,
    stats: new Map(Object.entries(opts.stats ?? {})),
    seq: 1,
  };
}
