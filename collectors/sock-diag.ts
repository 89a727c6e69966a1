/**
 * Listening TCP sockets of a network namespace, asked of the kernel through NETLINK_SOCK_DIAG
 * instead of read from /proc/<pid>/net/tcp{,6}.
 *
 * Why: /proc/<pid>/net/tcp walks the kernel's listening hash and then its whole established hash,
 * which is global unless net.ipv4.tcp_child_ehash_entries gives each namespace its own (0, the
 * default, on most hosts): milliseconds per namespace on a busy host. A sock_diag dump whose
 * idiag_states is exactly 1<<TCP_LISTEN walks the listening hash only and stops
 * (net/ipv4/inet_diag.c inet_diag_dump_icsk: `if (!(idiag_states & ~TCPF_LISTEN)) goto out`),
 * and one dump gives both families (listeningTcpOn).
 *
 * The dump answers for the network namespace the netlink socket was created in (sock_net of the
 * requesting socket), so the socket is created inside the target's namespace: setns(2) with
 * CLONE_NEWNET on /proc/<pid>/ns/net moves only the calling thread (kernel/nsproxy.c switches
 * current's nsproxy), the socket is made, and the thread moves back to its own namespace at once;
 * the request and replies then go through the socket from anywhere. setns(CLONE_NEWNET) needs
 * CAP_SYS_ADMIN over the namespace (net/core/net_namespace.c netns_install).
 *
 * The fields are those /proc/net/tcp prints for the same sockets (family, local address
 * inet_rcv_saddr, source port, inode sock_i_ino), so the two paths give identical sockets.
 *
 * libc is reached through koffi, loaded on first use. Unavailable (koffi cannot load, not
 * privileged): the caller reads the proc files instead, and netlink is not tried again in this
 * process; a kernel without sock_diag or tcp_diag: the TCP sockets come from the proc files, and
 * no sock_diag dump is tried again (rtnetlink still is). A process that exits before its
 * namespace is opened is 'gone'.
 */
import { createRequire } from 'node:module';
import { formatIpv6Bytes } from './procfs/net-if-inet6.js';

export interface DiagSocket {
  readonly proto: 'tcp' | 'tcp6';
  readonly address: string;
  readonly port: number;
  readonly inode: number;
}

export type SockDiagResult =
  | { readonly ok: true; readonly sockets: DiagSocket[] }
  /** gone: the process (and perhaps its namespace) went away; unavailable: use the proc files; failed: a netlink error. */
  | { readonly ok: false; readonly reason: 'gone' | 'unavailable' | 'failed'; readonly detail: string };

/** include/uapi/linux/{netlink,sock_diag,inet_diag}.h, include/net/tcp_states.h, bits/fcntl.h */
const AF_NETLINK = 16;
export const AF_INET = 2;
export const AF_INET6 = 10;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
export const NETLINK_SOCK_DIAG = 4;
export const NETLINK_ROUTE = 0;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_DUMP = 0x300;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_HDRLEN = 16;
const SOCK_DIAG_BY_FAMILY = 20;
const IPPROTO_TCP = 6;
const TCP_LISTEN = 10;
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;
const CLONE_NEWNET = 0x40000000;
/** struct inet_diag_req_v2: family, protocol, ext, pad, states, then struct inet_diag_sockid (48 bytes). */
const REQ_LEN = NLMSG_HDRLEN + 56;
/** struct inet_diag_msg: family, state, timer, retrans, sockid (48), expires, rqueue, wqueue, uid, inode. */
const MSG_LEN = 72;
const ENOENT = 2;
const ESRCH = 3;
const EINTR = 4;
const EINVAL = 22;
export const EOPNOTSUPP = 95;

