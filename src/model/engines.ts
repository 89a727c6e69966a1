/**
 * What the model knows of each engine, as one record per engine (ENGINE_RULES): the cgroup path
 * components and whole paths that name its containers, the monitor process that supervises
 * them, its daemons, whether its ids are names, and its default capabilities. The collector half
 * of the same record (how to read the engine's own files) is ENGINE_READERS in
 * collectors/engines/readers.ts; both are keyed by Engine, so an engine added here without a
 * reader there does not type-check.
 *
 * Rules are pure and ordered, like cAdvisor's factory list (lib/container/factory.go): the first
 * rule that claims a path wins, and the plain-namespace fallback in reconstruct.ts comes last.
 * Patterns come from each engine's source: moby daemon/oci_linux.go, containerd pkg/oci/spec.go
 * and internal/cri, cri-o internal/config/cgmgr, podman libpod/container_internal_linux.go, lxc
 * src/lxc/cgroups/cgroup.h, systemd src/machine/machine.c, kubelet cgroup_manager_linux.go.
 */
import { distinctCgroupPaths, primaryCgroupPath, type CgroupLine } from './cgroup.js';
import { DOCKER_DEFAULT_CAPS, PODMAN_DEFAULT_CAPS } from './capabilities.js';
import type { Process } from './process.js';

export type PodKind = 'kubernetes' | 'podman';

export interface CgroupMatch {
  readonly engine: Engine;
  readonly role: 'container' | 'monitor';
  readonly id: string;
  /** The cgroup path up to and including the component that named the container. */
  readonly cgroupPath: string;
  readonly pod?: { readonly kind: PodKind; readonly id: string };
  /** For containerd's `/<namespace>/<id>` layout. */
  readonly namespace?: string;
}

const H64 = '[0-9a-f]{64}';
const POD_UID = '[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32}';

/** A cgroup path component that names a container (or a monitor) of an engine; group 1 is the id. */
interface ComponentRule {
  readonly role: 'container' | 'monitor';
  readonly re: RegExp;
  readonly decode?: (s: string) => string;
}

/** A process that supervises containers from outside them. */
export type MonitorKind = 'containerd-shim' | 'conmon' | 'lxc-monitor' | 'systemd-nspawn';

export interface EngineRules {
  /**
   * Path components (systemd driver, and any layout that names the container in one component),
   * tried in this order. Components of different engines never match the same name (each has
   * its own literal prefix), so the order between engines does not matter.
   */
  readonly components: readonly ComponentRule[];
  /** Whole paths its cgroupfs driver makes, anchored at `/` (`/docker/<id>`); group 1 is the id. */
  readonly paths: readonly RegExp[];
  /**
   * containerd's `/<namespace>/<id>`: the weakest whole-path rule, tried after every engine's
   * `paths`. Group 1 is the namespace, group 2 the id.
   */
  readonly namespacedPath?: RegExp;
  /** The monitor that supervises its containers (detectMonitor tells which engine it serves). */
  readonly monitor: MonitorKind | null;
  /** Its daemons' comms: their argv names data roots (`dockerd --data-root`), so a scan reads it. */
  readonly daemons: readonly string[];
  /** Its ids are names (lxc, nspawn, runc, crun): the id names a container its metadata does not. */
  readonly idIsName: boolean;
  /** The capabilities its containers get unless told otherwise; null where there is no such set. */
  readonly defaultCapabilities: readonly string[] | null;
}

