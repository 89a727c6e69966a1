/**
 * matchCgroupPath on the cgroup paths that real hosts write: the captures under samples/ and the
 * layouts each engine's source makes (moby daemon/oci_linux.go, containerd pkg/oci/spec.go and
 * internal/cri, cri-o internal/config/cgmgr, podman libpod, lxc cgroup.h, systemd machine.c),
 * and the engine records themselves.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePidCgroup } from '../../../collectors/procfs/pid-cgroup.js';
import { primaryCgroupPath } from '../../../src/model/cgroup.js';
import { ENGINE_DAEMONS, ENGINE_RULES, ENGINES, matchCgroupPath, needsArgv } from '../../../src/model/engines.js';
import { ENGINE_READERS } from '../../../collectors/engines/readers.js';

const ID = '1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496';
const POD_ = '7a96c459_d529_44ae_9f99_90d3798d6426';
const POD = POD_.replace(/_/g, '-');

describe('matchCgroupPath on captured /proc/<pid>/cgroup files', () => {
  const primary = (file: string): string => primaryCgroupPath(parsePidCgroup(readFileSync(file, 'utf8')));

  it.each([
    ['samples/hybrid-docker/proc/678/cgroup', { engine: 'docker', id: '9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483' }],
    ['samples/cgroup-coroot/proc/200/cgroup', { engine: 'docker', id: 'b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f' }],
    [
      'samples/cgroup-coroot/proc/300/cgroup',
      { engine: 'containerd', id: '17db96a24ae1e9dd57143e62b1cb0d2d35e693c65c774c7470e87b0572e07c1a', pod: { kind: 'kubernetes', id: '6a4ce4a0-ba47-11ea-b2a7-0cc47ac5979e' } },
    ],
    [
      'samples/cgroup-coroot/proc/400/cgroup',
      { engine: 'docker', id: '73051af271105c07e1f493b34856a77e665e3b0b4fc72f76c807dfbffeb881bd', pod: { kind: 'kubernetes', id: '8712f785-1a3e-41ec-a00b-e2dcc77431cb' } },
    ],
    ['samples/cgroup-coroot/proc/3000/cgroup', { engine: 'lxc', id: 'first' }],
    ['samples/elastic-asm/metric/system/cgroup/testdata/amzn2/proc/493239/cgroup', { engine: 'containerd', id: ID, pod: { kind: 'kubernetes', id: POD } }],
  ])('%s', (file, want) => {
    expect(matchCgroupPath(primary(file))).toMatchObject({ role: 'container', ...want });
  });

  it('refuses a path above the cgroup namespace root (coroot proc/500)', () => {
    expect(matchCgroupPath(primary('samples/cgroup-coroot/proc/500/cgroup'))).toBeNull();
  });
});

describe('matchCgroupPath on the layouts engines write', () => {
  const H = 'ba7b10d15d16e10e3de7a2dcd408a3d971169ae303f46cfad4c5453c6326fee2';
  it.each([
    [`/docker/${H}`, 'docker', 'container', `/docker/${H}`],
    [`/system.slice/docker-${H}.scope`, 'docker', 'container', `/system.slice/docker-${H}.scope`],
    [`/system.slice/docker-${H}.scope/container`, 'docker', 'container', `/system.slice/docker-${H}.scope`],
    [`/user.slice/user-1000.slice/user@1000.service/user.slice/docker-${H}.scope`, 'docker', 'container', undefined],
    [`/my.slice/docker-${H}.scope`, 'docker', 'container', undefined],
    [`/kubepods.slice/kubepods-pod${POD_}.slice/cri-containerd-${H}.scope`, 'containerd', 'container', undefined],
    [`/kubepods/besteffort/pod${POD}/${H}`, 'containerd', 'container', undefined],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_}.slice/crio-${H}.scope`, 'cri-o', 'container', undefined],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_}.slice/crio-conmon-${H}.scope`, 'cri-o', 'monitor', undefined],
    [`/kubepods/burstable/pod${POD}/crio-${H}`, 'cri-o', 'container', undefined],
    [`/crio/crio-${H}`, 'cri-o', 'container', undefined],
    [`/machine.slice/libpod-${H}.scope/container`, 'podman', 'container', `/machine.slice/libpod-${H}.scope`],
    [`/machine.slice/libpod-conmon-${H}.scope`, 'podman', 'monitor', undefined],
    [`/libpod_parent/libpod-${H}`, 'podman', 'container', undefined],
    [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${H}.scope/container`, 'podman', 'container', undefined],
    [`/system.slice/web.service/libpod-payload-${H}`, 'podman', 'container', undefined],
    ['/machine.slice/systemd-nspawn@foo.service/payload', 'systemd-nspawn', 'container', '/machine.slice/systemd-nspawn@foo.service'],
    ['/machine.slice/machine-my\\x2dbox.scope/payload', 'systemd-nspawn', 'container', undefined],
    ['/lxc.payload.c1', 'lxc', 'container', undefined],
    ['/lxc.monitor.c1', 'lxc', 'monitor', undefined],
    ['/lxc/c1', 'lxc', 'container', undefined],
  ])('%s -> %s %s', (path, engine, role, cgroupPath) => {
    const m = matchCgroupPath(path);
    expect(m).toMatchObject({ engine, role });
    if (cgroupPath !== undefined) expect(m?.cgroupPath).toBe(cgroupPath);
  });

  it('decodes ids: nspawn machine names, pods of podman and Kubernetes', () => {
    expect(matchCgroupPath('/machine.slice/machine-my\\x2dbox.scope/payload')?.id).toBe('my-box');
    expect(matchCgroupPath(`/machine.slice/machine-libpod_pod_${H}.slice/libpod-${'a'.repeat(64)}.scope`)).toMatchObject({ id: 'a'.repeat(64), pod: { kind: 'podman', id: H } });
    expect(matchCgroupPath(`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_}.slice/docker-${H}.scope`)?.pod).toEqual({ kind: 'kubernetes', id: POD });
  });

  it.each([['/'], ['/system.slice/docker.service'], ['/system.slice/ssh.service'], ['/init.scope'], ['/user.slice/user-1000.slice/session-3.scope'], ['/system.slice/var-lib-docker-overlay2.mount'], ['/../../system.slice/docker-x.scope']])(
    'claims no container for %s',
    (path) => {
      expect(matchCgroupPath(path)).toBeNull();
    },
  );
});

describe('engine records', () => {
  it('the JSON schema names every engine, in the records\' order', () => {
    const schema = JSON.parse(readFileSync('views/json/ctrscope.schema.json', 'utf8')) as { $defs: { engine: { enum: unknown[] } } };
    expect(schema.$defs.engine.enum).toEqual([...ENGINES, null]);
  });

  it('every engine has a reader, and only engines do', () => {
    expect(Object.keys(ENGINE_READERS).sort()).toEqual([...ENGINES].sort());
  });

  it('a scan reads the argv of every engine daemon and every monitor', () => {
    expect([...ENGINE_DAEMONS].sort()).toEqual(['containerd', 'crio', 'dockerd', 'podman']);
    for (const comm of [...ENGINE_DAEMONS, 'containerd-shim-runc-v2', 'containerd-shim', 'conmon', 'lxc-start', 'systemd-nspawn']) expect(needsArgv(comm), comm).toBe(true);
    for (const comm of ['sleep', 'sh', 'containerd-foo', 'runc', 'crun', 'lxc-attach']) expect(needsArgv(comm), comm).toBe(false);
  });

  it('a cgroup component names a container of one engine at most, so the engines\' order does not matter', () => {
    const h = 'a'.repeat(64);
    const names = [`docker-${h}.scope`, `cri-containerd-${h}.scope`, `nerdctl-${h}.scope`, `crio-conmon-${h}.scope`, `crio-${h}.scope`, `crio-${h}`, `libpod-conmon-${h}.scope`, `libpod-${h}.scope`, `libpod-payload-${h}`, 'lxc.monitor.web', 'lxc.payload.web', 'machine-web.scope', 'systemd-nspawn@web.service', 'runc-web.scope'];
    for (const name of names) {
      const claimed = ENGINES.filter((e) => ENGINE_RULES[e].components.some((r) => r.re.test(name)));
      expect(claimed, name).toHaveLength(1);
    }
  });

  it('ids are names exactly for the engines whose ids users choose', () => {
    expect(ENGINES.filter((e) => ENGINE_RULES[e].idIsName)).toEqual(['lxc', 'systemd-nspawn', 'runc', 'crun']);
  });
});
