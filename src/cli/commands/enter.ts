/**
 * `ctrscope enter [flags] <target> [-- command args]`: nsenter that knows containers.
 *
 * The entered command's status becomes ours: its exit code, or the signal that killed it,
 * re-raised on ourselves as nsenter's continue_as_child does. No exit code can carry a signal
 * death, and this process has joined foreign namespaces, so this command ends the process itself
 * instead of returning to run().
 */
import { resolve } from 'node:path';
import { constants as osConstants } from 'node:os';
import { Option, type Command } from 'commander';
import type { EnterErrorKind, EnterReport, EnterResult } from '../../actions/enter.js';
import type { NsType } from '../../model/namespace.js';
import { JOIN_ORDER } from '../../model/enter-plan.js';
import { describeTarget } from '../../model/target.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { ExitWith, observeHost, openRoot, type Deps, type GlobalOptions } from '../context.js';
import { resolveOrExit } from '../target.js';

interface EnterOptions {
  mnt?: boolean;
  uts?: boolean;
  ipc?: boolean;
  net?: boolean;
  pid?: boolean;
  /** true for --user, false for --no-user. */
  user?: boolean;
  cgroup?: boolean;
  time?: boolean;
  all?: boolean;
  rootDir?: string;
  wd?: string;
  targetWd?: boolean;
  joinCgroup?: boolean;
  preserveCredentials?: boolean;
  env?: boolean;
  quiet?: boolean;
  startedAt?: number;
}

const startTicks = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new ExitWith(EXIT.usage, `--started-at ${v}: expected clock ticks since boot (field 22 of /proc/PID/stat)`);
  return n;
};

const EXIT_FOR: Readonly<Record<EnterErrorKind, ExitCode>> = {
  denied: EXIT.denied,
  gone: EXIT.notFound,
  unsupported: EXIT.unsupported,
  'command-not-found': EXIT.commandNotFound,
  'cannot-run': EXIT.cannotRun,
  failed: EXIT.failure,
};

