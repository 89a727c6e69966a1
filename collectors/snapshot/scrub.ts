/**
 * Secret scrubbing for `ctrscope snapshot` (on unless --keep-env). Pure functions of recorded
 * bytes. What a snapshot may hold that is secret:
 *  - /proc/<pid>/environ: every value, except a few names that carry no secret and that
 *    container detection reads (`container=` is how podman, nspawn and LXC mark their inits;
 *    systemd src/basic/virt.c detect_container);
 *  - /proc/<pid>/cmdline: values of password/token/secret flags (`--password x`, `--token=x`,
 *    mysql's attached `-pX`), `NAME=value` words whose NAME says PASSWORD/TOKEN/SECRET/KEY, and
 *    the password of `scheme://user:password@host` URLs;
 *  - engine records, which repeat a container's environment and command line and may hold more
 *    (CRI-O's copy of every pod annotation, health-check commands, hooks): these are recorded
 *    as what ctrscope reads from them and nothing else (REDUCED below), in their own format, so
 *    that a replay reads the same values. containerd's `meta.db` and podman's `bolt_state.db`
 *    become new bbolt files holding only the keys ctrscope reads; docker's config.v2.json and
 *    hostconfig.json, OCI config.json, runc and crun state, shim options, daemon.json and LXC
 *    configs keep only the keys their parsers read.
 * Names are kept and values replaced by SCRUBBED, so a reader still sees which variables and
 * flags were set. Identifiers the collectors need (container ids, shim -id/-namespace, conmon
 * -c/-n, --data-root) are not secrets and are left alone. A JSON file no reducer knows is
 * scrubbed by the rules above (docker `Config.Env`, OCI `process.env` and their command lines).
 */
import { reduceContainerdMetaDb, SHIM_OPTIONS_READ } from '../engines/containerd.js';
import { DAEMON_JSON_READ, DOCKER_CONFIG_V2_READ, DOCKER_HOSTCONFIG_READ } from '../engines/docker.js';
import { reduceJsonObject, type JsonShape } from '../engines/json.js';
import { reduceLxcConfig } from '../engines/lxc.js';
import { reduceOciSpec } from '../engines/oci-spec.js';
import { reduceLibpodBoltState } from '../engines/podman.js';
import { CRUN_STATUS_READ, RUNC_STATE_READ } from '../engines/runtime-state.js';
import { ParseError } from '../read.js';

export const SCRUBBED = '<scrubbed>';

const SECRET_FLAG = /^(?:[a-z0-9]+[-_])*(?:password|passwd|pass|pwd|passphrase|token|secret|api[-_]?key|access[-_]?key|secret[-_]?key|private[-_]?key|auth|credentials?)$/i;
const SECRET_NAME = /PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|KEY|CREDENTIAL/i;
// `NAME=value` inside a word: `DB_PASSWORD=x`, `-eAPI_KEY=x`, `export TOKEN=x; run`.
const NAME_VALUE = /([A-Za-z_][A-Za-z0-9_.-]*)=([^\s;&|'"]*)/g;
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+):([^@\s/]+)@/gi;
// Clients that take `-pPASSWORD` glued to the flag (mysql(1) "--password[=password], -p[password]").
const GLUED_P = /^(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mariadb|mariadb-dump|mariadb-admin)$/;

/** Environment names whose values are kept: markers and paths, never credentials. */
const KEEP_ENV = new Set(['container', 'container_uuid', 'container_host_id', 'PATH', 'HOME', 'HOSTNAME', 'TERM', 'LANG', 'USER', 'SHELL', 'PWD', 'NOTIFY_SOCKET']);

function scrubWord(word: string): string {
  return word
    .replace(URL_PASSWORD, `$1:${SCRUBBED}@`)
    .replace(NAME_VALUE, (all, name: string, value: string) => (value !== '' && SECRET_NAME.test(name) ? `${name}=${SCRUBBED}` : all));
}

export function scrubArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  const glued = GLUED_P.test(argv[0]?.split('/').pop() ?? '');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const flag = /^--?([A-Za-z][A-Za-z0-9_-]*)(=(.*))?$/s.exec(a);
    if (flag && SECRET_FLAG.test(flag[1] as string)) {
      if (flag[2] !== undefined) out.push(`${a.slice(0, a.indexOf('=') + 1)}${SCRUBBED}`);
      else {
        out.push(a);
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith('-')) {
          out.push(SCRUBBED);
          i++;
        }
      }
      continue;
    }
    if (glued && /^-p.+/.test(a)) {
      out.push(`-p${SCRUBBED}`);
      continue;
    }
    out.push(scrubWord(a));
  }
  return out;
}

export function scrubEnv(env: readonly string[]): string[] {
  return env.map((e) => {
    const eq = e.indexOf('=');
    if (eq < 0) return e;
    const name = e.slice(0, eq);
    return KEEP_ENV.has(name) ? e : `${name}=${SCRUBBED}`;
  });
}

