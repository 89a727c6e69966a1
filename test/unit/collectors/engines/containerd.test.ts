/**
 * containerd task bundles and shims, read from a real capture (test/fixtures/docker/README.md):
 * one docker task (namespace moby) and two plain `ctr run` tasks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseShimOptions, readContainerdMetadata } from '../../../../collectors/engines/containerd.js';
import { parseOciSpec } from '../../../../collectors/engines/oci-spec.js';
import { openHostRoot } from '../../../../collectors/host-root.js';
import { ParseError } from '../../../../collectors/read.js';

const HOST = fileURLToPath(new URL('../../../fixtures/docker/host', import.meta.url));
const TASKS = '/run/docker/containerd/daemon/io.containerd.runtime.v2.task';
const DOCKER_ID = '66aa9330b140ade6a0b20073c9d319e6ba6e9621d99cf2a5282244465942fcf6';
const CTR_NS = 'ctrscope-it-ctr-manual';
const read = (hostPath: string): string => readFileSync(`${HOST}${hostPath}`, 'utf8');

describe('parseOciSpec on real bundles', () => {
  it("docker's bundle: hostname is the short id, no annotations, no environment kept", () => {
    const text = read(`${TASKS}/moby/${DOCKER_ID}/config.json`);
    const spec = parseOciSpec(text);
    expect(spec.hostname).toBe(DOCKER_ID.slice(0, 12));
    expect(spec.annotations).toEqual({});
    expect(text).toContain('FIXTURE_SECRET');
    expect(JSON.stringify(spec)).not.toContain('FIXTURE_SECRET');
  });

  it("a plain ctr bundle names neither hostname nor annotations", () => {
    expect(parseOciSpec(read(`${TASKS}/${CTR_NS}/${CTR_NS}-c1/config.json`))).toEqual({ hostname: null, annotations: {} });
  });

  it('refuses a truncated spec', () => {
    expect(() => parseOciSpec(read(`${TASKS}/${CTR_NS}/${CTR_NS}-c1/config.json`).slice(0, 300))).toThrow(ParseError);
  });
});

describe('parseShimOptions', () => {
  it.each([
    [`${TASKS}/moby/${DOCKER_ID}/options.json`, 'runc'],
    [`${TASKS}/${CTR_NS}/${CTR_NS}-c1/options.json`, null],
    [`${TASKS}/${CTR_NS}/${CTR_NS}-c2/options.json`, '/usr/sbin/runc'],
  ])('%s names binary %s', (path, binary) => {
    expect(parseShimOptions(read(path)).binaryName).toBe(binary);
  });

  it('refuses non-objects', () => {
    expect(() => parseShimOptions('"runc"')).toThrow(ParseError);
    expect(() => parseShimOptions('{')).toThrow(ParseError);
  });
});

describe('readContainerdMetadata through a host root', () => {
  const root = openHostRoot(HOST);
  const shimCwd = (pid: number): string => {
    const r = root.readLink(`/proc/${pid}/cwd`);
    if (!r.ok) throw new Error(r.gap.path);
    return r.value;
  };

  it("finds a ctr task's bundle from its shim's cwd; name is the id, runtime the shim's default", () => {
    const r = readContainerdMetadata(root, CTR_NS, `${CTR_NS}-c1`, shimCwd(15630));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.name).toBe(`${CTR_NS}-c1`);
    expect(r.value.image).toBeNull();
    expect(r.value.runtime).toBeUndefined();
    expect(r.value.labels).toEqual({ 'containerd.namespace': CTR_NS });
    expect(r.value.sources).toEqual([`${TASKS}/${CTR_NS}/${CTR_NS}-c1/config.json`, `${TASKS}/${CTR_NS}/${CTR_NS}-c1/options.json`]);
  });

  it('finds it without the shim in the default state directories, and reads --runc-binary', () => {
    const r = readContainerdMetadata(root, CTR_NS, `${CTR_NS}-c2`, null);
    expect(r.ok && r.value.runtime).toBe('runc');
  });

  it("ignores a shim cwd that is another task's bundle (a Kubernetes shim names the sandbox)", () => {
    const r = readContainerdMetadata(root, CTR_NS, `${CTR_NS}-c2`, shimCwd(15630));
    expect(r.ok && r.value.sources[0]).toBe(`${TASKS}/${CTR_NS}/${CTR_NS}-c2/config.json`);
  });

  it('is a gap for a task that is not there', () => {
    const r = readContainerdMetadata(root, CTR_NS, 'nope', null);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.gap.reason).toBe('absent');
  });
});