/** systemd's unit-name escaping: `\x2d` is a literal backslash sequence in the directory name. */
export function unescapeUnitName(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const container = (re: RegExp, decode?: (s: string) => string): ComponentRule => (decode ? { role: 'container', re, decode } : { role: 'container', re });
const monitor = (re: RegExp): ComponentRule => ({ role: 'monitor', re });

/** One record per engine. The key order is ENGINES' order (the schema's `engine` enum). */
export const ENGINE_RULES = {
  docker: {
    components: [container(new RegExp(`^docker-(${H64})\\.scope$`))],
    paths: [new RegExp(`^/docker/(${H64})(?:/|$)`)],
    monitor: 'containerd-shim',
    daemons: ['dockerd'],
    idIsName: false,
    defaultCapabilities: DOCKER_DEFAULT_CAPS,
  },
  podman: {
    // conmon's scope before the container pattern it resembles.
    components: [monitor(new RegExp(`^libpod-conmon-(${H64})\\.scope$`)), container(new RegExp(`^libpod-(?:payload-)?(${H64})(?:\\.scope)?$`))],
    paths: [],
    monitor: 'conmon',
    daemons: ['podman'],
    idIsName: false,
    defaultCapabilities: PODMAN_DEFAULT_CAPS,
  },
  containerd: {
    components: [container(new RegExp(`^cri-containerd-(${H64})\\.scope$`)), container(new RegExp(`^nerdctl-(${H64})\\.scope$`))],
    paths: [],
    namespacedPath: new RegExp(`^/([^/]+)/(${H64})(?:/|$)`),
    monitor: 'containerd-shim',
    daemons: ['containerd'],
    idIsName: false,
    defaultCapabilities: DOCKER_DEFAULT_CAPS,
  },
  'cri-o': {
    components: [
      monitor(new RegExp(`^crio-conmon-(${H64})(?:\\.scope)?$`)),
      // Without .scope: the cgroupfs driver, or the empty sandbox cgroup of a dropped infra.
      container(new RegExp(`^crio-(${H64})(?:\\.scope)?$`)),
    ],
    paths: [new RegExp(`^/crio/crio-(${H64})(?:/|$)`)],
    monitor: 'conmon',
    daemons: ['crio'],
    idIsName: false,
    defaultCapabilities: DOCKER_DEFAULT_CAPS,
  },
  lxc: {
    components: [monitor(/^lxc\.monitor\.(.+)$/), container(/^lxc\.payload\.(.+)$/)],
    paths: [/^\/lxc\/([^/]+)(?:\/|$)/],
    monitor: 'lxc-monitor',
    daemons: [],
    idIsName: true,
    defaultCapabilities: null,
  },
  'systemd-nspawn': {
    // machine-<name>.scope is also used by libvirt VMs; reconstruct only accepts it with
    // processes in private namespaces, which a qemu process does not have.
    components: [container(/^machine-(.+)\.scope$/, unescapeUnitName), container(/^systemd-nspawn@(.+)\.service$/, unescapeUnitName)],
    paths: [],
    monitor: 'systemd-nspawn',
    daemons: [],
    idIsName: true,
    defaultCapabilities: null,
  },
  runc: {
    components: [container(/^runc-(.+)\.scope$/, unescapeUnitName)],
    paths: [],
    monitor: null,
    daemons: [],
    idIsName: true,
    defaultCapabilities: null,
  },
  crun: {
    components: [],
    paths: [],
    monitor: null,
    daemons: [],
    idIsName: true,
    defaultCapabilities: null,
  },
} as const satisfies Record<string, EngineRules>;

export type Engine = keyof typeof ENGINE_RULES;
export const ENGINES = Object.keys(ENGINE_RULES) as readonly Engine[];

/** The record of an engine, typed as the interface (the literal types of ENGINE_RULES widened). */
export const engineRules = (engine: Engine): EngineRules => ENGINE_RULES[engine];

const COMPONENT_RULES = ENGINES.flatMap((engine) => engineRules(engine).components.map((rule) => ({ engine, ...rule })));
const PATH_RULES = ENGINES.flatMap((engine) => engineRules(engine).paths.map((re) => ({ engine, re })));
const NAMESPACED_PATH_RULES = ENGINES.flatMap((engine) => {
  const re = engineRules(engine).namespacedPath;
  return re ? [{ engine, re }] : [];
});

const K8S_POD_COMPONENT = new RegExp(`^(?:kubepods-(?:(?:burstable|besteffort)-)?)?pod(${POD_UID})(?:\\.slice)?$`);
const PODMAN_POD_COMPONENT = new RegExp(`^(?:[a-z]+-)?libpod_pod_(${H64})(?:\\.slice)?$`);
const PODMAN_CTR_COMPONENT = new RegExp(`^libpod-(?:payload-)?${H64}(?:\\.scope)?$`);
const H64_ONLY = new RegExp(`^${H64}$`);

/** What a running containerd shim says about the container it supervises (its -namespace, -id). */
export interface ShimClaim {
  readonly engine: Engine;
  readonly namespace: string | null;
}

/**
 * A cgroup path component that a running shim names. containerd's default spec puts a task in
 * `/<namespace>/<id>` with any id `ctr run` accepts (containerd pkg/oci/spec.go
 * `populateDefaultUnixSpec`), and `docker run --cgroup-parent=/foo` puts one in `/foo/<id>` (moby
 * daemon/oci_linux.go). Neither layout can be told from an arbitrary cgroup by its shape, so a
 * shim must vouch for it: for a non-hex id the parent must be the shim's namespace too.
 */
function matchShimClaim(parts: readonly string[], shims: ReadonlyMap<string, ShimClaim>): CgroupMatch | null {
  for (let i = 0; i < parts.length; i++) {
    const c = parts[i] as string;
    const shim = shims.get(c);
    if (!shim) continue;
    const hex = H64_ONLY.test(c);
    if (!hex && (i === 0 || parts[i - 1] !== shim.namespace)) continue;
    const cgroupPath = '/' + parts.slice(0, i + 1).join('/');
    const ns = shim.engine === 'containerd' && shim.namespace !== null ? { namespace: shim.namespace } : {};
    return { engine: shim.engine, role: 'container', id: c, cgroupPath, ...ns };
  }
  return null;
}

/**
 * Recognise a cgroup path. Returns null for paths no engine claims. `shims` (running shims by
 * the id they name) confirm the layouts that only a shim can tell apart from any cgroup.
 */
export function matchCgroupPath(cgroupPath: string, shims: ReadonlyMap<string, ShimClaim> = new Map()): CgroupMatch | null {
  if (cgroupPath === '/' || cgroupPath.startsWith('/..')) return null;
  const parts = cgroupPath.split('/').filter((p) => p !== '');
  let pod: CgroupMatch['pod'];
  for (let i = 0; i < parts.length; i++) {
    const c = parts[i] as string;
    if (c.endsWith('.mount')) return null; // systemd mount units are never containers (cAdvisor)
    const k8s = K8S_POD_COMPONENT.exec(c);
    if (k8s && parts.slice(0, i).some((p) => p.startsWith('kubepods'))) {
      pod = { kind: 'kubernetes', id: (k8s[1] as string).replace(/_/g, '-') };
      continue;
    }
    const pp = PODMAN_POD_COMPONENT.exec(c);
    if (pp) {
      pod = { kind: 'podman', id: pp[1] as string };
      continue;
    }
    // podman pods with the cgroupfs manager: `<CgroupParent>/<podid>/libpod-<id>`, conmon in
    // `<CgroupParent>/<podid>/conmon` (podman libpod/runtime_pod_linux.go: CgroupPath =
    // filepath.Join(CgroupParent, pod.ID()); libpod/oci_conmon_linux.go: Join(CgroupParent, "conmon")).
    const next = parts[i + 1];
    if (next !== undefined && H64_ONLY.test(c) && (next === 'conmon' || PODMAN_CTR_COMPONENT.test(next))) {
      pod = { kind: 'podman', id: c };
      // Every conmon of the pod shares this cgroup; the id is the pod's, conmon's argv names its container.
      if (next === 'conmon') return { engine: 'podman', role: 'monitor', id: c, cgroupPath: '/' + parts.slice(0, i + 2).join('/'), pod };
      continue;
    }
    for (let r = 0; r < COMPONENT_RULES.length; r++) {
      const rule = COMPONENT_RULES[r] as (typeof COMPONENT_RULES)[number];
      const m = rule.re.exec(c);
      if (!m) continue;
      const raw = m[1] as string;
      const base = { engine: rule.engine, role: rule.role, id: rule.decode ? rule.decode(raw) : raw, cgroupPath: '/' + parts.slice(0, i + 1).join('/') };
      return pod ? { ...base, pod } : base;
    }
    // cgroupfs Kubernetes: /kubepods[/qos]/pod<uid>/<64-hex id> (containerd) or crio-<id> (above).
    // dockershim and cri-dockerd use the same layout (coroot's proc/fixtures/123 is one), so a
    // moby shim naming the id makes it docker.
    if (pod?.kind === 'kubernetes' && H64_ONLY.test(c)) {
      const cgroupPath = '/' + parts.slice(0, i + 1).join('/');
      if (shims.get(c)?.engine === 'docker') return { engine: 'docker', role: 'container', id: c, cgroupPath, pod };
      return { engine: 'containerd', role: 'container', id: c, cgroupPath, pod, namespace: 'k8s.io' };
    }
  }
  const claimed = matchShimClaim(parts, shims);
  if (claimed) return claimed;
  for (let r = 0; r < PATH_RULES.length; r++) {
    const rule = PATH_RULES[r] as (typeof PATH_RULES)[number];
    const m = rule.re.exec(cgroupPath);
    if (m) return { engine: rule.engine, role: 'container', id: m[1] as string, cgroupPath: m0(m[0]) };
  }
  for (let r = 0; r < NAMESPACED_PATH_RULES.length; r++) {
    const rule = NAMESPACED_PATH_RULES[r] as (typeof NAMESPACED_PATH_RULES)[number];
    const m = rule.re.exec(cgroupPath);
    if (m) return { engine: rule.engine, role: 'container', id: m[2] as string, cgroupPath: m0(m[0]), namespace: m[1] as string };
  }
  return null;
}
const m0 = (s: string): string => s.replace(/\/$/, '');

/**
 * Recognise a process from all its cgroup lines: the primary path first, then every other
 * hierarchy's. On hybrid hosts the v2 line can name a service (containerd.service) while the v1
 * controllers name the container, as in coroot's /proc/2000/cgroup capture.
 */
export function matchProcessCgroups(lines: readonly CgroupLine[], shims: ReadonlyMap<string, ShimClaim> = new Map()): CgroupMatch | null {
  const primary = matchCgroupPath(primaryCgroupPath(lines), shims);
  if (primary) return primary;
  for (const path of distinctCgroupPaths(lines)) {
    const m = matchCgroupPath(path, shims);
    if (m) return m;
  }
  return null;
}

/** A process that supervises a container from outside it: shim, conmon, lxc monitor, nspawn. */
export interface MonitorInfo {
  readonly kind: MonitorKind;
  readonly engine: Engine;
  /** Container (or, for a Kubernetes shim, sandbox) id the monitor names. */
  readonly id: string | null;
  readonly name: string | null;
  readonly namespace: string | null;
  readonly bundle: string | null;
  /** Runtime binary named on the command line (conmon -r). */
  readonly runtime: string | null;
}

function argValue(args: readonly string[], ...names: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') break; // what follows is the container's command, not the monitor's options
    for (const n of names) {
      if (a === n) return args[i + 1] ?? null;
      if (a.startsWith(n + '=')) return a.slice(n.length + 1);
    }
  }
  return null;
}

