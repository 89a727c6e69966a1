/**
 * Docker's on-disk container record: `<data-root>/containers/<id>/config.v2.json` and
 * `hostconfig.json` (moby daemon/container/container.go). data-root is `/var/lib/docker` unless
 * dockerd names another one (dockerDataRoots).
 *   {"ID":"3f4e...","Name":"/web","Config":{"Image":"nginx:latest","Labels":{...},"Env":[...]},
 *    "Image":"sha256:9bea...","Created":"...","State":{"Pid":48213,"StartedAt":"..."}}
 */
import type { EngineMetadata } from '../../src/model/container.js';
import type { Process } from '../../src/model/process.js';
import type { HostRoot } from '../host-root.js';
import { readParsed } from '../host-root.js';
import { ParseError, type Read } from '../read.js';
import { parseJsonObject, type JsonShape } from './json.js';
import { kubernetesFromAnnotations } from './oci-spec.js';

export interface DockerConfigV2 {
  readonly id: string;
  readonly name: string | null;
  readonly image: string | null;
  readonly imageId: string | null;
  readonly created: string | null;
  readonly startedAt: string | null;
  readonly pid: number | null;
  readonly labels: Readonly<Record<string, string>>;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The keys of config.v2.json and hostconfig.json the parsers below read (what a snapshot keeps). */
export const DOCKER_CONFIG_V2_READ: JsonShape = { ID: true, Name: true, Image: true, Created: true, Config: { Image: true, Labels: true }, State: { Pid: true, StartedAt: true } };
export const DOCKER_HOSTCONFIG_READ: JsonShape = { Runtime: true };
export const DAEMON_JSON_READ: JsonShape = { 'data-root': true, graph: true };

export function parseDockerConfigV2(text: string): DockerConfigV2 {
  const j = parseJsonObject(text);
  if (typeof j['ID'] !== 'string') throw new ParseError('expected an object with "ID"', text);
  const o = j as Record<string, Record<string, unknown> | undefined> & { ID: string };
  const labels: Record<string, string> = {};
  const rawLabels = o.Config?.['Labels'];
  if (rawLabels && typeof rawLabels === 'object') for (const [k, v] of Object.entries(rawLabels)) if (typeof v === 'string') labels[k] = v;
  const name = str(o['Name']);
  const pid = o.State?.['Pid'];
  return {
    id: o.ID,
    name: name === null ? null : name.replace(/^\//, ''),
    image: str(o.Config?.['Image']),
    imageId: str(o['Image']),
    created: str(o['Created']),
    startedAt: str(o.State?.['StartedAt']),
    pid: typeof pid === 'number' && pid > 0 ? pid : null,
    labels,
  };
}

export function parseDockerHostConfig(text: string): { runtime: string | null } {
  return { runtime: str(parseJsonObject(text)['Runtime']) };
}

export function readDockerMetadata(root: HostRoot, dataRoot: string, id: string): Read<EngineMetadata> {
  const dir = `${dataRoot}/containers/${id}`;
  const cfg = readParsed(root, `${dir}/config.v2.json`, parseDockerConfigV2);
  if (!cfg.ok) return cfg;
  const host = readParsed(root, `${dir}/hostconfig.json`, parseDockerHostConfig);
  const c = cfg.value;
  // cri-dockerd keeps the kubelet's labels on the container.
  const k8s = kubernetesFromAnnotations(c.labels);
  const k8sType = c.labels['io.kubernetes.docker.type'];
  return {
    ok: true,
    value: {
      name: c.name,
      image: c.image,
      imageId: c.imageId,
      runtime: host.ok ? host.value.runtime : null,
      createdAt: c.created,
      startedAt: c.startedAt,
      labels: c.labels,
      ...(k8s ? { kubernetes: { ...k8s, containerType: k8sType === 'podsandbox' ? 'sandbox' : k8sType === 'container' ? 'container' : k8s.containerType } } : {}),
      ...(k8sType === 'podsandbox' ? { infra: true } : {}),
      sources: [`${dir}/config.v2.json`, ...(host.ok ? [`${dir}/hostconfig.json`] : [])],
    },
  };
}

const DEFAULT_DATA_ROOT = '/var/lib/docker';
const DEFAULT_DAEMON_JSON = '/etc/docker/daemon.json';

function flagValue(args: readonly string[], names: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    for (const n of names) {
      if (a === n) return args[i + 1] ?? null;
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return null;
}

/** `data-root` (or the pre-23.0 `graph`) from a daemon.json; null when it names none. */
export function parseDaemonJsonDataRoot(text: string): string | null {
  const o = parseJsonObject(text);
  return str(o['data-root']) ?? str(o['graph']);
}

/**
 * Data roots of the running dockerd processes, as dockerd itself decides them (moby
 * cmd/dockerd/daemon.go, daemon/config): the `--data-root` flag (`-g`/`--graph` before 23.0),
 * else `data-root` in the daemon.json that `--config-file` names (default
 * /etc/docker/daemon.json), else /var/lib/docker. Relative paths are taken from `/`, as dockerd
 * is started by a service manager there.
 */
export function dockerDataRoots(root: HostRoot, processes: ReadonlyArray<Pick<Process, 'cmdline'>>): string[] {
  const roots = new Set<string>();
  for (const p of processes) {
    const args = p.cmdline ?? [];
    if ((args[0]?.split('/').pop() ?? '') !== 'dockerd') continue;
    let dir = flagValue(args, ['--data-root', '-g', '--graph']);
    if (dir === null) {
      const conf = readParsed(root, flagValue(args, ['--config-file']) ?? DEFAULT_DAEMON_JSON, parseDaemonJsonDataRoot);
      dir = conf.ok ? conf.value : null;
    }
    roots.add(dir === null ? DEFAULT_DATA_ROOT : dir.startsWith('/') ? dir : `/${dir}`);
  }
  if (roots.size === 0) roots.add(DEFAULT_DATA_ROOT);
  return [...roots];
}