interface Libc {
  open(path: string, flags: number): number;
  close(fd: number): number;
  setns(fd: number, nstype: number): number;
  socket(domain: number, type: number, protocol: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  errno(): number;
}

/** Bound libc, null once found unusable (with why), undefined before the first try. */
let libc: Libc | null | undefined;
let unusable = '';
/** This thread's own network namespace, to come back to. */
let homeFd = -1;
const recvBuf = Buffer.allocUnsafe(65536);

function bind(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    // createRequire, not import: callers are synchronous, and the bundle keeps koffi external.
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const lib = koffi.load(null);
    libc = {
      open: lib.func('int open(const char *path, int flags)'),
      close: lib.func('int close(int fd)'),
      setns: lib.func('int setns(int fd, int nstype)'),
      socket: lib.func('int socket(int domain, int type, int protocol)'),
      send: lib.func('long send(int fd, void *buf, unsigned long len, int flags)'),
      recv: lib.func('long recv(int fd, void *buf, unsigned long len, int flags)'),
      errno: () => koffi.errno(),
    };
    // The namespace of the thread that will call setns (the main thread), not the process's.
    homeFd = libc.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC);
    if (homeFd < 0) return disable(`cannot open our own network namespace (errno ${libc.errno()})`);
  } catch (err) {
    return disable(`koffi cannot load here (${err instanceof Error ? err.message : String(err)})`);
  }
  return libc;
}

function disable(why: string): null {
  libc = null;
  unusable = why;
  return null;
}

/** Why sock_diag is not used in this process, or null while it is (or has not been tried). */
export function sockDiagUnavailable(): string | null {
  return libc === null ? unusable : sockDiagOff;
}

/**
 * Why this kernel answers no sock_diag TCP dump (no NETLINK_SOCK_DIAG socket, no tcp_diag), once
 * found: TCP sockets are then read from the proc files, while rtnetlink is still asked.
 */
let sockDiagOff: string | null = null;

/**
 * Netlink sockets of the given protocols, created inside pid's network namespace (see the file
 * header: setns moves only this thread, which moves back before returning). A protocol whose
 * socket cannot be made (a kernel without it) has fd -1 and its errno in `errnos`; the others
 * are made all the same. The caller closes them with closeNetlink. Failures are those of
 * listeningTcpByNetlink.
 */
export function netlinkSocketsIn(pid: number | 'self', protocols: readonly number[]): { readonly ok: true; readonly fds: number[]; readonly errnos: number[] } | Extract<SockDiagResult, { ok: false }> {
  const c = bind();
  if (!c) return { ok: false, reason: 'unavailable', detail: unusable };
  const path = `/proc/${pid}/ns/net`;
  const nsFd = c.open(path, O_RDONLY | O_CLOEXEC);
  if (nsFd < 0) {
    const e = c.errno();
    if (e === ENOENT || e === ESRCH) return { ok: false, reason: 'gone', detail: `${path}: process exited` };
    return { ok: false, reason: 'failed', detail: `open ${path}: errno ${e}` };
  }
  const fds: number[] = [];
  const errnos: number[] = [];
  try {
    if (c.setns(nsFd, CLONE_NEWNET) < 0) {
      // EPERM: not privileged over that namespace; the proc files still tell.
      disable(`setns(CLONE_NEWNET): errno ${c.errno()}`);
      return { ok: false, reason: 'unavailable', detail: unusable };
    }
    for (const protocol of protocols) {
      const fd = c.socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, protocol);
      fds.push(fd);
      errnos.push(fd < 0 ? c.errno() : 0);
    }
    if (c.setns(homeFd, CLONE_NEWNET) < 0) {
      // Never expected; every later read would be made from the wrong namespace.
      throw new Error(`netlink: cannot return to our own network namespace (errno ${c.errno()})`);
    }
  } finally {
    c.close(nsFd);
  }
  return { ok: true, fds, errnos };
}

/**
 * The answer for a socket that could not be made: rtnetlink missing ends netlink for this
 * process (nothing is asked of it again), sock_diag missing ends only the TCP dumps.
 */
export function noSocket(protocol: number, errno: number): Extract<SockDiagResult, { ok: false }> {
  if (protocol === NETLINK_SOCK_DIAG) {
    sockDiagOff = `socket(AF_NETLINK, NETLINK_SOCK_DIAG): errno ${errno} (a kernel without sock_diag?)`;
    return { ok: false, reason: 'unavailable', detail: sockDiagOff };
  }
  disable(`socket(AF_NETLINK, ${protocol}): errno ${errno}`);
  return { ok: false, reason: 'unavailable', detail: unusable };
}

export function closeNetlink(fds: readonly number[]): void {
  for (const fd of fds) if (fd >= 0) libc?.close(fd);
}

/**
 * Send one netlink dump request on fd and hand each recv()'d batch of replies to `batch`, until it
 * says 'done' or answers an errno (negative). Returns null at the end of the dump, else the errno.
 */
