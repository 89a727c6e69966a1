/**
 * The proc connector: the kernel multicasts a record for every fork, exec and exit on the host
 * over netlink (drivers/connector/cn_proc.c; layout in include/uapi/linux/cn_proc.h and
 * include/uapi/linux/connector.h). Listening takes a NETLINK_CONNECTOR socket bound to group
 * CN_IDX_PROC and a PROC_CN_MCAST_LISTEN request; the kernel refuses listeners without
 * CAP_NET_ADMIN in the initial user namespace (cn_proc_mcast_ctl).
 *
 * A datagram holds netlink messages, each:
 *   struct nlmsghdr   16 bytes  { u32 len; u16 type; u16 flags; u32 seq; u32 pid }
 *   struct cn_msg     20 bytes  { u32 idx; u32 val; u32 seq; u32 ack; u16 len; u16 flags }
 *   struct proc_event           { u32 what; u32 cpu; u64 timestamp_ns; union event_data }
 * so the event's union starts 52 bytes into the message. An exit record carries the task's
 * exit_code in wait(2) status form (code << 8, or the terminating signal in the low 7 bits,
 * 0x80 for a core dump) and exit_signal (the signal sent to the parent, SIGCHLD).
 *
 * parseProcEvents is pure; openProcConnector needs root.
 */
import { AF_NETLINK, closeFd, ENOBUFS, libc, libcUnavailable, MSG_DONTWAIT, NETLINK_CONNECTOR, O_CLOEXEC, O_NONBLOCK, SOCK_DGRAM } from './kernel-io.js';

const NLMSG_HDRLEN = 16;
const CN_MSG_LEN = 20;
const EVENT_OFFSET = NLMSG_HDRLEN + CN_MSG_LEN;
const DATA_OFFSET = EVENT_OFFSET + 16;
const NLMSG_DONE = 3;
const CN_IDX_PROC = 1;
const CN_VAL_PROC = 1;
const PROC_CN_MCAST_LISTEN = 1;
/** Bytes of socket receive buffer asked for: some 50,000 records. */
const RECEIVE_BUFFER = 8 * 1024 * 1024;

const PROC_EVENT_FORK = 0x00000001;
const PROC_EVENT_EXEC = 0x00000002;
const PROC_EVENT_EXIT = 0x80000000;

export type ProcEvent =
  | { readonly kind: 'fork'; readonly parentTgid: number; readonly childPid: number; readonly childTgid: number; readonly timestampNs: bigint }
  | { readonly kind: 'exec'; readonly pid: number; readonly tgid: number; readonly timestampNs: bigint }
  | {
      readonly kind: 'exit';
      readonly pid: number;
      readonly tgid: number;
      /** Exit status (0-255) when the process exited; null when a signal ended it. */
      readonly exitCode: number | null;
      /** The signal that ended it, or null when it exited. */
      readonly signal: number | null;
      readonly timestampNs: bigint;
    };

/** Decode wait(2) status form: `code << 8` for an exit, the signal in the low 7 bits for a kill. */
export function decodeWaitStatus(status: number): { exitCode: number | null; signal: number | null } {
  const sig = status & 0x7f;
  return sig === 0 ? { exitCode: (status >> 8) & 0xff, signal: null } : { exitCode: null, signal: sig };
}

/** The fork, exec and exit records in one datagram from the proc connector; others are skipped. */
export function parseProcEvents(buf: Buffer, length = buf.length): ProcEvent[] {
  const out: ProcEvent[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > length) break;
    const idx = len >= EVENT_OFFSET ? buf.readUInt32LE(off + NLMSG_HDRLEN) : 0;
    const val = len >= EVENT_OFFSET ? buf.readUInt32LE(off + NLMSG_HDRLEN + 4) : 0;
    if (idx === CN_IDX_PROC && val === CN_VAL_PROC && len >= DATA_OFFSET + 8) {
      const what = buf.readUInt32LE(off + EVENT_OFFSET);
      const ts = buf.readBigUInt64LE(off + EVENT_OFFSET + 8);
      const d = off + DATA_OFFSET;
      if (what === PROC_EVENT_FORK && len >= DATA_OFFSET + 16) {
        out.push({ kind: 'fork', parentTgid: buf.readInt32LE(d + 4), childPid: buf.readInt32LE(d + 8), childTgid: buf.readInt32LE(d + 12), timestampNs: ts });
      } else if (what === PROC_EVENT_EXEC) {
        out.push({ kind: 'exec', pid: buf.readInt32LE(d), tgid: buf.readInt32LE(d + 4), timestampNs: ts });
      } else if (what === PROC_EVENT_EXIT && len >= DATA_OFFSET + 16) {
        out.push({ kind: 'exit', pid: buf.readInt32LE(d), tgid: buf.readInt32LE(d + 4), ...decodeWaitStatus(buf.readUInt32LE(d + 8)), timestampNs: ts });
      }
    }
    off += (len + 3) & ~3;
  }
  return out;
}

