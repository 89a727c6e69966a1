/**
 * Where the proc connector is read: on a thread of its own (a Node worker running
 * proc-watch-worker.ts) when one can be started, so that records are read and exec'ing processes
 * glimpsed the moment the kernel sends them, whatever the main thread is doing; else on the main
 * thread, when the shared epoll set says the socket is readable (then a process that lives less
 * than an observation may be gone before it is read).
 *
 *   const watch = watchProcConnector(root, connector, hostNs, poller, { onBatch, onError });
 *   watch.pull();           // hand over now whatever was read (before an observation)
 *   watch.setSeen(holders); // after an observation: the pid/mnt namespaces it saw, with a holder each
 *   watch.close();          // stops the thread, then closes the socket
 *
 * The worker is the bundle's dist/chunks/events-worker.mjs (scripts/build.mjs); run from the
 * TypeScript sources (tests, vite-node) there is none, and the main thread reads.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { HostRoot } from '../host-root.js';
import { closeFd, eventFd, writeFd } from './kernel-io.js';
import type { FdPoller } from './poller.js';
import type { ProcConnector } from './proc-connector.js';
import { createProcReader, type ProcBatch } from './proc-reader.js';
import type { FromReader, ProcWatchWorkerData, ToReader } from './proc-watch-worker.js';

export interface ProcWatch {
  /** Records read on the reader thread and not handed over yet: handed over now, in order. */
  pull(): void;
  /** The pid and mount namespaces an observation saw, each with a process holding it (ProcReader.setSeen). */
  setSeen(holders: Iterable<readonly [number, number]>): void;
  /** Whether a thread of its own reads the socket. */
  readonly threaded: boolean;
  close(): void;
}

export interface ProcWatchHandlers {
  onBatch(batch: ProcBatch): void;
  /** The reader thread failed (the main thread reads from then on). */
  onError(message: string): void;
}

/** The bundled worker entry (dist/chunks/), or null when running from the sources. */
function workerUrl(): URL | null {
  const here = import.meta.url;
  if (!here.endsWith('.mjs')) return null;
  // The bundle's modules are dist/ctrscope.mjs and dist/chunks/*.mjs.
  return new URL(here.includes('/chunks/') ? './events-worker.mjs' : './chunks/events-worker.mjs', here);
}

export function watchProcConnector(root: HostRoot, connector: ProcConnector, hostNs: { pid: number | null; mnt: number | null }, poller: FdPoller, handlers: ProcWatchHandlers): ProcWatch {
  let seen: ReadonlyArray<readonly [number, number]> = [];
  let closed = false;
  let inline: ReturnType<typeof createProcReader> | null = null;
  let thread: { worker: Worker; port: MessagePort; wake: number } | null = null;

  const readInline = (): void => {
    if (inline) handlers.onBatch(inline.read());
  };
  const goInline = (): void => {
    if (inline || closed) return;
    inline = createProcReader(root, connector.fd, hostNs);
    inline.setSeen(seen);
    poller.add(connector.fd, readInline);
  };
  const onMessage = (m: FromReader): void => {
    if ('batch' in m) handlers.onBatch(m.batch);
    else stopThread(m.error);
  };
  const stopThread = (error: string | null): void => {
    if (!thread) return;
    const t = thread;
    thread = null;
    writeFd(t.wake, ONE);
    // What it read before it stopped is still handed over.
    for (let m = receiveMessageOnPort(t.port); m; m = receiveMessageOnPort(t.port)) onMessage(m.message as FromReader);
    t.port.close();
    void t.worker.terminate().finally(() => {
      closeFd(t.wake);
      if (closed) connector.close();
    });
    process.off('exit', onExit);
    if (error !== null) {
      handlers.onError(error);
      goInline();
    }
  };
  // A worker blocked in poll(2) would hold up the process's exit: wake it first.
  const onExit = (): void => {
    if (thread) writeFd(thread.wake, ONE);
  };

  const url = root.kind === 'live' ? workerUrl() : null;
  const wake = url ? eventFd() : -1;
  if (url && wake >= 0) {
    const { port1, port2 } = new MessageChannel();
    const data: ProcWatchWorkerData = { dir: root.dir, fd: connector.fd, wake, hostNs, port: port2 };
    try {
      const worker = new Worker(url, { workerData: data, transferList: [port2] });
      thread = { worker, port: port1, wake };
      port1.on('message', onMessage);
      worker.on('error', (err) => stopThread(`the proc connector's reader thread failed: ${err.message}`));
      worker.on('exit', () => stopThread(closed ? null : "the proc connector's reader thread ended"));
      process.on('exit', onExit);
    } catch (err) {
      closeFd(wake);
      handlers.onError(`cannot start the proc connector's reader thread: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else if (wake >= 0) closeFd(wake);
  if (!thread) goInline();

  return {
    get threaded() {
      return thread !== null;
    },
    pull() {
      if (thread) for (let m = receiveMessageOnPort(thread.port); m; m = receiveMessageOnPort(thread.port)) onMessage(m.message as FromReader);
      else readInline();
    },
    setSeen(holders) {
      seen = [...holders];
      if (thread) thread.port.postMessage({ seen } satisfies ToReader);
      inline?.setSeen(seen);
    },
    close() {
      if (closed) return;
      closed = true;
      if (thread) stopThread(null);
      else {
        poller.remove(connector.fd);
        connector.close();
      }
    },
  };
}

const ONE = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