/**
 * The options of a getopt_long command line, read the way getopt reads them: short options may be
 * clustered (`-bD /srv/c`) or glued to their value (`-D/srv/c`), long ones take `--x=v` or `--x v`,
 * and scanning ends at `--`. A `+` optstring (systemd-nspawn) also ends at the first operand, so
 * the container's own command line (`/bin/sh -c '... -M x'`) is never read as options; without
 * `+`, GNU getopt permutes and operands are skipped. `longWithValue` lists the required_argument
 * long options (optional_argument ones only take a value after `=`).
 */
export function getoptValues(args: readonly string[], optstring: string, longWithValue: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  const stopAtOperand = optstring.startsWith('+');
  for (let i = 1; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') {
      if (stopAtOperand) break;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
      else if (longWithValue.has(a.slice(2))) out.set(a.slice(2), args[++i] ?? '');
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j] as string;
      const at = optstring.indexOf(c);
      if (at < 0 || c === ':' || c === '+' || optstring[at + 1] !== ':') continue;
      out.set(c, j + 1 < a.length ? a.slice(j + 1) : (args[++i] ?? ''));
      break;
    }
  }
  return out;
}

/** systemd-nspawn 252's optstring and required_argument long options (src/nspawn/nspawn.c parse_argv). */
const NSPAWN_SHORT = '+hD:u:abL:M:jS:Z:qi:xp:nUE:P';
const NSPAWN_LONG = new Set([
  'directory', 'template', 'image', 'oci-bundle', 'user', 'machine', 'hostname', 'uuid', 'slice', 'property',
  'register', 'chdir', 'pivot-root', 'notify-ready', 'bind', 'bind-ro', 'bind-user', 'tmpfs', 'overlay',
  'overlay-ro', 'inaccessible', 'setenv', 'network-interface', 'network-macvlan', 'network-ipvlan',
  'network-veth-extra', 'network-bridge', 'network-zone', 'network-namespace-path', 'port', 'personality',
  'link-journal', 'capability', 'drop-capability', 'ambient-capability', 'no-new-privileges', 'kill-signal',
  'settings', 'root-hash', 'root-hash-sig', 'verity-data', 'system-call-filter', 'rlimit', 'oom-score-adjust',
  'cpu-affinity', 'resolv-conf', 'timezone', 'console', 'selinux-context', 'selinux-apifs-context',
  'private-users-ownership', 'load-credential', 'set-credential', 'suppress-sync', 'image-policy',
]);

