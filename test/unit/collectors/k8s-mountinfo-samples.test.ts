/**
 * parseMountInfo on mountinfo captured inside Kubernetes + containerd containers
 * (samples/datadog, DataDog/datadog-agent testdata). What is asserted is
 * what the sample README states was read from the files by hand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMountInfo } from '../../../collectors/procfs/mountinfo.js';

const dir = join(import.meta.dirname, '../../../samples/datadog');
const read = (f: string) => parseMountInfo(readFileSync(join(dir, f), 'utf8'));
const SANDBOX = /\/io\.containerd\.grpc\.v1\.cri\/sandboxes\/([0-9a-f]{64})\//;

describe('Kubernetes + containerd mountinfo', () => {
  it('mountinfo_k8s: 25 mounts; /etc/hostname comes from the CRI sandbox, the only id present', () => {
    const m = read('mountinfo_k8s');
    expect(m).toHaveLength(25);
    const hostname = m.find((e) => e.mountPoint === '/etc/hostname');
    expect(SANDBOX.exec(hostname?.root ?? '')?.[1]).toBe('c5866f3bfef020a8c045540b4a05dd9d193443740be76437a6130c7759ab2076');
  });

  it('mountinfo_k8s_agent: 21 distinct task rootfs, 7 CNI netns bind mounts with their inodes, the host cgroup2 above our root', () => {
    const m = read('mountinfo_k8s_agent');
    expect(m).toHaveLength(100);
    const tasks = m.map((e) => /\/io\.containerd\.runtime\.v2\.task\/k8s\.io\/([0-9a-f]{64})\/rootfs$/.exec(e.mountPoint)?.[1]).filter((x) => x !== undefined);
    expect(tasks).toHaveLength(22);
    expect(new Set(tasks).size).toBe(21);
    const netns = m.filter((e) => e.fsType === 'nsfs');
    expect(netns).toHaveLength(7);
    expect(netns[0]).toMatchObject({ root: 'net:[4026532317]', mountPoint: '/host/var/run/netns/cni-a6d26b34-6006-776c-6297-d43cbd377e1a' });
    expect(netns.at(-1)?.root).toBe('net:[4026532845]');
    const hostCgroup = m.find((e) => e.mountPoint === '/host/sys/fs/cgroup');
    expect(hostCgroup).toMatchObject({ fsType: 'cgroup2', root: '/../../../..' });
    const many = m.find((e) => e.mountPoint.includes('/3aaa22321201'));
    expect(/lowerdir=([^,]*)/.exec(many?.superOptions ?? '')?.[1]?.split(':')).toHaveLength(39);
  });

  it('mountinfo_kind: one line without a trailing newline; the hostname of a kind node sandbox', () => {
    const m = read('mountinfo_kind');
    expect(m).toHaveLength(1);
    expect(SANDBOX.exec(m[0]?.root ?? '')?.[1]).toBe('ca30bb64884083e29b1dc08a1081dd2df123f13f045dadb64dc346e56c0b6871');
  });
});
