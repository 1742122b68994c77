// What the one Runtime.evaluate of `jsprobe -p` loads (bundled small, as build/attach-load.cjs):
// it starts the channel thread, and leaves the runtime proper (build/attach-runtime.cjs, remote.ts)
// for later. The inspector port is closed from inside right after (a timer), or by that thread as
// soon as it is up: this is the end of the port's window.

import { randomBytes } from 'node:crypto';
import { close as inspectorClose, url as inspectorUrl } from 'node:inspector';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { inJob } from '../core/job.js';
import { defineOwn, JSONParse, noProto, ownDescriptor, ReflectApply, setImmediateSafe, setTimeoutSafe } from '../core/primordials.js';
import type { LoadOptions } from '../program/messages.js';
import { noteOwnThread, ownThreadsMemory } from '../threads/own-threads.js';
import { Ring } from '../threads/ring.js';
import { CHANNEL_THREAD_NAME, DISCONNECTED, type ChannelData, type MainRequest } from './channel-data.js';

/**
 * Close the inspector jsprobe opened, and again should the same SIGUSR1 open it a second time.
 * Node answers one SIGUSR1 twice, at an interrupt (where a busy thread is) and at the event loop's
 * next turn (a uv_async, run in the loop's poll phase): it starts the inspector at whichever comes
 * first and leaves the other nothing to do, unless jsprobe has closed it in between, which a busy
 * thread lets it do (every step of the attach runs as an interrupt there). That turn then opened
 * the port again, with "Debugger listening" on the target's stderr, and nobody closed it (found by
 * a review: attach/detach rounds on a busy target left it open after a few). So the loop's first
 * check phase after the close, which comes after that poll phase however long the thread is busy
 * first, closes a port open again. Once only: a later start is another SIGUSR1's (the next
 * jsprobe's, which takes the port's lock once this one is closed), and is left alone. The
 * immediate goes in from a job: this may run as an interrupt inside Node's timer code (core/job.ts).
 */
export function closeInspector(): void {
  inspectorClose();
  inJob(() => void setImmediateSafe(() => {
    if (inspectorUrl() !== undefined) inspectorClose();
  }).unref());
}

/**
 * Start the channel thread from what may be an interrupt. Node's Worker constructor queues
 * ticks (the 'worker' event; the pipes of the thread's stdio, not made: it writes to neither), and
 * one queued where processTicksAndRejections has looked at its queue for the last time stays
 * there with the queue's flag off: no tick of the process ran again, and an HTTP service stopped
 * answering (docs/attach.md, "What runs as an interrupt"). So its ticks go to a promise job.
 */
function startThread(data: ChannelData): Worker {
  const own = ownDescriptor(process, 'nextTick');
  const swap = own !== undefined && own.writable === true;
  if (swap) defineOwn(process, 'nextTick', { value: tickInJob });
  try {
    const options = noProto({ workerData: data, name: CHANNEL_THREAD_NAME, stdout: true, stderr: true });
    return new Worker(new URL('./attach-channel.cjs', import.meta.url), options);
  } finally {
    if (swap) defineOwn(process, 'nextTick', { value: own.value });
  }
}

function tickInJob(callback: (...args: unknown[]) => void, ...args: unknown[]): void {
  inJob(() => void ReflectApply(callback, undefined, args));
}

/** The main thread's ring: 1 MiB of events between two drains (every 20 ms) before any is lost. */
const RING_BYTES = 1 << 20;

/**
 * Start the channel thread, which connects out to the command's socket, and put up the hidden
 * global it reaches this thread through. Synchronous, and quick: the runtime proper is required
 * only at the channel thread's first request that needs it (attach), after the inspector port is
 * closed again. Until then the global answers closing the inspector itself, so that the port's
 * window holds no more than this evaluate (an idle target) or the channel thread's boot (a busy one).
 */
export function load(options: LoadOptions): string {
  const ring = Ring.create(RING_BYTES);
  const state = new SharedArrayBuffer(8);
  const name = `__jsprobe_channel_${randomBytes(12).toString('hex')}`;
  // This file runs only as build/attach-load.cjs: the other two bundles are beside it.
  const bundle = fileURLToPath(new URL('./attach-runtime.cjs', import.meta.url));
  const data: ChannelData = { jsprobeChannel: true, socket: options.socket, name, ring: ring.sab, state, bundle, closeInspector: options.closeInspector,
    ownThreads: ownThreadsMemory() };
  // A pause of this thread is let go by the channel thread's session as well (remote.ts): tell it of each.
  const release = (): void => worker.postMessage(null);
  const g = globalThis as unknown as Record<string, (request: string) => string>;
  defineOwn(globalThis, name, {
    configurable: true,
    enumerable: false,
    value: (request: string): string => {
      const { op } = JSONParse(request) as MainRequest;
      if (op === 'close-inspector') {
        closeInspector();
        return 'null';
      }
      // The command went away before attaching: nothing of the runtime's to undo.
      if (op === 'detach') return '[]';
      if (op === 'forget') {
        delete g[name];
        return 'null';
      }
      // The runtime replaces this function with its own.
      (createRequire(import.meta.url)(bundle) as typeof import('./remote.js')).install(ring.sab, state, name, release);
      return op === 'runtime' ? 'null' : g[name](request);
    },
  });
  // After the global: the thread's first request (closing the inspector) goes through it.
  const worker = startThread(data);
  noteOwnThread(worker.threadId);
  // An unhandled 'error' would end the target: a channel thread that fails leaves the command waiting, and it says so.
  worker.on('error', () => {});
  // The answer comes from this thread's JavaScript, so after its half of the thread's inspector
  // session is gone (channel-thread.ts, disconnected()).
  worker.on('message', (m: unknown) => {
    if (m === DISCONNECTED) worker.postMessage(DISCONNECTED);
  });
  // After the 'message' listener, which refs the worker's port (Node does so for a first one): the
  // port held a target whose event loop had ended until jsprobe detached.
  worker.unref();
  // The port's window ends here for an idle target: the command has its answer by then and
  // needs the port no more (it goes on over the channel); closing does not wait for it to
  // disconnect. A busy thread never runs this timer: the channel thread closes it then. The timer
  // goes in from a job (core/job.ts): this evaluate may be an interrupt inside Node's timer code.
  if (options.closeInspector) inJob(() => void setTimeoutSafe(closeInspector, 0).unref());
  return name;
}