/** The subscription request: a netlink message to the connector asking for process events. */
export function listenRequest(): Buffer {
  const b = Buffer.alloc(NLMSG_HDRLEN + CN_MSG_LEN + 4);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(NLMSG_DONE, 4);
  b.writeUInt32LE(CN_IDX_PROC, NLMSG_HDRLEN);
  b.writeUInt32LE(CN_VAL_PROC, NLMSG_HDRLEN + 4);
  b.writeUInt16LE(4, NLMSG_HDRLEN + 16);
  b.writeUInt32LE(PROC_CN_MCAST_LISTEN, NLMSG_HDRLEN + CN_MSG_LEN);
  return b;
}

export interface ProcConnector {
  readonly fd: number;
  /** Every record queued on the socket; `lost` when the kernel dropped some (ENOBUFS: our queue was full). */
  drain(): { events: ProcEvent[]; lost: boolean };
  close(): void;
}

/** A listening proc connector socket, or the reason there is none. */
export function openProcConnector(): ProcConnector | { error: string } {
  const c = libc();
  if (!c) return { error: libcUnavailable() };
  const fd = c.socket(AF_NETLINK, SOCK_DGRAM | O_NONBLOCK | O_CLOEXEC, NETLINK_CONNECTOR);
  if (fd < 0) return { error: `socket(NETLINK_CONNECTOR): errno ${c.errno()}` };
  // struct sockaddr_nl { u16 nl_family; u16 pad; u32 nl_pid (0: the kernel assigns); u32 nl_groups }
  const addr = Buffer.alloc(12);
  addr.writeUInt16LE(AF_NETLINK, 0);
  addr.writeUInt32LE(CN_IDX_PROC, 8);
  if (c.bind(fd, addr, addr.length) < 0) {
    const e = c.errno();
    closeFd(fd);
    return { error: `bind(CN_IDX_PROC): errno ${e}` };
  }
  // Room for bursts (a hundred containers starting): SO_RCVBUFFORCE (root) past net.core.rmem_max,
  // else SO_RCVBUF up to it. include/uapi/asm-generic/socket.h: SOL_SOCKET 1, SO_RCVBUF 8, SO_RCVBUFFORCE 33.
  const size = Buffer.alloc(4);
  size.writeInt32LE(RECEIVE_BUFFER);
  if (c.setsockopt(fd, 1, 33, size, 4) < 0) c.setsockopt(fd, 1, 8, size, 4);
  const req = listenRequest();
  if (c.send(fd, req, req.length, 0) < 0) {
    const e = c.errno();
    closeFd(fd);
    return { error: `PROC_CN_MCAST_LISTEN: errno ${e}` };
  }
  const buf = Buffer.alloc(RECEIVE_CHUNK);
  return { fd, drain: () => drainProcSocket(fd, buf), close: () => closeFd(fd) };
}

/** Bytes read per recv(2): many records per call. */
export const RECEIVE_CHUNK = 64 * 1024;

/**
 * Every record queued on a proc connector socket (non-blocking reads into buf until EAGAIN);
 * `lost` when the kernel dropped some (ENOBUFS: the queue was full).
 */
export function drainProcSocket(fd: number, buf: Buffer): { events: ProcEvent[]; lost: boolean } {
  const c = libc();
  if (!c) return { events: [], lost: false };
  const events: ProcEvent[] = [];
  let lost = false;
  for (;;) {
    const n = c.recv(fd, buf, buf.length, MSG_DONTWAIT);
    if (n < 0) {
      if (c.errno() === ENOBUFS) {
        lost = true;
        continue;
      }
      break;
    }
    if (n === 0) break;
    for (const ev of parseProcEvents(buf, n)) events.push(ev);
  }
  return { events, lost };
}
