/**
 * `ctrscope enter`: join some namespaces of a target process, then run a command there.
 *
 * Order of operations, after util-linux sys-utils/nsenter.c (own code):
 *  1. Open everything while still wholly on the host: a /proc/<pid>/stat fd that pins the target's
 *     identity, every namespace fd, the root and working-directory fds, the cgroup.procs files
 *     to join. All with O_CLOEXEC (libuv opens that way), so none reaches the command.
 *  2. Verify pid + start time through the stat fd right before joining: a read through that fd
 *     fails once the process is gone, so a recycled pid cannot slip in.
 *  3. Join in nsenter's order, then fchdir(root) + chroot(".") and fchdir(wd); write our pid to
 *     the cgroups; verify the target once more.
 *  4. Spawn the command (never through a shell) and hand back how it ended.
 *
 * Node is multithreaded, and the kernel refuses setns(user) and setns(time) to a multithreaded
 * caller. Those two cases run util-linux nsenter as the single-threaded helper, for that case
 * only: it ships in util-linux on every distribution that runs containers (Essential on Debian,
 * @core on RHEL), it implements the two-pass user-namespace order and the uid/gid switch that
 * case needs, and it needs no compiler at install time, which production hosts rarely have and
 * which a native helper would. We still open every fd ourselves and hand nsenter the paths
 * /proc/<our pid>/fd/N, so it joins exactly the namespaces we verified, with no pid-reuse race
 * and no fd passed to it. Every other case runs without any external binary.
 *
 * A pid namespace joined with setns only applies to children (pid_for_children): the spawned
 * command is pid N of the container, as with nsenter's fork.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isatty } from 'node:tty';
import { readCgroupLayout, readNsSet } from '../../collectors/collect.js';
import { cgroupDir, mountForLine } from '../../collectors/cgroupfs/layout.js';
import { readParsed, type HostRoot } from '../../collectors/host-root.js';
import { parsePidCgroup } from '../../collectors/procfs/pid-cgroup.js';
import { parsePidStat } from '../../collectors/procfs/pid-stat.js';
import { parsePidStatus } from '../../collectors/procfs/pid-status.js';
import { primaryCgroupPath } from '../model/cgroup.js';
import { confinementGaps, decideOutcomes, JOIN_ORDER, needsSingleThreaded, requestedTypes, type EnterFlags, type NsOutcome } from '../model/enter-plan.js';
import { isNsType, type NsType } from '../model/namespace.js';
import { bindLibc, chroot, fchdir, setCloexec, setns, SysError, unshareFs } from './libc.js';

export type EnterErrorKind = 'denied' | 'gone' | 'unsupported' | 'command-not-found' | 'cannot-run' | 'failed';

export class EnterError extends Error {
  readonly kind: EnterErrorKind;
  constructor(kind: EnterErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface EnterSpec {
  readonly pid: number;
  /** The start time the target had when it was resolved: with the pid, its identity. */
  readonly starttimeTicks: number;
  readonly flags: EnterFlags;
  /** For a pod: the namespace types its containers share (what --all joins); else null. */
  readonly podShared: readonly NsType[] | null;
  /** Root directory of the command: ours, the target's (/proc/<pid>/root), or a host path. */
  readonly root: 'keep' | 'target' | { readonly path: string };
  /** Working directory: ours, the new root, the target's (/proc/<pid>/cwd), or a host path. */
  readonly wd: 'keep' | 'root' | 'target' | { readonly path: string };
  readonly joinCgroup: boolean;
  readonly preserveCredentials: boolean;
  /** Run with the target's environment instead of ours. */
  readonly targetEnv: boolean;
  /** argv; null for the default shell. */
  readonly command: readonly string[] | null;
}

export interface EnterReport {
  readonly outcomes: Readonly<Record<NsType, NsOutcome>>;
  /** util-linux nsenter joins user/time (and, with them, the rest). */
  readonly viaNsenter: string | null;
  readonly argv: readonly string[];
  /** cgroup paths written to, one per hierarchy that differed. */
  readonly cgroupsJoined: readonly string[];
  readonly gaps: readonly string[];
}

export type EnterResult = { readonly kind: 'exited'; readonly code: number } | { readonly kind: 'signaled'; readonly signal: NodeJS.Signals };

