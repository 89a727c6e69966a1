/**
 * Hand-made containers shaped like real ones, for the benchmarks (scripts/bench.mjs,
 * scripts/bench-top.mjs). Each container:
 *  - is `unshare --fork --kill-child --pid --mount --mount-proc --net --uts --ipc`: its own pid,
 *    mount, network, UTS and IPC namespaces, with its own sysfs mounted at /sys (as engines do, so
 *    /sys/class/net inside shows its own interfaces);
 *  - runs 3 processes: `sh` as pid 1, which starts two children and waits;
 *  - sits in its own cgroup in each of the v1 memory, pids, cpu and cpuacct controllers (where
 *    mounted), with a memory limit, a pids limit and a CFS quota; the cgroup holds sh before sh
 *    forks, so its children are born in it;
 *  - one in every `netEvery` (3 by default) also has a veth pair whose host end is on a bridge of
 *    the run, an IPv4 address, and a listening TCP socket (`busybox nc -l`) in place of one of
 *    the two `sleep`s.
 * The `unshare` parent stays in the host's namespaces and cgroups, as an engine's shim does.
 *
 * Everything is named `<prefix>...`; remove() takes it all away and may be called any number of
 * times (exit, signals, failure). Needs root, util-linux unshare, iproute2 and busybox.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';

const CG = '/sys/fs/cgroup';
const LIMITS = {
  memory: [['memory.limit_in_bytes', String(256 * 1024 * 1024)]],
  pids: [['pids.max', '64']],
  cpu: [['cpu.cfs_period_us', '100000'], ['cpu.cfs_quota_us', '50000']],
  cpuacct: [],
};
const CONTROLLERS = Object.keys(LIMITS).filter((c) => existsSync(`${CG}/${c}`));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fields of /proc/<pid>/stat after the command name. */
export function statFields(pid) {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return st.slice(st.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of a process, in clock ticks (USER_HZ, 100). */
export const cpuTicks = (pid) => {
  const f = statFields(pid);
  return Number(f[11]) + Number(f[12]);
};

/** Children of every process, from one /proc pass. */
export function childrenByParent() {
  const out = new Map();
  for (const e of readdirSync('/proc')) {
    if (e.charCodeAt(0) > 57) continue;
    let ppid;
    try {
      ppid = Number(statFields(e)[1]);
    } catch {
      continue; // exited
    }
    const l = out.get(ppid);
    if (l) l.push(Number(e));
    else out.set(ppid, [Number(e)]);
  }
  return out;
}

export class HandmadeContainers {
  /**
   * @param prefix names of everything made (cgroups, bridge, veths derive from it)
   * @param opts.netEvery every n-th container gets a veth, an address and a listening socket
   */
  constructor(prefix, { netEvery = 3 } = {}) {
    this.prefix = prefix;
    this.netEvery = netEvery;
    /** { i, name, unshare (ChildProcess), init (pid), veth (host end or null) } */
    this.containers = [];
    // Interface names are at most 15 characters: a short tag of the run, then the index.
    this.tag = `cs${(process.pid % 46656).toString(36)}`;
    this.bridge = `${this.tag}br`;
    this.bridgeMade = false;
    this.removed = false;
  }

  get count() {
    return this.containers.length;
  }

  /** The cgroup directories of container i, one per controller. */
  cgroupDirs(i) {
    return CONTROLLERS.map((c) => `${CG}/${c}/${this.prefix}-${i}`);
  }

  /** Start containers until there are `total`; resolves when each runs its 3 processes. */
  async grow(total, timeoutMs = 300_000) {
    if (this.netEvery > 0 && !this.bridgeMade) {
      ip(['link', 'add', this.bridge, 'type', 'bridge']);
      this.bridgeMade = true;
      ip(['link', 'set', this.bridge, 'up']);
    }
    const fresh = [];
    for (let i = this.containers.length; i < total; i++) {
      const name = `${this.prefix}-${i}`;
      const net = this.netEvery > 0 && i % this.netEvery === 0;
      // sh waits for a line on stdin: by then it is in its cgroups and has its veth.
      const addr = `10.${200 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${(i % 256) || 1}`;
      const body = net
        ? `ip link set lo up; ip addr add ${addr}/8 dev eth0; ip link set eth0 up; sleep 1000000 & busybox nc -l -p 8080 >/dev/null & wait`
        : 'sleep 1000000 & sleep 1000000 & wait';
      const script = `read go; mount -t sysfs sysfs /sys 2>/dev/null; ${body}`;
      const unshare = spawn('unshare', ['--fork', '--kill-child', '--pid', '--mount', '--mount-proc', '--net', '--uts', '--ipc', 'sh', '-c', script, name], { stdio: ['pipe', 'ignore', 'ignore'] });
      unshare.stdin.on('error', () => {});
      const c = { i, name, unshare, init: null, veth: net ? `${this.tag}v${i}` : null };
      this.containers.push(c);
      fresh.push(c);
    }
    const deadline = Date.now() + timeoutMs;
    // The init is unshare's child; put it in its cgroups and give it its veth, then let it go.
    let waiting = fresh;
    while (waiting.length > 0) {
      if (Date.now() > deadline) throw new Error(`${waiting.length} of ${fresh.length} containers did not start`);
      await sleep(100);
      const kids = childrenByParent();
      const ready = waiting.filter((c) => kids.has(c.unshare.pid));
      waiting = waiting.filter((c) => !kids.has(c.unshare.pid));
      const batch = [];
      for (const c of ready) {
        c.init = kids.get(c.unshare.pid)[0];
        for (const [k, dir] of this.cgroupDirs(c.i).map((d, j) => [CONTROLLERS[j], d])) {
          mkdirSync(dir, { recursive: true });
          for (const [file, value] of LIMITS[k]) writeFileSync(`${dir}/${file}`, value);
          writeFileSync(`${dir}/cgroup.procs`, String(c.init));
        }
        if (c.veth) batch.push(`link add ${c.veth} type veth peer name eth0 netns ${c.init}`, `link set ${c.veth} master ${this.bridge} up`);
      }
      if (batch.length > 0) ip(['-batch', '-'], batch.join('\n') + '\n');
      for (const c of ready) c.unshare.stdin.end('go\n');
    }
    // Up: sh has its two children (and, with a veth, the listener bound).
    for (;;) {
      const kids = childrenByParent();
      const pending = fresh.filter((c) => (kids.get(c.init)?.length ?? 0) < 2 || (c.veth && !listening(c.init)));
      if (pending.length === 0) break;
      if (Date.now() > deadline) throw new Error(`${pending.length} of ${fresh.length} containers did not reach their 3 processes`);
      await sleep(200);
    }
  }

  /** Kill every container, remove its cgroups, the veths and the bridge. Idempotent. */
  remove() {
    if (this.removed) return;
    this.removed = true;
    for (const c of this.containers) {
      try {
        c.unshare.kill('SIGKILL'); // --kill-child: its pid namespace's init dies with it
      } catch {}
    }
    const left = () => this.containers.some((c) => this.cgroupDirs(c.i).some((d) => existsSync(d)));
    for (let t = 0; t < 100 && left(); t++) {
      for (const c of this.containers) {
        for (const d of this.cgroupDirs(c.i)) {
          if (!existsSync(d)) continue;
          try {
            for (const p of readFileSync(`${d}/cgroup.procs`, 'utf8').split('\n').filter(Boolean)) {
              try {
                process.kill(Number(p), 'SIGKILL');
              } catch {}
            }
            rmdirSync(d);
          } catch {}
        }
      }
      if (left()) spawnSync('sleep', ['0.1']);
    }
    // A veth goes with its container's netns; delete what is left of ours, then the bridge.
    const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
    for (const m of links.matchAll(/^\d+: ([^:@]+)[@:]/gm)) {
      const n = m[1];
      if (n.startsWith(this.tag) && /^cs[0-9a-z]+(br|v\d+)$/.test(n)) spawnSync('ip', ['link', 'del', n], { stdio: 'ignore' });
    }
  }
}

function ip(args, input) {
  const r = spawnSync('ip', args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** A TCP socket in LISTEN in the netns of pid (a 0A line in net/tcp or net/tcp6: busybox nc binds ::). */
function listening(pid) {
  return ['tcp', 'tcp6'].some((f) => {
    try {
      return / 0A /.test(readFileSync(`/proc/${pid}/net/${f}`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/** Least-squares slope of ys over xs (memory growth per minute in the soak benchmarks). */
export function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