/** lxc-start's options (lxc src/lxc/tools/lxc_start.c and the common ones of arguments.h). */
const LXC_START_SHORT = 'n:o:l:qP:dFf:s:p:c:L:C';
const LXC_START_LONG = new Set(['name', 'logfile', 'logpriority', 'lxcpath', 'rcfile', 'define', 'pidfile', 'console', 'console-log', 'share-net', 'share-ipc', 'share-uts', 'share-pid']);

const baseName = (p: string): string => p.replace(/\/+$/, '').split('/').pop() ?? p;

interface MonitorRule {
  /** Whether a process of this comm may be such a monitor: its argv is then read. */
  readonly mayBe: (comm: string) => boolean;
  readonly detect: (p: Pick<Process, 'comm' | 'cmdline'>) => MonitorInfo | null;
}

/** How each monitor kind is recognised from comm and argv; tried in this order. */
const MONITOR_RULES: Readonly<Record<MonitorKind, MonitorRule>> = {
  'lxc-monitor': {
    mayBe: (comm) => comm === 'lxc-start',
    detect(p) {
      const args = p.cmdline ?? [];
      if ((args[0] ?? '').startsWith('[lxc monitor]')) {
        // A daemonized monitor rewrites its title to one string, "[lxc monitor] <lxcpath> <name>"
        // (lxc src/lxc/lxccontainer.c do_lxcapi_start, setproctitle). A name has no spaces; an
        // lxcpath may, so the name is the last word and the lxcpath everything before it.
        const rest = args.join(' ').slice('[lxc monitor]'.length).trim();
        const sp = rest.lastIndexOf(' ');
        const name = sp < 0 ? null : rest.slice(sp + 1);
        const lxcpath = sp < 0 ? null : rest.slice(0, sp).trim();
        return { kind: 'lxc-monitor', engine: 'lxc', id: name, name, namespace: lxcpath, bundle: null, runtime: null };
      }
      if (p.comm !== 'lxc-start') return null;
      // `lxc-start -F` (foreground) is the monitor itself and keeps its argv.
      const o = getoptValues(args, LXC_START_SHORT, LXC_START_LONG);
      const name = o.get('n') ?? o.get('name') ?? null;
      return { kind: 'lxc-monitor', engine: 'lxc', id: name, name, namespace: o.get('P') ?? o.get('lxcpath') ?? null, bundle: null, runtime: null };
    },
  },
  'containerd-shim': {
    mayBe: (comm) => comm.startsWith('containerd-shim'),
    detect(p) {
      if (!p.comm.startsWith('containerd-shim')) return null;
      const args = p.cmdline ?? [];
      const ns = argValue(args, '-namespace', '--namespace');
      let id = argValue(args, '-id', '--id');
      // shim v1 has no -id; its -workdir ends in the container id.
      if (id === null) {
        const wd = argValue(args, '-workdir');
        if (wd !== null) id = baseName(wd);
      }
      const engine: Engine = ns === 'moby' ? 'docker' : 'containerd';
      return { kind: 'containerd-shim', engine, id, name: null, namespace: ns, bundle: null, runtime: null };
    },
  },
  conmon: {
    mayBe: (comm) => comm === 'conmon',
    detect(p) {
      if (p.comm !== 'conmon') return null;
      const args = p.cmdline ?? [];
      const bundle = argValue(args, '-b', '--bundle');
      const exitDir = argValue(args, '--exit-dir') ?? '';
      const crio = exitDir.includes('/crio') || (argValue(args, '--socket-dir-path') ?? '').includes('/crio');
      const runtime = argValue(args, '-r', '--runtime');
      return {
        kind: 'conmon',
        engine: crio ? 'cri-o' : 'podman',
        id: argValue(args, '-c', '--cid'),
        name: argValue(args, '-n', '--name'),
        namespace: null,
        bundle,
        runtime: runtime === null ? null : baseName(runtime),
      };
    },
  },
  'systemd-nspawn': {
    mayBe: (comm) => comm === 'systemd-nspawn',
    detect(p) {
      if (p.comm !== 'systemd-nspawn') return null;
      const o = getoptValues(p.cmdline ?? [], NSPAWN_SHORT, NSPAWN_LONG);
      const dir = o.get('D') ?? o.get('directory') ?? null;
      const image = o.get('i') ?? o.get('image') ?? null;
      // Without -M, nspawn names the machine after the directory or image (nspawn.c
      // determine_names: basename, image suffix dropped).
      const name = o.get('M') ?? o.get('machine') ?? (dir !== null ? baseName(dir) : image !== null ? baseName(image).replace(/\.raw$/, '') : null);
      return { kind: 'systemd-nspawn', engine: 'systemd-nspawn', id: name, name, namespace: null, bundle: dir ?? image, runtime: null };
    },
  },
};
const MONITORS = Object.values(MONITOR_RULES);
/** Every engine daemon's comm (dockerd, containerd, podman, crio). */
export const ENGINE_DAEMONS: ReadonlySet<string> = new Set(ENGINES.flatMap((e) => engineRules(e).daemons));