/** Test hook: stop (SIGSTOP) after opening everything and before the last check, so that a test can kill the target at that point. */
export const STOP_BEFORE_JOIN_ENV = 'CTRSCOPE_ENTER_STOP_BEFORE_JOIN';

const CAP_SYS_ADMIN = 21n;

/** Refuse early, before any scan, unless this process may join namespaces at all. */
export function checkPrivileges(root: HostRoot): void {
  const st = readParsed(root, '/proc/self/status', parsePidStatus);
  const capEff = st.ok ? st.value.capEff : null;
  const euid = st.ok ? st.value.uids[1] : undefined;
  if (capEff === null || ((BigInt(`0x${capEff}`) >> CAP_SYS_ADMIN) & 1n) === 0n) {
    const who = euid === 0 ? 'root without CAP_SYS_ADMIN (inside a container?)' : `uid ${euid ?? '?'}`;
    throw new EnterError('denied', `enter needs root with CAP_SYS_ADMIN to join namespaces, and this is ${who}: run it with sudo on the host`);
  }
}

interface Opened {
  statFd: number;
  ns: Partial<Record<NsType, number>>;
  rootFd: number | null;
  wdFd: number | null;
  cgroupFds: Array<{ fd: number; path: string }>;
}

/**
 * Enter and run. Resolves with how the command ended; rejects with EnterError, before the
 * command runs, for anything that went wrong. `report` is called once everything is joined,
 * right before the command starts.
 */
export async function enter(spec: EnterSpec, root: HostRoot, report: (r: EnterReport) => void): Promise<EnterResult> {
  bindLibc();
  const supported = new Set(readDirOr(root, '/proc/self/ns').filter(isNsType));
  const { types, unsupported } = requestedTypes(spec.flags, supported, spec.podShared);
  if (unsupported.length > 0) throw new EnterError('unsupported', `this kernel has no ${unsupported.join(', ')} namespace${unsupported.length > 1 ? 's' : ''} (/proc/self/ns/${unsupported[0] ?? ''} is missing)`);

  const opened: Opened = { statFd: -1, ns: {}, rootFd: null, wdFd: null, cgroupFds: [] };
  let keepOpen = false;
  try {
    opened.statFd = openOrThrow(spec, `/proc/${spec.pid}/stat`, fs.constants.O_RDONLY);
    verifyTarget(spec, opened.statFd);

    for (const t of types) opened.ns[t] = openOrThrow(spec, `/proc/${spec.pid}/ns/${t}`, fs.constants.O_RDONLY);
    const dirFlags = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY;
    if (spec.root !== 'keep') opened.rootFd = openOrThrow(spec, spec.root === 'target' ? `/proc/${spec.pid}/root` : spec.root.path, dirFlags);
    if (spec.wd === 'root') opened.wdFd = opened.rootFd;
    else if (spec.wd !== 'keep') opened.wdFd = openOrThrow(spec, spec.wd === 'target' ? `/proc/${spec.pid}/cwd` : spec.wd.path, dirFlags);
    if (opened.rootFd !== null && opened.wdFd !== null && opened.wdFd !== opened.rootFd && !isBelow(opened.wdFd, opened.rootFd)) {
      // runc CVE-2024-21626: a working directory outside the new root hands the command the host's filesystem.
      throw new EnterError('denied', `working directory ${describeDir(spec.wd)} is outside the root directory of the entered process; choose one inside it`);
    }

    // The inodes of the opened fds are the namespaces that will be joined; the links fill in the rest.
    const targetNs = readNsSet(root, spec.pid);
    for (const t of types) targetNs[t] = fs.fstatSync(opened.ns[t] as number).ino;
    const outcomes = decideOutcomes(types, targetNs, readNsSet(root, 'self'), supported);
    const nsenterPath = needsSingleThreaded(outcomes) ? findNsenter() : null;

    const env = spec.targetEnv ? targetEnvironment(root, spec.pid) : { ...process.env };
    const mntRoot = spec.root === 'keep' ? null : spec.root === 'target' ? `/proc/${spec.pid}/root` : spec.root.path;
    const argv = spec.command && spec.command.length > 0 ? [...spec.command] : [defaultShell(root, mntRoot, env)];
    const cg = cgroupPlan(root, spec.pid, spec.joinCgroup);
    for (const dir of cg.toJoin) opened.cgroupFds.push({ fd: openOrThrow(spec, `${dir.hostDir}/cgroup.procs`, fs.constants.O_WRONLY), path: dir.path });
    const gaps = confinementGaps({ outcomes, cgroupPath: cg.differs, joinCgroup: spec.joinCgroup, ...privileges(root, spec.pid) });

    closeInheritedFds(root);
    if (process.env[STOP_BEFORE_JOIN_ENV]) process.kill(process.pid, 'SIGSTOP');
    verifyTarget(spec, opened.statFd);

    const joinable = JOIN_ORDER.filter((t) => outcomes[t] === 'join');
    let command: { file: string; args: string[] };
    if (nsenterPath === null) {
      if (opened.rootFd !== null || opened.wdFd !== null || outcomes.mnt === 'join') unshareFs();
      for (const t of joinable) setns(opened.ns[t] as number, t);
      if (opened.rootFd !== null) {
        fchdir(opened.rootFd);
        chroot('.');
      }
      if (opened.wdFd !== null) fchdir(opened.wdFd);
      command = { file: argv[0] as string, args: argv.slice(1) };
    } else {
      // Only the pid namespace is joined here: it applies to our children, so nsenter and the
      // command it execs start inside it, and nsenter need not fork (it would, for --pid).
      if (outcomes.pid === 'join') setns(opened.ns.pid as number, 'pid');
      const fdPath = (fd: number): string => `/proc/${process.pid}/fd/${fd}`;
      const args = joinable.filter((t) => t !== 'pid').map((t) => `--${t === 'mnt' ? 'mount' : t}=${fdPath(opened.ns[t] as number)}`);
      if (opened.rootFd !== null) args.push(`--root=${fdPath(opened.rootFd)}`);
      if (opened.wdFd !== null) args.push(`--wd=${fdPath(opened.wdFd)}`);
      if (spec.preserveCredentials) args.push('--preserve-credentials');
      command = { file: nsenterPath, args: [...args, '--', ...argv] };
      // nsenter opens the paths above after it starts: they stay open until the command ends.
      keepOpen = true;
    }
    for (const c of opened.cgroupFds) fs.writeSync(c.fd, String(process.pid));
    verifyTarget(spec, opened.statFd);

    report({ outcomes, viaNsenter: nsenterPath, argv, cgroupsJoined: opened.cgroupFds.map((c) => c.path), gaps });
    if (!keepOpen) closeAll(opened);
    return await run(command, env, spec, outcomes);
  } catch (err) {
    throw asEnterError(err, spec);
  } finally {
    closeAll(opened);
  }
}

