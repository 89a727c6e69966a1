/**
 * Container logs on disk: the json-file and CRI parsers on lines captured from real containers
 * (test/fixtures/logs), conmon's log argument on a captured argv, and where each engine's log is.
 */
import { describe, expect, it } from 'vitest';
import { conmonLogTarget, parseCriLog, parseJsonFileLog } from '../../../collectors/log-formats.js';
import { locateLog, readLogTail } from '../../../collectors/logs.js';
import type { FileTail } from '../../../collectors/host-root.js';
import { ok } from '../../../collectors/read.js';
import { container } from '../../helpers/frames.js';
import { filesRoot, fixture, fixtureArgv } from '../../helpers/fixtures.js';

// Both containers ran the same script on busybox: a line, a line on stderr, a partial line
// finished 0.2 s later, a line with a tab, quotes and non-ASCII, 20,000 x's, and a last line.
const EXPECTED = ['hello from stdout', 'an error line', 'no newline at end', 'tab\tand "quotes" and ünïcode', 'x'.repeat(20_000), 'last line'];

describe('log formats', () => {
  it("docker's json-file: lines, streams and times; a message split at 16 KiB is one line", () => {
    const { lines, malformed } = parseJsonFileLog(fixture('logs/docker-json-file.log'));
    expect(malformed).toBe(0);
    expect(lines.map((l) => l.text)).toEqual(EXPECTED);
    expect(lines.map((l) => l.stream)).toEqual(['stdout', 'stderr', 'stdout', 'stdout', 'stdout', 'stdout']);
    expect(lines[0]?.time).toBe('2026-12-05T04:29:12.175472499Z');
  });

  it("CRI (podman's k8s-file): partial records join per stream, around the other stream's lines", () => {
    const { lines, malformed } = parseCriLog(fixture('logs/podman-k8s-file.log'));
    expect(malformed).toBe(0);
    // conmon wrote the partial stdout line before the stderr line: it is listed where it began.
    expect(lines.map((l) => l.text)).toEqual([EXPECTED[0], EXPECTED[2], EXPECTED[1], ...EXPECTED.slice(3)]);
    expect(lines[2]).toEqual({ time: '2026-12-05T04:29:13.444016987+00:00', stream: 'stderr', text: 'an error line' });
  });

  it('a tail read from the middle of a file drops its cut first record; other text counts as malformed', () => {
    const text = fixture('logs/docker-json-file.log');
    const from = text.indexOf('an error line') - 5;
    expect(parseJsonFileLog(text.slice(from), true).lines.map((l) => l.text)).toEqual(EXPECTED.slice(2));
    const odd = parseCriLog('not a record\n2026-12-05T04:29:13Z stdout F ok\n');
    expect(odd.malformed).toBe(1);
    expect(odd.lines.map((l) => l.text)).toEqual(['not a record', 'ok']);
  });

  it("conmon's -l: podman's k8s-file path from a captured argv, other drivers by name, CRI-O's bare path", () => {
    const argv = fixtureArgv('conmon/podman-conmon-cmdline');
    expect(conmonLogTarget(argv)).toEqual({ driver: 'k8s-file', path: expect.stringMatching(/^\/var\/lib\/containers\/storage\/overlay-containers\/[0-9a-f]{64}\/userdata\/ctr\.log$/) });
    expect(conmonLogTarget(['conmon', '-l', 'journald:', '--log-level', 'warning'])).toEqual({ driver: 'journald', path: null });
    expect(conmonLogTarget(['conmon', '--log-path', '/var/log/pods/ns_p_u/c/0.log'])).toEqual({ driver: 'k8s-file', path: '/var/log/pods/ns_p_u/c/0.log' });
    expect(conmonLogTarget(['conmon', '--log-level', 'warning'])).toBeNull();
  });
});

describe('where a container log is', () => {
  const id = 'a'.repeat(64);
  const dir = `/var/lib/docker/containers/${id}`;
  const docker = (driver: string) =>
    filesRoot({
      [`${dir}/config.v2.json`]: JSON.stringify({ LogPath: `${dir}/${id}-json.log` }),
      [`${dir}/hostconfig.json`]: JSON.stringify({ LogConfig: { Type: driver, Config: {} } }),
    });
  const dockerC = container({ id, metadata: { sources: [`${dir}/config.v2.json`] } });

  it("docker: config.v2.json's LogPath for json-file; the journal, none and other drivers in words", () => {
    expect(locateLog(docker('json-file'), dockerC, new Map())).toMatchObject({ kind: 'file', format: 'json-file', path: `${dir}/${id}-json.log` });
    expect(locateLog(docker('journald'), dockerC, new Map())).toEqual({ kind: 'none', reason: expect.stringContaining(`journalctl CONTAINER_ID=${id.slice(0, 12)}`) });
    expect(locateLog(docker('none'), dockerC, new Map())).toEqual({ kind: 'none', reason: expect.stringContaining('--log-driver none') });
    expect(locateLog(docker('syslog'), dockerC, new Map())).toEqual({ kind: 'none', reason: expect.stringContaining('syslog log driver sends it off the host') });
  });

  it('podman: the path conmon was given; CRI: the latest restart under /var/log/pods; engines without files say so', () => {
    const argv = fixtureArgv('conmon/podman-conmon-cmdline');
    const processes = new Map([[700, { pid: 700, cmdline: argv } as never]]);
    const podman = container({ id, engine: 'podman', monitor: { kind: 'conmon', pid: 700 } as never });
    expect(locateLog(filesRoot({}), podman, processes)).toMatchObject({ kind: 'file', format: 'cri', path: argv[argv.indexOf('-l') + 1]?.replace(/^k8s-file:/, '') });
    const k8s = container({ id, engine: 'containerd', kubernetes: { namespace: 'default', podName: 'web', podUid: 'u1', containerName: 'nginx', containerType: 'container' } });
    const pods = filesRoot({ '/var/log/pods/default_web_u1/nginx/0.log': '', '/var/log/pods/default_web_u1/nginx/2.log': '', '/var/log/pods/default_web_u1/nginx/10.log': '' });
    expect(locateLog(pods, k8s, new Map())).toMatchObject({ kind: 'file', format: 'cri', path: '/var/log/pods/default_web_u1/nginx/10.log' });
    expect(locateLog(filesRoot({}), container({ id: 'c1', engine: 'containerd' }), new Map())).toEqual({ kind: 'none', reason: expect.stringContaining('Kubernetes') });
    expect(locateLog(filesRoot({}), container({ id: 'n', engine: 'systemd-nspawn' }), new Map())).toEqual({ kind: 'none', reason: expect.stringContaining('journal') });
    expect(locateLog(filesRoot({}), container({ id: 'h', engine: null }), new Map())).toEqual({ kind: 'none', reason: expect.stringContaining('no engine') });
  });

  it('reads the tail of a located file, and says why when it cannot', () => {
    const text = fixture('logs/docker-json-file.log');
    const root = { ...filesRoot({}), readTail: (_p: string, max: number) => ok<FileTail>({ text: text.slice(Math.max(0, text.length - max)), size: text.length, from: Math.max(0, text.length - max) }) };
    const tail = readLogTail(root, { kind: 'file', format: 'json-file', path: '/x', from: 'test' });
    expect(tail).toMatchObject({ error: null, truncated: false, malformed: 0, sizeBytes: text.length });
    expect(tail.lines.at(-1)?.text).toBe('last line');
    expect(readLogTail(filesRoot({}), { kind: 'file', format: 'cri', path: '/x', from: 'test' }).error).toContain('cannot read the end');
  });
});
