/**
 * matchCgroupPath on real /proc/<pid>/cgroup text: upstream captures with the ids their README
 * states (samples/elastic-asm, samples/cgroup-coroot) and our own docker/ctr capture
 * (test/fixtures/docker/README.md), with the shims seen on that host.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCmdline } from '../../../collectors/procfs/pid-cmdline.js';
import { parsePidCgroup } from '../../../collectors/procfs/pid-cgroup.js';
import { parseMountInfo } from '../../../collectors/procfs/mountinfo.js';
import { primaryCgroupPath } from '../../../src/model/cgroup.js';
import { detectMonitor, matchProcessCgroups, matchCgroupPath, type CgroupMatch, type ShimClaim } from '../../../src/model/engines.js';

const fixture = (rel: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/${rel}`, import.meta.url)), 'utf8');
const cgroupOf = (rel: string): string => primaryCgroupPath(parsePidCgroup(fixture(rel)));
const matchFile = (rel: string, shims?: ReadonlyMap<string, ShimClaim>): CgroupMatch | null => matchProcessCgroups(parsePidCgroup(fixture(rel)), shims);
const SAMPLES = fileURLToPath(new URL('../../../samples', import.meta.url));
const ELASTIC = 'elastic-asm/metric/system/cgroup/testdata';

describe('matchCgroupPath on upstream captures', () => {
  // The coroot captures are covered in engines-samples.test.ts; these are the ones only a shim decides.
  it.each([
    [`${ELASTIC}/docker/proc/312/cgroup`, 'docker', '1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039', null],
    [`${ELASTIC}/amzn2/proc/493239/cgroup`, 'containerd', '1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496', '7a96c459-d529-44ae-9f99-90d3798d6426'],
  ])('%s: %s %s (pod %s)', (file, engine, id, podUid) => {
    const m = matchProcessCgroups(parsePidCgroup(readFileSync(join(SAMPLES, file), 'utf8')));
    expect(m?.engine).toBe(engine);
    expect(m?.id).toBe(id);
    expect(m?.role).toBe('container');
    expect(m?.pod?.id ?? null).toBe(podUid);
  });

  it('a Kubernetes pod on a docker node (coroot 123): the cgroupfs path is docker\'s when a moby shim names the id', () => {
    const roots = parseMountInfo(readFileSync(join(SAMPLES, 'cgroup-coroot/proc/123/mountinfo'), 'utf8'))
      .filter((e) => e.fsType === 'cgroup' && e.root !== '/')
      .map((e) => e.root);
    const path = roots[0] as string;
    expect(new Set(roots)).toEqual(new Set([path]));
    const id = '794b58c8a6dff2d8313df105c011868f33584884d6dd3384a5ebc570fd6b8b9b';
    const pod = { kind: 'kubernetes', id: '51d1885e-187c-4563-a51e-2cccf685610c' };
    expect(matchCgroupPath(path)).toMatchObject({ engine: 'containerd', id, pod });
    const m = matchCgroupPath(path, new Map<string, ShimClaim>([[id, { engine: 'docker', namespace: 'moby' }]]));
    expect(m).toMatchObject({ engine: 'docker', id, pod });
    expect(m?.namespace).toBeUndefined();
  });
});

describe('matchCgroupPath with the shims of our docker/ctr capture', () => {
  const shims = new Map<string, ShimClaim>();
  for (const pid of [15630, 28313, 4710, 4717]) {
    const m = detectMonitor({ comm: fixture(`docker/host/proc/${pid}/comm`).trim(), cmdline: parseCmdline(fixture(`docker/host/proc/${pid}/cmdline`)) });
    if (m?.id) shims.set(m.id, { engine: m.engine, namespace: m.namespace });
  }

  it('recognises exactly the two shims, not dockerd or containerd', () => {
    expect(Object.fromEntries(shims)).toEqual({
      'ctrscope-it-ctr-manual-c1': { engine: 'containerd', namespace: 'ctrscope-it-ctr-manual' },
      '66aa9330b140ade6a0b20073c9d319e6ba6e9621d99cf2a5282244465942fcf6': { engine: 'docker', namespace: 'moby' },
    });
  });

  it('docker --cgroup-parent: docker by its shim, containerd by shape alone', () => {
    const path = cgroupOf('docker/host/proc/28333/cgroup');
    expect(path).toBe('/ctrscope-it-docker-cgp/66aa9330b140ade6a0b20073c9d319e6ba6e9621d99cf2a5282244465942fcf6');
    expect(matchCgroupPath(path, shims)).toEqual({ engine: 'docker', role: 'container', id: '66aa9330b140ade6a0b20073c9d319e6ba6e9621d99cf2a5282244465942fcf6', cgroupPath: path });
    expect(matchCgroupPath(path)?.engine).toBe('containerd');
  });

  it('ctr run with a non-hex id: /<namespace>/<id> only when the shim vouches', () => {
    const path = cgroupOf('docker/host/proc/15652/cgroup');
    expect(path).toBe('/ctrscope-it-ctr-manual/ctrscope-it-ctr-manual-c1');
    expect(matchCgroupPath(path, shims)).toEqual({ engine: 'containerd', role: 'container', id: 'ctrscope-it-ctr-manual-c1', cgroupPath: path, namespace: 'ctrscope-it-ctr-manual' });
    expect(matchCgroupPath(path)).toBeNull();
    // The id alone, under another parent, is not the shim's task.
    expect(matchCgroupPath('/system.slice/ctrscope-it-ctr-manual-c1', shims)).toBeNull();
    expect(matchCgroupPath(`${path}/sub`, shims)?.cgroupPath).toBe(path);
  });

  it("the shims' and daemons' own cgroups are no container", () => {
    for (const pid of [15630, 28313, 4710, 4717]) expect(matchFile(`docker/host/proc/${pid}/cgroup`, shims)).toBeNull();
  });
});