function closeAll(o: Opened): void {
  const fds = new Set([o.statFd, ...Object.values(o.ns), o.rootFd, o.wdFd, ...o.cgroupFds.map((c) => c.fd)]);
  for (const fd of fds) {
    if (fd === null || fd === undefined || fd < 0) continue;
    try {
      fs.closeSync(fd);
    } catch {
      // already closed by an earlier call
    }
  }
  o.statFd = -1;
  o.ns = {};
  o.rootFd = null;
  o.wdFd = null;
  o.cgroupFds = [];
}

function openOrThrow(spec: EnterSpec, p: string, flags: number): number {
  try {
    return fs.openSync(p, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (p.startsWith(`/proc/${spec.pid}/`) && (code === 'ENOENT' || code === 'ESRCH')) throw goneError(spec);
    if (code === 'EACCES' || code === 'EPERM') throw new EnterError('denied', `cannot open ${p}: permission denied`);
    throw new EnterError('failed', `cannot open ${p}: ${code ?? String(err)}`);
  }
}

const goneError = (spec: EnterSpec): EnterError => new EnterError('gone', `target pid ${spec.pid} exited while entering; nothing was run`);

/** Read the target's stat through the pinned fd: gone, a zombie, or another start time all mean it is no longer the target. */
function verifyTarget(spec: EnterSpec, statFd: number): void {
  let text: string;
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(statFd, buf, 0, buf.length, 0);
    text = buf.toString('utf8', 0, n);
  } catch {
    throw goneError(spec);
  }
  let st: ReturnType<typeof parsePidStat>;
  try {
    st = parsePidStat(text);
  } catch {
    throw goneError(spec);
  }
  if (st.starttimeTicks !== spec.starttimeTicks || st.state === 'Z' || st.state === 'X') throw goneError(spec);
}

