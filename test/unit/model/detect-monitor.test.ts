/**
 * Monitor recognition on real command lines (test/fixtures/*): the lxc monitor's rewritten
 * title, lxc-start in the foreground, systemd-nspawn, conmon and the containerd shim. Expected
 * values come from the engines' own tools captured at the same moment.
 */
import { describe, expect, it } from 'vitest';
import { parsePidCgroup } from '../../../collectors/procfs/pid-cgroup.js';
import { primaryCgroupPath } from '../../../src/model/cgroup.js';
import { detectMonitor, getoptValues, matchCgroupPath } from '../../../src/model/engines.js';
import { fixture, fixtureArgv } from '../../helpers/fixtures.js';

const comm = (rel: string): string => fixture(rel).trim();

describe('detectMonitor: LXC', () => {
  const title = fixtureArgv('lxc/monitor-cmdline');
  const lxcpath = (title[0] as string).split(' ')[2] as string;

  it('reads lxcpath and name from the daemonized monitor title', () => {
    expect(title).toHaveLength(1);
    expect(detectMonitor({ comm: comm('lxc/monitor-comm'), cmdline: title })).toEqual({
      kind: 'lxc-monitor', engine: 'lxc', id: 'web', name: 'web', namespace: lxcpath, bundle: null, runtime: null,
    });
  });

  it('keeps an lxcpath with spaces whole', () => {
    const spaced = [(title[0] as string).replace(lxcpath, '/srv/my lxc')];
    expect(detectMonitor({ comm: 'lxc-start', cmdline: spaced })).toMatchObject({ id: 'web', namespace: '/srv/my lxc' });
  });

  it('recognises `lxc-start -F`, which is its own monitor and keeps its argv', () => {
    const argv = fixtureArgv('lxc/lxc-start-foreground-cmdline');
    expect(detectMonitor({ comm: comm('lxc/lxc-start-foreground-comm'), cmdline: argv })).toMatchObject({ kind: 'lxc-monitor', id: 'web', namespace: lxcpath });
  });

  it('matches the cgroups LXC put the init and the monitor in', () => {
    expect(matchCgroupPath(primaryCgroupPath(parsePidCgroup(fixture('lxc/init-cgroup'))))).toMatchObject({ engine: 'lxc', role: 'container', id: 'web', cgroupPath: '/lxc.payload.web' });
    expect(matchCgroupPath(primaryCgroupPath(parsePidCgroup(fixture('lxc/monitor-cgroup'))))).toMatchObject({ engine: 'lxc', role: 'monitor', id: 'web' });
  });
});

describe('detectMonitor: systemd-nspawn', () => {
  const argv = fixtureArgv('nspawn/monitor-cmdline-b-D-M');
  const rootfs = argv[argv.indexOf('-bD') + 1] as string;

  it('reads -M and the directory of a clustered -bD', () => {
    expect(rootfs.startsWith('/')).toBe(true);
    expect(detectMonitor({ comm: 'systemd-nspawn', cmdline: argv })).toEqual({
      kind: 'systemd-nspawn', engine: 'systemd-nspawn', id: 'web', name: 'web', namespace: null, bundle: rootfs, runtime: null,
    });
  });

  it('names the machine after the directory without -M, ignoring options of the payload command', () => {
    const noM = argv.filter((a, i) => a !== '-M' && argv[i - 1] !== '-M');
    expect(noM).not.toContain('web');
    expect(detectMonitor({ comm: 'systemd-nspawn', cmdline: [...noM, '-M', 'decoy'] })).toMatchObject({ id: 'rootfs', bundle: rootfs });
  });

  it.each([
    [['systemd-nspawn', '--directory=/m/a', '--machine', 'x'], 'x', '/m/a'],
    [['systemd-nspawn', '-D/m/a', '-qM', 'x'], 'x', '/m/a'],
    [['systemd-nspawn', '--bind', '/srv', '-D', '/m/a'], 'a', '/m/a'],
    [['systemd-nspawn', '-i', '/img/deb.raw'], 'deb', '/img/deb.raw'],
    [['systemd-nspawn', '-D', '/m/a', '--', '-M', 'decoy'], 'a', '/m/a'],
  ])('%j → %s', (cmdline, id, bundle) => {
    expect(detectMonitor({ comm: 'systemd-nspawn', cmdline })).toMatchObject({ id, bundle });
  });
});

describe('detectMonitor: conmon and containerd shims', () => {
  it('reads id, name, bundle and runtime from podman conmon', () => {
    const [id, name] = fixture('conmon/podman-inspect-id-name-pid').trim().split(' ') as [string, string];
    const argv = fixtureArgv('conmon/podman-conmon-cmdline');
    expect(detectMonitor({ comm: 'conmon', cmdline: argv })).toEqual({
      kind: 'conmon', engine: 'podman', id, name, namespace: null,
      bundle: `/var/lib/containers/storage/overlay-containers/${id}/userdata`, runtime: 'runc',
    });
  });

  it('reads the docker shim: namespace moby, id = docker inspect Id', () => {
    const [id] = fixture('containerd-shim/docker-inspect-id-name-pid').trim().split(' ') as [string];
    const m = detectMonitor({ comm: comm('containerd-shim/comm'), cmdline: fixtureArgv('containerd-shim/moby-shim-cmdline') });
    expect(m).toMatchObject({ kind: 'containerd-shim', engine: 'docker', id, namespace: 'moby' });
  });

  it('reads a ctr shim as containerd with its namespace', () => {
    const m = detectMonitor({ comm: 'containerd-shim', cmdline: fixtureArgv('containerd-shim/ctr-shim-cmdline') });
    expect(m).toMatchObject({ kind: 'containerd-shim', engine: 'containerd', id: 'ctrscope-it-ctr-manual-c1', namespace: 'ctrscope-it-ctr-manual' });
  });
});

describe('getoptValues', () => {
  it.each([
    // GNU getopt (no '+') permutes: an operand between options does not end them.
    [['lxc-start', 'x', '-n', 'c1'], 'n:', [['n', 'c1']]],
    // '+' stops at the first operand.
    [['prog', 'x', '-n', 'c1'], '+n:', []],
    // A flag that takes no value does not swallow the next word.
    [['prog', '-q', '-n', 'c1'], 'qn:', [['n', 'c1']]],
    // A trailing option with no value left.
    [['prog', '-n'], 'n:', [['n', '']]],
  ])('%j with %s', (args, optstring, want) => {
    expect([...getoptValues(args, optstring, new Set())]).toEqual(want);
  });
});