export function netlinkDump(fd: number, request: Buffer, batch: (replies: Buffer) => 'done' | 'more' | number): number | null {
  const c = libc;
  if (!c) return -22;
  if (c.send(fd, request, request.length, 0) !== request.length) return -c.errno();
  for (;;) {
    const n = c.recv(fd, recvBuf, recvBuf.length, 0);
    if (n < 0) {
      if (c.errno() === EINTR) continue;
      return -c.errno();
    }
    const r = batch(recvBuf.subarray(0, n));
    if (r === 'more') continue;
    return r === 'done' ? null : r;
  }
}

/**
 * The listening TCP sockets (IPv4 and IPv6) of pid's network namespace, where pid is a process of
 * the live host (`/proc` of the host's pid namespace).
 */
export function listeningTcpByNetlink(pid: number): SockDiagResult {
  if (sockDiagOff !== null) return { ok: false, reason: 'unavailable', detail: sockDiagOff };
  const opened = netlinkSocketsIn(pid, [NETLINK_SOCK_DIAG]);
  if (!opened.ok) return opened;
  try {
    const sock = opened.fds[0] as number;
    return sock < 0 ? noSocket(NETLINK_SOCK_DIAG, opened.errnos[0] as number) : listeningTcpOn(sock);
  } finally {
    closeNetlink(opened.fds);
  }
}

/**
 * The listening TCP sockets through a NETLINK_SOCK_DIAG socket made in the namespace asked about:
 * both families in one dump (BOTH_FAMILIES_REQUEST), else, where the kernel answers that one with an
 * error, one SOCK_DIAG_BY_FAMILY dump per family (`perFamily`: those alone).
 */
export function listeningTcpOn(sock: number, perFamily = false): SockDiagResult {
  if (sockDiagOff !== null) return { ok: false, reason: 'unavailable', detail: sockDiagOff };
  const sockets: DiagSocket[] = [];
  if (!perFamily && bothFamiliesLive) {
    const r = netlinkDump(sock, BOTH_FAMILIES_REQUEST, (buf) => parseDiagMessages(buf, TCPDIAG_GETSOCK, sockets));
    if (r === null) return { ok: true, sockets };
    // Not this kernel's (EOPNOTSUPP: no compat handler; EINVAL: the request refused): not asked
    // again. Any other error may be this namespace's alone: the dumps per family tell.
    if (r === -EOPNOTSUPP || r === -EINVAL) bothFamiliesLive = false;
    sockets.length = 0;
  }
  for (const family of [AF_INET, AF_INET6]) {
    const r = dump(sock, family, sockets);
    if (r !== null) return r;
  }
  return { ok: true, sockets };
}

/**
 * One dump of both families' listening TCP sockets: the older TCPDIAG_GETSOCK request (struct
 * inet_diag_req) is served by net/ipv4/inet_diag.c inet_diag_dump_compat, which asks with
 * sdiag_family AF_UNSPEC, and inet_diag_dump_icsk then keeps every family. A SOCK_DIAG_BY_FAMILY
 * dump keeps its one family, and each dump walks every bucket of the listening hash (16,384 on
 * this 24 GiB machine, about 25 µs): one walk per namespace instead of two. The replies carry the
 * request's type, with the same struct inet_diag_msg. Cleared when the kernel refuses it.
 */
let bothFamiliesLive = true;
/** Whether the dump of both families is still asked for (the kernel has not refused it). */
export const bothFamiliesInOneDump = (): boolean => bothFamiliesLive;
const TCPDIAG_GETSOCK = 18;
/** struct inet_diag_req: family, src_len, dst_len, ext, struct inet_diag_sockid (48 bytes), states, dbs. */
const BOTH_FAMILIES_REQUEST = (() => {
  const len = NLMSG_HDRLEN + 60;
  const req = Buffer.alloc(len);
  req.writeUInt32LE(len, 0);
  req.writeUInt16LE(TCPDIAG_GETSOCK, 4);
  req.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  req.writeUInt32LE(1, 8); // sequence number: any
  // idiag_family stays AF_UNSPEC: the kernel does not read it for a dump.
  req.writeUInt32LE(1 << TCP_LISTEN, NLMSG_HDRLEN + 52);
  return req;
})();

