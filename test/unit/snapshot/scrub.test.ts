import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDockerConfigV2 } from '../../../collectors/engines/docker.js';
import { keepLink, SCRUBBED, scrubArgv, scrubEnv, scrubFile } from '../../../collectors/snapshot/scrub.js';

const S = SCRUBBED;

describe('scrubArgv', () => {
  it('leaves what the collectors need: shim and conmon identifiers, data roots', () => {
    const shim = ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'moby', '-id', '9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483', '-address', '/var/run/docker/containerd/containerd.sock'];
    expect(scrubArgv(shim)).toEqual(shim);
    const conmon = ['/usr/bin/conmon', '--api-version', '1', '-c', 'a'.repeat(64), '-u', 'a'.repeat(64), '-r', '/usr/bin/runc', '-b', '/var/lib/containers/storage/overlay-containers/x/userdata', '-n', 'web', '--exit-dir', '/run/libpod/exits'];
    expect(scrubArgv(conmon)).toEqual(conmon);
    expect(scrubArgv(['dockerd', '--data-root', '/srv/docker', '-H', 'fd://'])).toEqual(['dockerd', '--data-root', '/srv/docker', '-H', 'fd://']);
  });

  it.each([
    [['app', '--password', 'hunter2', '--port', '80'], ['app', '--password', S, '--port', '80']],
    [['app', '--db-password=hunter2'], ['app', `--db-password=${S}`]],
    [['app', '-token', 'abc', '--auth-token=abc'], ['app', '-token', S, `--auth-token=${S}`]],
    [['app', '--api-key', 'k', '--secret', 's'], ['app', '--api-key', S, '--secret', S]],
    [['mysql', '-uroot', '-phunter2', '-h', 'db'], ['mysql', '-uroot', `-p${S}`, '-h', 'db']],
    [['docker', 'run', '-p', '8080:80', 'img'], ['docker', 'run', '-p', '8080:80', 'img']],
    [['env', 'DB_PASSWORD=hunter2', 'GITHUB_TOKEN=ghp_x', 'MODE=prod', 'run'], ['env', `DB_PASSWORD=${S}`, `GITHUB_TOKEN=${S}`, 'MODE=prod', 'run']],
    [['sh', '-c', 'export AWS_SECRET_ACCESS_KEY=abc; exec app'], ['sh', '-c', `export AWS_SECRET_ACCESS_KEY=${S}; exec app`]],
    [['psql', 'postgres://admin:hunter2@db:5432/app'], ['psql', `postgres://admin:${S}@db:5432/app`]],
  ])('%j', (argv, want) => {
    expect(scrubArgv(argv)).toEqual(want);
  });
});

describe('scrubEnv', () => {
  it('replaces values, keeps names and the container markers', () => {
    expect(scrubEnv(['PATH=/usr/bin', 'container=podman', 'PGPASSWORD=x', 'HOME=/root', 'FOO=bar', 'NOEQUALS'])).toEqual(['PATH=/usr/bin', 'container=podman', `PGPASSWORD=${S}`, 'HOME=/root', `FOO=${S}`, 'NOEQUALS']);
  });
});

describe('scrubFile', () => {
  it('scrubs environ and cmdline by path, keeping NUL layout', () => {
    expect(scrubFile('/proc/42/environ', Buffer.from('A=1\0container=docker\0')).toString()).toBe(`A=${S}\0container=docker\0`);
    expect(scrubFile('/proc/self/cmdline', Buffer.from('app\0--token\0t\0')).toString()).toBe(`app\0--token\0${S}\0`);
    expect(scrubFile('/proc/42/status', Buffer.from('Name:\tx\n')).toString()).toBe('Name:\tx\n');
  });

  it('scrubs a docker config.v2.json, which still parses to the same name, image and labels', () => {
    const path = '/var/lib/docker/containers/9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483/config.v2.json';
    const doc = JSON.parse(readFileSync(`samples/hybrid-docker${path}`, 'utf8')) as { Config: Record<string, unknown>; Args: string[] };
    doc.Config['Env'] = ['PATH=/bin', 'DB_PASSWORD=hunter2'];
    doc.Args = ['-c', 'sleep 1', '--token', 'tok'];
    const out = scrubFile(path, Buffer.from(JSON.stringify(doc))).toString();
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('"tok"');
    const parsed = JSON.parse(out) as { Config: { Env: string[] }; Args: string[] };
    expect(parsed.Config.Env).toEqual(['PATH=/bin', `DB_PASSWORD=${S}`]);
    expect(parsed.Args).toEqual(['-c', 'sleep 1', '--token', S]);
    expect(parseDockerConfigV2(out)).toMatchObject({ name: 'sample-web', image: 'ctrscope-sample-busybox:1', labels: { app: 'web' } });
  });

  it('scrubs OCI process.env and args, and LXC lxc.environment', () => {
    const spec = { ociVersion: '1.0.2', process: { args: ['app', '--password=x'], env: ['TOKEN=y', 'PATH=/bin'] }, annotations: { a: 'b' } };
    const out = JSON.parse(scrubFile('/run/containerd/io.containerd.runtime.v2.task/default/c1/config.json', Buffer.from(JSON.stringify(spec))).toString()) as typeof spec;
    expect(out.process).toEqual({ args: ['app', `--password=${S}`], env: [`TOKEN=${S}`, 'PATH=/bin'] });
    expect(out.annotations).toEqual({ a: 'b' });
    expect(scrubFile('/var/lib/lxc/c1/config', Buffer.from('lxc.uts.name = c1\nlxc.environment = API_KEY=abc\n')).toString()).toBe(`lxc.uts.name = c1\nlxc.environment = API_KEY=${S}\n`);
  });
});

describe('keepLink', () => {
  it('keeps namespace fds and every non-fd link, drops other fd targets', () => {
    expect(keepLink('/proc/4710/fd/15', 'net:[4026531833]')).toBe(true);
    expect(keepLink('/proc/4710/fd/3', 'socket:[12345]')).toBe(false);
    expect(keepLink('/proc/4710/fd/4', '/var/lib/docker/secret.db')).toBe(false);
    expect(keepLink('/proc/4710/ns/net', 'net:[4026531833]')).toBe(true);
  });
});