function nulList(buf: Buffer): { items: string[]; trailing: boolean } {
  const text = buf.toString('utf8');
  const items = text.split('\0');
  const trailing = items[items.length - 1] === '';
  if (trailing) items.pop();
  return { items, trailing };
}
const joinNul = (items: readonly string[], trailing: boolean): Buffer => Buffer.from(items.join('\0') + (trailing && items.length > 0 ? '\0' : ''), 'utf8');

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function scrubJson(text: string): string {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    // Not JSON after all (or truncated): fall back to the word rules over the raw text.
    return scrubWord(text);
  }
  if (typeof j !== 'object' || j === null) return text;
  const o = j as Record<string, unknown>;
  let changed = false;
  const fix = (holder: unknown, key: string, f: (v: string[]) => string[]): void => {
    if (typeof holder !== 'object' || holder === null) return;
    const h = holder as Record<string, unknown>;
    if (strings(h[key])) {
      h[key] = f(h[key]);
      changed = true;
    }
  };
  // docker config.v2.json (moby daemon/container/container.go: Config is container.Config).
  fix(o['Config'], 'Env', scrubEnv);
  fix(o['Config'], 'Cmd', scrubArgv);
  fix(o['Config'], 'Entrypoint', scrubArgv);
  fix(o, 'Args', (a) => scrubArgv(['', ...a]).slice(1));
  // OCI runtime spec config.json (runtime-spec config.md "process").
  fix(o['process'], 'env', scrubEnv);
  fix(o['process'], 'args', scrubArgv);
  return changed ? JSON.stringify(o) : text;
}

type Reducer = { readonly binary: true; readonly reduce: (b: Buffer) => Buffer } | { readonly binary: false; readonly reduce: (text: string) => string };
const json = (shape: JsonShape): Reducer => ({ binary: false, reduce: (t) => reduceJsonObject(t, shape) });

/** Engine files recorded as what ctrscope reads from them, by host path. */
const REDUCED: ReadonlyArray<readonly [RegExp, Reducer]> = [
  [/\/io\.containerd\.metadata\.v1\.bolt\/meta\.db$/, { binary: true, reduce: reduceContainerdMetaDb }],
  [/\/libpod\/bolt_state\.db$/, { binary: true, reduce: reduceLibpodBoltState }],
  [/\/config\.v2\.json$/, json(DOCKER_CONFIG_V2_READ)],
  [/\/hostconfig\.json$/, json(DOCKER_HOSTCONFIG_READ)],
  [/\/daemon\.json$/, json(DAEMON_JSON_READ)],
  [/\/options\.json$/, json(SHIM_OPTIONS_READ)],
  [/\/runc\/[^/]+\/state\.json$/, json(RUNC_STATE_READ)],
  [/\/crun\/[^/]+\/status$/, json(CRUN_STATUS_READ)],
  [/\/config\.json$/, { binary: false, reduce: reduceOciSpec }],
  // The only files named `config` ctrscope reads are LXC container configs (`<lxcpath>/<name>/config`).
  [/\/config$/, { binary: false, reduce: reduceLxcConfig }],
];

/**
 * Scrub one recorded file by what it is; unknown files come back unchanged. Null: the file is
 * left out of the archive, because it is an engine database that could not be read (torn by a
 * concurrent write, or not the format ctrscope knows), so nothing could be kept of it safely.
 */
export function scrubFile(hostPath: string, content: Buffer): Buffer | null {
  if (/^\/proc\/(?:\d+|self)(?:\/task\/\d+)?\/environ$/.test(hostPath)) {
    const { items, trailing } = nulList(content);
    return joinNul(scrubEnv(items), trailing);
  }
  if (/^\/proc\/(?:\d+|self)(?:\/task\/\d+)?\/cmdline$/.test(hostPath)) {
    const { items, trailing } = nulList(content);
    return joinNul(scrubArgv(items), trailing);
  }
  const reducer = REDUCED.find(([path]) => path.test(hostPath))?.[1];
  if (reducer) {
    try {
      return reducer.binary ? reducer.reduce(content) : Buffer.from(reducer.reduce(content.toString('utf8')), 'utf8');
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      if (reducer.binary) return null;
      // Not what its name says (or torn): the generic rules below still apply.
    }
  }
  if (hostPath.endsWith('.json')) return Buffer.from(scrubJson(content.toString('utf8')), 'utf8');
  if (/\/lxc\/[^/]+\/config$/.test(hostPath) || hostPath.endsWith('.conf')) {
    const text = content.toString('utf8');
    return Buffer.from(text.replace(/^(\s*lxc\.environment\s*=\s*[^=\n]+=).*$/gm, `$1${SCRUBBED}`), 'utf8');
  }
  return content;
}

/**
 * Links kept in an archive. `/proc/<pid>/fd/<n>` is read to find namespace fds; the others name
 * the files, sockets and pipes a process has open, which no ctrscope command replays and which
 * can be sensitive, so they are left out whether or not --keep-env is given.
 */
export function keepLink(hostPath: string, target: string): boolean {
  if (!/^\/proc\/\d+\/fd\/\d+$/.test(hostPath)) return true;
  return /^(?:cgroup|ipc|mnt|net|pid|time|user|uts):\[\d+\]$/.test(target);
}
