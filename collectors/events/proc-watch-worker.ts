/**
 * The proc connector's reader thread (a Node worker started by proc-watch.ts): it waits on the
 * connector socket with poll(2), reads every record the moment it arrives and completes exec
 * records from /proc (proc-reader.ts), then posts the batch to the main thread. It does nothing
 * else, so a short-lived process is read within microseconds of its exec even while the main
 * thread spends a hundred milliseconds observing the host.
 *
 * workerData: { dir (the HostRoot's), fd (the connector socket), wake (an eventfd: readable
 * means stop), hostNs, port }. The port carries batches to the main thread and, the other way,
 * the namespaces each observation saw (ProcReader.setSeen), taken before each read.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { openHostRoot } from '../host-root.js';
import { EINTR, POLLNVAL, pollIn, setThreadNice } from './kernel-io.js';
import { createProcReader } from './proc-reader.js';

/** The reader thread's nice value: the highest priority of the normal scheduling class. */
export const READER_NICE = -20;

export interface ProcWatchWorkerData {
  readonly dir: string;
  readonly fd: number;
  readonly wake: number;
  readonly hostNs: { readonly pid: number | null; readonly mnt: number | null };
  readonly port: MessagePort;
}

/** Messages from the reader thread. */
export type FromReader = { readonly batch: import('./proc-reader.js').ProcBatch } | { readonly error: string };
/** Messages to the reader thread. */
export interface ToReader {
  /** Namespace inode -> a process holding it (ProcReader.setSeen). */
  readonly seen: ReadonlyArray<readonly [number, number]>;
}

const data = workerData as ProcWatchWorkerData;
// In a burst the reader competes with the burst's own processes for the CPUs; its work per
// record is microseconds, but waiting its turn at the default priority took milliseconds,
// longer than a short container lives. Root (CAP_SYS_NICE), which the proc connector needs
// anyway, may raise this thread's priority alone; elsewhere it stays as it is.
setThreadNice(READER_NICE);
const reader = createProcReader(openHostRoot(data.dir), data.fd, data.hostNs);
const pollSet = Buffer.alloc(16);
for (;;) {
  const ready = pollIn([data.fd, data.wake], pollSet);
  if (typeof ready === 'number') {
    if (ready === -EINTR) continue;
    data.port.postMessage({ error: `poll: errno ${-ready}` } satisfies FromReader);
    break;
  }
  if ((ready[1] ?? 0) !== 0) break;
  if (((ready[0] ?? 0) & POLLNVAL) !== 0) {
    data.port.postMessage({ error: 'the proc connector socket was closed' } satisfies FromReader);
    break;
  }
  for (let m = receiveMessageOnPort(data.port); m; m = receiveMessageOnPort(data.port)) reader.setSeen((m.message as ToReader).seen);
  const batch = reader.read();
  if (batch.events.length > 0 || batch.lost) data.port.postMessage({ batch } satisfies FromReader);
}
data.port.close();