/** Is directory fd `dir` at or below directory fd `root`? Walks `..` from dir: its parents as the kernel resolves them. */
function isBelow(dir: number, root: number): boolean {
  const r = fs.fstatSync(root);
  let p = `/proc/self/fd/${dir}`;
  let prev: fs.Stats | null = null;
  for (let depth = 0; depth < 4096; depth++) {
    const st = fs.statSync(p);
    if (st.dev === r.dev && st.ino === r.ino) return true;
    if (prev && st.dev === prev.dev && st.ino === prev.ino) return false;
    prev = st;
    p += '/..';
  }
  return false;
}

const describeDir = (wd: EnterSpec['wd']): string => (typeof wd === 'object' ? wd.path : wd === 'target' ? "(the target's)" : wd);

function readDirOr(root: HostRoot, p: string): string[] {
  const r = root.readDir(p);
  return r.ok ? r.value : [];
}

function privileges(root: HostRoot, pid: number): { seccomp: number | null; capBnd: string | null; ownCapBnd: string | null } {
  const target = readParsed(root, `/proc/${pid}/status`, parsePidStatus);
  const own = readParsed(root, '/proc/self/status', parsePidStatus);
  return { seccomp: target.ok ? target.value.seccomp : null, capBnd: target.ok ? target.value.capBnd : null, ownCapBnd: own.ok ? own.value.capBnd : null };
}

