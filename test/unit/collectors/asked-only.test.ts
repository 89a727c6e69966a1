/**
 * `inspect` reads the network counters, the cgroups and the members' status of the container
 * asked about, not of every container (ObserverOptions.network and .resources as functions,
 * initsOnly, then completeAsked), on a recorded host: samples/hybrid-docker, where sample-web
 * (pid 678) and sample-sidecar (pid 741) share one network namespace, recorded through web's
 * pid only.
 */
import { describe, expect, it } from 'vitest';
import { openHostRoot } from '../../../collectors/host-root.js';
import { observeOnce } from '../../../src/observe/observer.js';
import { RECORDED_NO_RATE } from '../../../src/model/resources.js';
import { containerKey } from '../../../src/model/reconstruct.js';
import type { Container } from '../../../src/model/container.js';
import type { HostModel } from '../../../src/model/host-model.js';
import { ctrscope } from '../../helpers/host.js';

const dir = 'samples/hybrid-docker';

describe('reads for the asked-for container only (samples/hybrid-docker)', () => {
  it('reads one network namespace, through the first container that has it, and one container\'s cgroups', () => {
    const pick = (m: HostModel): Container[] => m.containers.filter((c) => c.name === 'sample-sidecar');
    const obs = observeOnce(openHostRoot(dir), { initsOnly: true, network: pick, resources: pick });
    const sidecar = obs.model.containers.find((c) => c.name === 'sample-sidecar');
    const web = obs.model.containers.find((c) => c.name === 'sample-web');
    expect(sidecar?.namespaces.net).toBe(web?.namespaces.net);
    expect([...obs.network.keys()]).toEqual([sidecar?.namespaces.net]);
    const netns = obs.network.get(sidecar?.namespaces.net as number);
    expect(netns?.pid).toBe(web?.pid);
    expect(netns?.rate).toEqual(RECORDED_NO_RATE);
    // One reading: no rate can come of the counters, so they are not read.
    expect(netns?.interfaces).toBeNull();
    expect([...obs.resources.keys()]).toEqual([containerKey(sidecar as Container)]);
    expect(obs.model.containers.length).toBe(3);
    // Only first processes were read in full: web's other members wait for completeAsked.
    expect(obs.model.snapshot.processes.find((p) => p.pid === 705)?.nspid).toBeNull();

    const hostnet = (m: HostModel): Container[] => m.containers.filter((c) => c.name === 'sample-hostnet');
    const none = observeOnce(openHostRoot(dir), { initsOnly: true, network: hostnet, resources: hostnet });
    expect(none.network.size).toBe(0);
    expect(observeOnce(openHostRoot(dir), {}).network.size).toBe(1);
  });

  it('inspect completes the asked-for container\'s members: every inner pid, and the network rate\'s reason', async () => {
    const r = await ctrscope(['--root', dir, 'inspect', '678', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { container: { name: string; processes: { pid: number; nspid: number[] | null }[]; resources: { unknown: Record<string, string> } } };
    expect(doc.container.name).toBe('sample-web');
    expect(doc.container.processes.length).toBe(3);
    for (const p of doc.container.processes) expect(p.nspid?.length).toBe(2);
    const side = JSON.parse((await ctrscope(['--root', dir, 'inspect', '741', '--json'])).stdout) as typeof doc;
    expect(side.container.resources.unknown['usage.netRxBytesPerSec']).toBe(RECORDED_NO_RATE.unknown);
  });
});