export function registerEnter(program: Command, deps: Deps): void {
  program
    .command('enter')
    .description("run a command in some of a target's namespaces: nsenter that knows containers")
    .argument('<target>', 'host PID, container id or unique id prefix (4+ characters), container name, or pod (its shared namespaces)')
    .argument('[command...]', 'the command and its arguments, after "--"; default: a shell (with --mnt the container\'s root shell from its /etc/passwd, else $SHELL)')
    .option('-m, --mnt', 'join the mount namespace; root and working directory become the target\'s root')
    .option('-u, --uts', 'join the UTS namespace (hostname)')
    .option('-i, --ipc', 'join the IPC namespace')
    .option('-n, --net', 'join the network namespace')
    .option('-p, --pid', 'join the pid namespace (the command gets a pid inside it)')
    .option('-U, --user', 'join the user namespace (runs util-linux nsenter: Node cannot)')
    .option('--no-user', 'with --all: leave the user namespace out')
    .option('-C, --cgroup', 'join the cgroup namespace')
    .option('-T, --time', 'join the time namespace (runs util-linux nsenter: Node cannot)')
    .option('-a, --all', 'join every namespace the target does not share with us')
    .option('-r, --root-dir <dir>', 'root directory of the command: a host path, opened before joining (nsenter --root; the global --root reads a recorded host tree)')
    .option('-w, --wd <dir>', 'working directory: a host path, opened before joining (nsenter --wd)')
    .option('--target-wd', "start in the target's working directory")
    .option('-c, --join-cgroup', "move into the target's cgroups (every hierarchy), so that its limits apply")
    .option('--preserve-credentials', 'with --user: keep our uid and gids instead of becoming uid 0 inside')
    .option('-e, --env', "use the target's environment instead of ours")
    .option('-q, --quiet', 'do not report what was joined, nor warn about what was not')
    .addOption(new Option('--started-at <ticks>', "enter only if the target's process started at this time (clock ticks since boot, /proc/PID/stat field 22), as read when it was chosen: a pid reused since is refused").argParser(startTicks))
    .action(async (query: string, command: string[], opts: EnterOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (resolve(g.root) !== '/') {
        throw new ExitWith(EXIT.usage, `enter joins namespaces of the live host, but --root ${g.root} names a host tree; drop --root (for the command's root directory use --root-dir)`);
      }
      const named = JOIN_ORDER.filter((t) => (t === 'user' ? opts.user === true : opts[t] === true));
      if (named.length === 0 && !opts.all && opts.rootDir === undefined && opts.wd === undefined) {
        throw new ExitWith(EXIT.usage, 'name the namespaces to join: --mnt --uts --ipc --net --pid --user --cgroup --time, or --all');
      }
      const root = openRoot(g);
      // Loaded here: it binds libc through koffi (a native addon), which no other command needs.
      const { checkPrivileges, enter, EnterError } = await import('../../actions/enter.js');
      const fail = (e: unknown): never => {
        if (e instanceof EnterError) throw new ExitWith(EXIT_FOR[e.kind], e.message);
        throw e;
      };
      try {
        checkPrivileges(root);
      } catch (e) {
        fail(e);
      }
      const target = resolveOrExit(observeHost(root, deps, { resources: false, network: false }).model, query);
      if (opts.startedAt !== undefined && target.starttimeTicks !== opts.startedAt) {
        throw new ExitWith(EXIT.notFound, `${describeTarget(target)} started at ${target.starttimeTicks} ticks after boot, not ${opts.startedAt}: the process chosen has exited (its pid may be another's now); nothing was run`);
      }
      const podShared = target.kind === 'pod' && target.pod ? target.pod.sharedNamespaces : null;
      const wantsMnt = opts.mnt === true || (opts.all === true && (podShared === null || podShared.includes('mnt')));
      const rootSpec = opts.rootDir !== undefined ? { path: resolve(opts.rootDir) } : wantsMnt ? ('target' as const) : ('keep' as const);
      const wdSpec = opts.wd !== undefined ? { path: resolve(opts.wd) } : opts.targetWd ? ('target' as const) : rootSpec !== 'keep' ? ('root' as const) : ('keep' as const);

      let result: EnterResult;
      try {
        result = await enter(
          {
            pid: target.pid,
            starttimeTicks: target.starttimeTicks,
            flags: { types: named, all: opts.all === true, noUser: opts.user === false },
            podShared,
            root: rootSpec,
            wd: wdSpec,
            joinCgroup: opts.joinCgroup === true,
            preserveCredentials: opts.preserveCredentials === true,
            targetEnv: opts.env === true,
            command: command.length > 0 ? command : null,
          },
          root,
          (r) => {
            if (!opts.quiet) deps.err(renderReport(describeTarget(target), r));
          },
        );
      } catch (e) {
        return fail(e);
      }
      finish(result);
    });
}

/** What was joined and what was not, then one warning per way the command is less confined. */
export function renderReport(what: string, r: EnterReport): string {
  const by = (o: string): NsType[] => JOIN_ORDER.filter((t) => r.outcomes[t] === o);
  const parts = [`joined ${by('join').join(', ') || 'no namespace'}`];
  if (by('same').length > 0) parts.push(`the target shares ours: ${by('same').join(', ')}`);
  if (by('not-requested').length > 0) parts.push(`not joined: ${by('not-requested').join(', ')}`);
  if (by('unsupported').length > 0) parts.push(`not in this kernel: ${by('unsupported').join(', ')}`);
  if (r.cgroupsJoined.length > 0) parts.push(`moved into its cgroups (${r.cgroupsJoined.length} hierarch${r.cgroupsJoined.length > 1 ? 'ies' : 'y'})`);
  if (r.viaNsenter) parts.push(`user/time via ${r.viaNsenter}`);
  const lines = [`ctrscope: entering ${what}: ${parts.join('; ')}`, ...r.gaps.map((g) => `ctrscope: warning: ${g}`)];
  return lines.join('\n') + '\n';
}

function finish(result: EnterResult): void {
  if (result.kind === 'exited') process.exit(result.code);
  // Die of the same signal (our handlers for it are gone, so its default action applies). The
  // kernel may deliver it a moment later, to another thread; if it never kills us (SIGPIPE,
  // which Node ignores), exit with the shell's 128+n.
  setTimeout(() => process.exit(128 + (osConstants.signals[result.signal] ?? 0)), 200);
  process.kill(process.pid, result.signal);
}
