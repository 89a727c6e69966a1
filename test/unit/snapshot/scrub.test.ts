import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { boltBucket, boltEntries, boltText, parseBoltDb, writeBoltDb, type BoltContent } from '../../../collectors/engines/boltdb.js';
import { parseDockerConfigV2, parseDockerHostConfig } from '../../../collectors/engines/docker.js';
import { parseLxcConfig } from '../../../collectors/engines/lxc.js';
import { parseOciSpec } from '../../../collectors/engines/oci-spec.js';
import { parseLibpodBoltState } from '../../../collectors/engines/podman.js';
import { parseRuncState } from '../../../collectors/engines/runtime-state.js';
import { keepLink, SCRUBBED, scrubArgv, scrubEnv, scrubFile } from '../../../collectors/snapshot/scrub.js';

const S = SCRUBBED;
const text = (b: Buffer | null): string => {
  if (b === null) throw new Error('file left out');
  return b.toString('utf8');
};

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
    expect(text(scrubFile('/proc/42/environ', Buffer.from('A=1\0container=docker\0')))).toBe(`A=${S}\0container=docker\0`);
    expect(text(scrubFile('/proc/self/cmdline', Buffer.from('app\0--token\0t\0')))).toBe(`app\0--token\0${S}\0`);
    expect(text(scrubFile('/proc/42/status', Buffer.from('Name:\tx\n')))).toBe('Name:\tx\n');
  });

  it('keeps of a docker config.v2.json and hostconfig.json only what the parsers read: environment, command line and health check go', () => {
    const path = '/var/lib/docker/containers/9d455f2e9a80ff8e87866565eb79b0c4de48df3af964242271be6486a0945483/config.v2.json';
    const original = readFileSync(`samples/hybrid-docker${path}`, 'utf8');
    const doc = JSON.parse(original) as { Config: Record<string, unknown>; Args: string[] };
    doc.Config['Env'] = ['PATH=/bin', 'DB_PASSWORD=hunter2'];
    doc.Config['Healthcheck'] = { Test: ['CMD-SHELL', 'mysqladmin ping -phealthpass'] };
    doc.Args = ['-c', 'sleep 1', '--token', 'tok'];
    const out = text(scrubFile(path, Buffer.from(JSON.stringify(doc))));
    for (const secret of ['hunter2', 'healthpass', 'tok', 'Env', 'Args']) expect(out).not.toContain(secret);
    expect(parseDockerConfigV2(out)).toEqual(parseDockerConfigV2(original));
    expect(parseDockerConfigV2(out)).toMatchObject({ name: 'sample-web', image: 'ctrscope-sample-busybox:1', labels: { app: 'web' } });
    const host = path.replace('config.v2.json', 'hostconfig.json');
    const hostText = readFileSync(`samples/hybrid-docker${host}`, 'utf8');
    expect(parseDockerHostConfig(text(scrubFile(host, Buffer.from(hostText))))).toEqual(parseDockerHostConfig(hostText));
    expect(JSON.parse(text(scrubFile(host, Buffer.from(hostText))))).toEqual({ Runtime: 'runc' });
  });

  it('keeps of an OCI config.json the hostname and the annotations ctrscope reads', () => {
    const path = '/run/docker/containerd/daemon/io.containerd.runtime.v2.task/ctrscope-it-ctr-manual/ctrscope-it-ctr-manual-c1/config.json';
    const original = readFileSync(`test/fixtures/docker/host${path}`, 'utf8');
    const spec = JSON.parse(original) as { process: { args: string[]; env: string[] }; annotations?: Record<string, string>; hooks?: unknown };
    spec.process.env.push('TOKEN=envsecret');
    spec.process.args.push('--password=argsecret');
    // CRI-O copies every pod annotation, kubectl's last-applied-configuration (env values) too.
    spec.annotations = { ...spec.annotations, 'io.kubernetes.cri-o.Annotations': '{"kubectl.kubernetes.io/last-applied-configuration":"annsecret"}', 'io.kubernetes.pod.name': 'web' };
    spec.hooks = { prestart: [{ path: '/hook', args: ['hook', 'hooksecret'], env: ['X=hookenv'] }] };
    const out = text(scrubFile(path, Buffer.from(JSON.stringify(spec))));
    for (const secret of ['envsecret', 'argsecret', 'annsecret', 'hooksecret', 'hookenv']) expect(out).not.toContain(secret);
    expect(parseOciSpec(out)).toEqual(parseOciSpec(JSON.stringify(spec)));
    expect(parseOciSpec(out).annotations).toEqual({ 'io.kubernetes.pod.name': 'web' });
    expect(parseOciSpec(text(scrubFile(path, Buffer.from(original))))).toEqual(parseOciSpec(original));
  });

  it('keeps of runc state and LXC configs what the parsers read', () => {
    const state = readFileSync('test/fixtures/runc/state.json', 'utf8');
    const statePath = '/run/runc/web/state.json';
    const reduced = text(scrubFile(statePath, Buffer.from(state)));
    expect(parseRuncState(reduced, statePath)).toEqual(parseRuncState(state, statePath));
    expect(reduced.length).toBeLessThan(state.length / 4);
    const lxc = `${readFileSync('test/fixtures/lxc/config', 'utf8')}lxc.environment = API_KEY=abc\nlxc.init.cmd = /sbin/init --password=lxcsecret\n`;
    const lxcOut = text(scrubFile('/var/lib/lxc/c1/config', Buffer.from(lxc)));
    expect(lxcOut).not.toContain('abc');
    expect(lxcOut).not.toContain('lxcsecret');
    expect(parseLxcConfig(lxcOut).get('lxc.rootfs.path')).toBe(parseLxcConfig(lxc).get('lxc.rootfs.path'));
    expect(parseLxcConfig(lxcOut).get('lxc.rootfs.path')).toBeDefined();
  });

  it("records libpod's database as a new bbolt file with the pods and names only, which parses to the same state", () => {
    const bytes = readFileSync('samples/podman-bolt-4.3/bolt_state.db');
    expect(bytes.includes('HOSTNAME=web-pod')).toBe(true);
    const out = scrubFile('/var/lib/containers/storage/libpod/bolt_state.db', bytes);
    expect(out).not.toBeNull();
    expect(out?.includes('HOSTNAME=')).toBe(false);
    expect(bytes.includes('"ociVersion"')).toBe(true);
    expect(out?.includes('"ociVersion"')).toBe(false);
    expect(parseLibpodBoltState(out as Buffer)).toEqual(parseLibpodBoltState(bytes));
    expect((out as Buffer).length).toBeLessThan(bytes.length);
  });

  it("records containerd's meta.db as the image of each container, nothing of its spec", () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const container = (image: string, env: string): BoltContent =>
      new Map<string, Uint8Array | BoltContent>([
        ['image', enc(image)],
        ['spec', enc(`{"process":{"env":["${env}"]}}`)],
        ['labels', new Map([['secret-label', enc('labelsecret')]])],
      ]);
    const db = writeBoltDb(
      new Map([
        ['v1', new Map<string, BoltContent>([
          ['default', new Map<string, BoltContent>([['containers', new Map([['c1', container('docker.io/library/busybox:1', 'PASSWORD=specsecret')]])], ['leases', new Map([['l1', new Map()]])]])],
          ['moby', new Map<string, BoltContent>([['containers', new Map([['d1', container('', 'TOKEN=other')]])]])],
        ])],
      ]),
    );
    const path = '/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db';
    const out = scrubFile(path, db) as Buffer;
    for (const secret of ['specsecret', 'labelsecret', 'TOKEN', 'spec', 'leases']) expect(out.includes(secret)).toBe(false);
    const parsed = parseBoltDb(out);
    const image = (ns: string, id: string): string | null => {
      const ref = boltBucket(parsed, 'v1', ns, 'containers', id);
      const e = ref ? boltEntries(parsed, ref).find((x) => boltText(x.key) === 'image') : undefined;
      return e?.value ? boltText(e.value) : null;
    };
    expect(image('default', 'c1')).toBe('docker.io/library/busybox:1');
    expect(image('moby', 'd1')).toBe('');
    // A database that cannot be read is left out, not copied.
    expect(scrubFile(path, Buffer.from('not a database'))).toBeNull();
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