/** Whether sock_diag is still worth a socket in the next namespace (not found missing yet). */
export const sockDiagLive = (): boolean => sockDiagOff === null;

/** One SOCK_DIAG_BY_FAMILY dump of a family's listening TCP sockets; null when it ended well. */
function dump(sock: number, family: number, out: DiagSocket[]): SockDiagResult | null {
  const req = Buffer.alloc(REQ_LEN);
  req.writeUInt32LE(REQ_LEN, 0);
  req.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
  req.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  req.writeUInt32LE(family, 8); // sequence number: any
  req.writeUInt8(family, 16);
  req.writeUInt8(IPPROTO_TCP, 17);
  req.writeUInt32LE(1 << TCP_LISTEN, 20);
  const r = netlinkDump(sock, req, (buf) => parseDiagMessages(buf, SOCK_DIAG_BY_FAMILY, out));
  if (r === null) return null;
  // No handler for the family or protocol (tcp_diag not built or loaded): the files still tell.
  if (r === -ENOENT) {
    sockDiagOff = 'sock_diag has no TCP handler in this kernel (tcp_diag)';
    return { ok: false, reason: 'unavailable', detail: sockDiagOff };
  }
  return { ok: false, reason: 'failed', detail: `sock_diag: errno ${-r}` };
}

/**
 * Little-endian integers at offsets the caller has checked against the message's bounds. Buffer's
 * own readUInt16LE and readUInt32LE validate their offset through a wrapper that allocates at
 * each call: thousands of calls per dump of a host with a thousand network namespaces.
 */
export const u16le = (b: Buffer, at: number): number => (b[at] as number) | ((b[at + 1] as number) << 8);
export const u32le = (b: Buffer, at: number): number => ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16)) + (b[at + 3] as number) * 0x1000000;
export const i32le = (b: Buffer, at: number): number => (b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24);

/**
 * Walk one recv()'d batch of netlink replies, calling `visit` with the payload bounds of each
 * message of `type` whose payload holds at least `minPayload` bytes. Returns 'done' at
 * NLMSG_DONE, 'more' when the dump continues in the next batch, or a negative errno the kernel
 * answered with (NLMSG_ERROR, or an NLMSG_DONE carrying one; -EINVAL for a truncated message).
 */
export function walkNetlinkReplies(buf: Buffer, type: number, minPayload: number, visit: (payload: number, end: number) => void): 'done' | 'more' | number {
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = u32le(buf, off);
    const t = u16le(buf, off + 4);
    if (len < NLMSG_HDRLEN || off + len > buf.length) return -22;
    if (t === NLMSG_DONE) {
      const err = len >= NLMSG_HDRLEN + 4 ? buf.readInt32LE(off + NLMSG_HDRLEN) : 0;
      return err < 0 ? err : 'done';
    }
    if (t === NLMSG_ERROR) {
      const err = buf.readInt32LE(off + NLMSG_HDRLEN);
      return err < 0 ? err : 'done';
    }
    if (t === type && len >= NLMSG_HDRLEN + minPayload) visit(off + NLMSG_HDRLEN, off + len);
    off += (len + 3) & ~3;
  }
  return 'more';
}

/**
 * Append the listening TCP sockets (IPv4 and IPv6) of one recv()'d batch of sock_diag replies of
 * `type` (the request's: SOCK_DIAG_BY_FAMILY, or TCPDIAG_GETSOCK for the dump of both families)
 * to out (see walkNetlinkReplies for the result). Exported for tests on captured replies.
 */
export function parseDiagMessages(buf: Buffer, type: number, out: DiagSocket[]): 'done' | 'more' | number {
  return walkNetlinkReplies(buf, type, MSG_LEN, (m) => {
    const fam = buf[m];
    if ((fam !== AF_INET && fam !== AF_INET6) || buf[m + 1] !== TCP_LISTEN) return;
    const port = ((buf[m + 4] as number) << 8) | (buf[m + 5] as number);
    const address = fam === AF_INET ? `${buf[m + 8]}.${buf[m + 9]}.${buf[m + 10]}.${buf[m + 11]}` : formatIpv6Bytes(buf, m + 8);
    out.push({ proto: fam === AF_INET ? 'tcp' : 'tcp6', address, port, inode: u32le(buf, m + 68) });
  });
}