/**
 * Whether recognising this process needs its argv: monitors (detectMonitor) and the engine
 * daemons whose flags name their data roots. A scan may skip argv for everything else.
 */
export function needsArgv(comm: string): boolean {
  return ENGINE_DAEMONS.has(comm) || MONITORS.some((m) => m.mayBe(comm));
}

/**
 * Recognise a monitor process from comm and argv. Engine daemons (dockerd, containerd, podman
 * service) are not monitors and not containers; they simply never match anything.
 */
export function detectMonitor(p: Pick<Process, 'comm' | 'cmdline'>): MonitorInfo | null {
  for (let i = 0; i < MONITORS.length; i++) {
    const found = (MONITORS[i] as (typeof MONITORS)[number]).detect(p);
    if (found) return found;
  }
  return null;
}

/**
 * Where each engine keeps a container's output on disk, for top's log view: which record names
 * the file, and what to tell the user when there is no file.
 * - `docker-record`: config.v2.json's LogPath, written by the json-file driver only
 *   (hostconfig.json's LogConfig.Type names the driver);
 * - `conmon-argv`: conmon's `-l` argument (podman: `k8s-file:PATH`, `journald:…`, `none:`…;
 *   CRI-O: a bare path under /var/log/pods);
 * - `kubelet-pods`: the CRI log layout, `/var/log/pods/<ns>_<pod>_<uid>/<container>/<restarts>.log`,
 *   from the container's Kubernetes identity.
 */
