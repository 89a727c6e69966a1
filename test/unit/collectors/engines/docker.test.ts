/**
 * Docker's on-disk records, read from a real capture (test/fixtures/docker/README.md says what
 * docker inspect reported for it).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dockerDataRoots, parseDaemonJsonDataRoot, parseDockerConfigV2, parseDockerHostConfig, readDockerMetadata } from '../../../../collectors/engines/docker.js';
import { openHostRoot } from '../../../../collectors/host-root.js';
import { ParseError } from '../../../../collectors/read.js';

const HOST = fileURLToPath(new URL('../../../fixtures/docker/host', import.meta.url));
const ID = '66aa9330b140ade6a0b20073c9d319e6ba6e9621d99cf2a5282244465942fcf6';
const CONTAINER_DIR = `${HOST}/srv/docker/containers/${ID}`;

describe('parseDockerConfigV2', () => {
  const text = readFileSync(`${CONTAINER_DIR}/config.v2.json`, 'utf8');

  it('reads identity, image, pid and labels of a real config.v2.json', () => {
    const c = parseDockerConfigV2(text);
    expect(c.id).toBe(ID);
    expect(c.name).toBe('ctrscope-it-docker-fixture');
    expect(c.image).toBe('ctrscope-it-docker-manual:1');
    expect(c.imageId).toBe('sha256:b53127590e024bbf49061f7c699fa1933be3592aec654b8cfd5fd87417914712');
    expect(c.pid).toBe(28333);
    expect(c.labels).toEqual({ 'com.docker.compose.service': 'web', 'com.example.team': 'sre' });
    expect(c.startedAt).toMatch(/^2026-11-24T/);
  });

  it('keeps nothing of the environment', () => {
    expect(text).toContain('FIXTURE_SECRET');
    expect(JSON.stringify(parseDockerConfigV2(text))).not.toContain('FIXTURE_SECRET');
  });

  it('a stopped container (Pid 0) has no pid', () => {
    const stopped = text.replace('"Pid":28333', '"Pid":0');
    expect(stopped).not.toBe(text);
    expect(parseDockerConfigV2(stopped).pid).toBeNull();
  });

  it.each([
    ['truncated', text.slice(0, 200)],
    ['not an object', '[1,2]'],
    ['no ID', '{"Name":"/x"}'],
  ])('refuses %s text', (_what, bad) => {
    expect(() => parseDockerConfigV2(bad)).toThrow(ParseError);
  });
});

describe('parseDockerHostConfig', () => {
  it('reads the runtime', () => {
    expect(parseDockerHostConfig(readFileSync(`${CONTAINER_DIR}/hostconfig.json`, 'utf8')).runtime).toBe('runc');
  });

  it('refuses JSON that is not an object (a truncated write leaves "null" or nothing)', () => {
    expect(() => parseDockerHostConfig('null')).toThrow(ParseError);
    expect(() => parseDockerHostConfig('')).toThrow(ParseError);
  });
});

describe('readDockerMetadata through a host root', () => {
  const root = openHostRoot(HOST);

  it('reads config.v2.json and hostconfig.json under the data root', () => {
    const r = readDockerMetadata(root, '/srv/docker', ID);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.name).toBe('ctrscope-it-docker-fixture');
    expect(r.value.runtime).toBe('runc');
    expect(r.value.sources).toEqual([`/srv/docker/containers/${ID}/config.v2.json`, `/srv/docker/containers/${ID}/hostconfig.json`]);
  });

  it('is an absent gap, not an exception, under the wrong data root', () => {
    const r = readDockerMetadata(root, '/var/lib/docker', ID);
    expect(r).toEqual({ ok: false, gap: { path: `/var/lib/docker/containers/${ID}/config.v2.json`, reason: 'absent', detail: 'ENOENT' } });
  });
});

describe('dockerDataRoots', () => {
  const root = openHostRoot(HOST);
  const dockerd = (...args: string[]): { cmdline: string[] } => ({ cmdline: ['/usr/bin/dockerd', ...args] });

  it('follows /etc/docker/daemon.json when dockerd has no flag', () => {
    expect(dockerDataRoots(root, [{ cmdline: null }, dockerd()])).toEqual(['/srv/docker']);
  });

  it('prefers --data-root (both spellings) over daemon.json', () => {
    expect(dockerDataRoots(root, [dockerd('--data-root', '/mnt/d')])).toEqual(['/mnt/d']);
    expect(dockerDataRoots(root, [dockerd('--data-root=/mnt/e')])).toEqual(['/mnt/e']);
  });

  it('falls back to /var/lib/docker when --config-file names a file that is not there', () => {
    expect(dockerDataRoots(root, [dockerd('--config-file', '/etc/nope.json')])).toEqual(['/var/lib/docker']);
  });

  it('is /var/lib/docker without a dockerd process (a sample of a stopped daemon)', () => {
    expect(dockerDataRoots(root, [])).toEqual(['/var/lib/docker']);
  });

  it('parses daemon.json, refusing non-JSON', () => {
    expect(parseDaemonJsonDataRoot(readFileSync(`${HOST}/etc/docker/daemon.json`, 'utf8'))).toBe('/srv/docker');
    expect(parseDaemonJsonDataRoot('{"graph":"/old"}')).toBe('/old');
    expect(parseDaemonJsonDataRoot('{"debug":true}')).toBeNull();
    expect(() => parseDaemonJsonDataRoot('{"data-root":')).toThrow(ParseError);
  });
});
