import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePidCgroup } from '../../../../collectors/procfs/pid-cgroup.js';
import { ParseError } from '../../../../collectors/read.js';

const sample = (p: string): string => readFileSync(`samples/${p}`, 'utf8');
const WEB = '9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483';

describe('parsePidCgroup', () => {
  it('reads a docker container on the hybrid test VM (samples/hybrid-docker pid 678)', () => {
    const lines = parsePidCgroup(readFileSync('samples/hybrid-docker/proc/678/cgroup', 'utf8'));
    expect(lines).toHaveLength(10);
    expect(lines[0]).toEqual({ hierarchyId: 9, controllers: ['name=systemd'], path: `/docker/${WEB}` });
    expect(lines[9]).toEqual({ hierarchyId: 0, controllers: [], path: `/docker/${WEB}` });
    expect(lines.find((l) => l.hierarchyId === 2)?.controllers).toEqual(['cpuacct']);
  });

  it('reads a file with no trailing newline (coroot proc/200: v1, /docker/<id>)', () => {
    const text = sample('cgroup-coroot/proc/200/cgroup');
    expect(text.endsWith('\n')).toBe(false);
    const lines = parsePidCgroup(text);
    expect(lines).toHaveLength(11);
    expect(lines[10]).toEqual({ hierarchyId: 1, controllers: ['name=systemd'], path: '/docker/b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f' });
    expect(lines[4]?.controllers).toEqual(['cpu', 'cpuacct']);
  });

  it('keeps ":" inside the path (a v1 cgroup named "ctrscope-capture:x" on the test VM)', () => {
    const text = '9:name=systemd:/\n8:pids:/ctrscope-capture:x\n7:blkio:/\n4:memory:/process_api/032d4b0b186139093addfd6b7b9654be\n0::/\n';
    const lines = parsePidCgroup(text);
    expect(lines[1]).toEqual({ hierarchyId: 8, controllers: ['pids'], path: '/ctrscope-capture:x' });
    expect(lines[4]).toEqual({ hierarchyId: 0, controllers: [], path: '/' });
  });

  it('drops " (deleted)" of a zombie whose v2 cgroup was removed (captured on the test VM)', () => {
    const text = '9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:/\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/ctrscope-capture-deleted (deleted)\n';
    expect(parsePidCgroup(text)[9]).toEqual({ hierarchyId: 0, controllers: [], path: '/ctrscope-capture-deleted' });
  });

  it('keeps "/.." paths seen from inside a cgroup namespace', () => {
    // `unshare -C cat /proc/2/cgroup` from a shell in pids:/ctrscope-capture-ns on the test VM.
    const lines = parsePidCgroup('9:name=systemd:/\n8:pids:/..\n4:memory:/../..\n0::/\n');
    expect(lines.map((l) => l.path)).toEqual(['/', '/..', '/../..', '/']);
    // coroot proc/500: v2, four levels above the namespace root, no trailing newline.
    const v2 = parsePidCgroup(sample('cgroup-coroot/proc/500/cgroup'));
    expect(v2).toEqual([{ hierarchyId: 0, controllers: [], path: '/../../../../system.slice/docker-ba7b10d15d16e10e3de7a2dcd408a3d971169ae303f46cfad4c5453c6326fee2.scope' }]);
  });

  it.each([
    ['an empty file', ''],
    ['a line without two colons', '4memory/docker\n'],
    ['a relative path', '4:memory:docker/x\n'],
    ['a non-numeric hierarchy id', 'x:memory:/\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => parsePidCgroup(text)).toThrow(ParseError);
  });
});