export interface EngineLogRule {
  readonly sources: readonly ('docker-record' | 'conmon-argv' | 'kubelet-pods')[];
  /** Said when none of the sources names a file. */
  readonly noFile: string;
}

export const ENGINE_LOGS: Readonly<Record<Engine, EngineLogRule>> = {
  docker: { sources: ['docker-record'], noFile: 'docker names no json-file log for it in config.v2.json' },
  podman: { sources: ['conmon-argv'], noFile: 'its conmon names no log file (-l) and podman keeps none at userdata/ctr.log' },
  containerd: {
    sources: ['kubelet-pods'],
    noFile: 'containerd keeps a log file only for Kubernetes pods (/var/log/pods); `ctr run` hands the output to its caller, and nerdctl keeps its own',
  },
  'cri-o': { sources: ['conmon-argv', 'kubelet-pods'], noFile: 'its conmon names no log file and /var/log/pods has none for it' },
  lxc: { sources: [], noFile: 'LXC keeps no output log unless its config sets lxc.console.logfile' },
  'systemd-nspawn': { sources: [], noFile: 'systemd-nspawn sends the output to the journal: journalctl -M NAME, or -u systemd-nspawn@NAME' },
  runc: { sources: [], noFile: 'runc hands the output to whoever started the container; it keeps no log file' },
  crun: { sources: [], noFile: 'crun hands the output to whoever started the container; it keeps no log file' },
};

/** Said for a container no engine started. */
export const NO_ENGINE_LOG = 'no engine started it, so no engine keeps its output';