/** /proc/<pid>/environ: NUL-separated KEY=VALUE. */
function targetEnvironment(root: HostRoot, pid: number): NodeJS.ProcessEnv {
  const r = root.readBytes(`/proc/${pid}/environ`);
  if (!r.ok) throw new EnterError(r.gap.reason === 'gone' ? 'gone' : 'failed', `cannot read the target's environment (/proc/${pid}/environ): ${r.gap.reason}`);
  const env: NodeJS.ProcessEnv = {};
  for (const kv of r.value.toString('utf8').split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/**
 * With a new root: root's login shell from that root's /etc/passwd, else /bin/sh. Without: the
 * caller's $SHELL (nsenter's exec_shell). Read through /proc/<pid>/root, where an absolute
 * symlink would resolve on the host: at worst that picks another shell name, run in the container.
 */
function defaultShell(root: HostRoot, newRoot: string | null, env: NodeJS.ProcessEnv): string {
  if (newRoot === null) return env['SHELL'] || '/bin/sh';
  const passwd = root.readText(path.join(newRoot, 'etc/passwd'));
  if (passwd.ok) {
    for (const line of passwd.value.split('\n')) {
      const f = line.split(':');
      if (f[2] === '0' && f[6] && f[6].startsWith('/')) return f[6];
    }
  }
  return '/bin/sh';
}

interface CgroupPlan {
  /** Hierarchies where the target's cgroup differs from ours: host dir and cgroup path. */
  readonly toJoin: ReadonlyArray<{ hostDir: string; path: string }>;
  /** The target's main cgroup path when it differs from ours (for the warning), else null. */
  readonly differs: string | null;
}

/** cgroups(7): writing a pid to <dir>/cgroup.procs moves the whole process; v1 needs it once per hierarchy. */
function cgroupPlan(root: HostRoot, pid: number, join: boolean): CgroupPlan {
  const target = readParsed(root, `/proc/${pid}/cgroup`, parsePidCgroup);
  const own = readParsed(root, '/proc/self/cgroup', parsePidCgroup);
  if (!target.ok || !own.ok) {
    if (join) throw new EnterError(target.ok ? 'failed' : target.gap.reason === 'gone' ? 'gone' : 'failed', `cannot read /proc/${target.ok ? 'self' : pid}/cgroup to join the cgroup`);
    return { toJoin: [], differs: null };
  }
  const ownPath = new Map(own.value.map((l) => [l.hierarchyId, l.path]));
  const differing = target.value.filter((l) => ownPath.get(l.hierarchyId) !== l.path);
  const differs = differing.length > 0 ? primaryCgroupPath(target.value) : null;
  if (!join) return { toJoin: [], differs };
  const { layout } = readCgroupLayout(root);
  const toJoin = differing.map((l) => {
    const mount = mountForLine(layout, l);
    const dir = mount ? cgroupDir(mount, l.path) : null;
    if (dir === null) throw new EnterError('failed', `cannot join cgroup ${l.path} (${l.controllers.join(',') || 'cgroup2'}): its hierarchy is not mounted where this process can reach it`);
    return { hostDir: root.resolve(dir), path: `${l.controllers.join(',') || 'cgroup2'}:${l.path}` };
  });
  return { toJoin, differs };
}

/**
 * Mark every fd we inherited close-on-exec. Ours already are; one the caller leaked to us (a
 * host directory, a socket) would otherwise reach the command inside the container, as the leaked
 * fds of runc CVE-2024-21626 did. runc closes them the same way (utils.CloseExecFrom(3)).
 */
function closeInheritedFds(root: HostRoot): void {
  for (const name of readDirOr(root, '/proc/self/fd')) {
    const fd = Number(name);
    if (Number.isInteger(fd) && fd > 2) setCloexec(fd);
  }
}

/** util-linux nsenter, from PATH or the usual places (sudo's secure_path may lack sbin). */
function findNsenter(): string {
  const dirs = [...(process.env['PATH'] ?? '').split(':'), '/usr/bin', '/usr/sbin', '/bin', '/sbin'];
  for (const d of dirs) {
    if (!d.startsWith('/')) continue;
    const p = path.join(d, 'nsenter');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  throw new EnterError(
    'unsupported',
    "joining a user or time namespace needs util-linux nsenter (the kernel refuses it to a multithreaded process like Node), and nsenter is not installed: install util-linux, or leave the user namespace out (--all --no-user)",
  );
}

/** Signals a user sends to ctrscope itself that the command must get instead. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];
/**
 * Ctrl-C and Ctrl-\ on a terminal go to the whole foreground process group, the command
 * included: then ctrscope only has to survive them (forwarding would deliver them twice).
 * Without a terminal they were meant for us alone and are forwarded.
 */
const KEYBOARD: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];

function run(command: { file: string; args: string[] }, env: NodeJS.ProcessEnv, spec: EnterSpec, outcomes: Readonly<Record<NsType, NsOutcome>>): Promise<EnterResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, { stdio: 'inherit', env });
    const terminal = isatty(0) || isatty(1) || isatty(2);
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const sig of [...FORWARDED, ...KEYBOARD]) {
      const h = terminal && KEYBOARD.includes(sig) ? (): void => undefined : (): void => void child.kill(sig);
      handlers.set(sig, h);
      process.on(sig, h);
    }
    const done = (): void => {
      for (const [sig, h] of handlers) process.off(sig, h);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      done();
      const what = command.args.includes('--') ? command.args.slice(command.args.indexOf('--') + 1)[0] : command.file;
      const where = outcomes.mnt === 'join' || spec.root !== 'keep' ? ' in the container' : '';
      if (err.code === 'ENOENT') reject(new EnterError('command-not-found', `command not found${where}: ${what ?? ''}`));
      else if (err.code === 'EACCES') reject(new EnterError('cannot-run', `cannot run ${what ?? ''}${where}: permission denied`));
      else if (err.code === 'ENOMEM' && outcomes.pid === 'join') reject(new EnterError('gone', `the target's pid namespace has no init any more (the container exited while entering); nothing was run`));
      else reject(new EnterError('failed', `cannot start ${what ?? ''}: ${err.code ?? err.message}`));
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(signal ? { kind: 'signaled', signal } : { kind: 'exited', code: code ?? 1 });
    });
  });
}

function asEnterError(err: unknown, spec: EnterSpec): EnterError {
  if (err instanceof EnterError) return err;
  if (err instanceof SysError) {
    if (err.errno === 1 || err.errno === 13) return new EnterError('denied', `${err.message} (joining pid ${spec.pid})`);
    if (err.errno === 3) return goneError(spec);
    return new EnterError('failed', `${err.message} (joining pid ${spec.pid})`);
  }
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT' || e.code === 'ESRCH') return goneError(spec);
  return new EnterError('failed', e.message);
}
