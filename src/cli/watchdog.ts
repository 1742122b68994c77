// Ctrl-C for a busy program. A signal reaches the traced program's main thread only through its
// event loop, which a CPU-bound program never returns to: its maps would never print and only
// SIGKILL would end it. The watchdog is a worker thread of the traced process that reads the
// command's control pipe (stop requests) on its own loop. If the main thread has not started to
// end on its own a moment after a stop, the watchdog connects an inspector session to it: V8 runs
// protocol messages as interrupts, even in a busy loop, so the main thread then prints its maps
// and the watchdog ends the process with the signal, as it would have ended without jsprobe.
// It also notices the command going away (the pipe closes) and has the main thread detach.
// docs/cli.md ("Signals") tells the whole story.

import { randomBytes } from 'node:crypto';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { noteOwnThread } from '../threads/own-threads.js';

/** How long the main thread has to begin ending on its own before the watchdog steps in. */
export const STOP_GRACE_MS = 300;

/** What the watchdog's worker thread is given. */
export interface WatchdogData {
  jsprobeWatchdog: true;
  /** The control pipe from the command: one JSON object a line ({"stop":"SIGINT"}, or --prometheus's {"snapshot":1}). */
  fd: number;
  /** The global through which the inspector session reaches stop() (a random, hidden name). */
  name: string;
  /** [0]: 1 once the main thread has begun to end (on its own or through stop()). */
  state: SharedArrayBuffer;
  port: MessagePort;
}

/** From the main thread to the watchdog: stop() has run; `kill` ends the process with that signal. */
export interface StopAnswer {
  kill?: NodeJS.Signals;
}

/** From the watchdog to the main thread. */
export interface WatchdogNote {
  /** The command went away: stop tracing. */
  detach?: true;
  /** `--prometheus`: the command asks for the maps as they are now (request id). */
  snapshot?: number;
}

export interface Watchdog {
  /** The main thread begins to end on its own: the watchdog stays out of it. */
  ending(): void;
}

export interface WatchdogHooks {
  /**
   * Runs on the main thread, inside whatever it was doing, when a stop has not been handled in
   * time. It prints the maps; it returns true if the process should now end by the signal.
   */
  stop(signal: NodeJS.Signals): boolean;
  detach(): void;
  /** Send the command the maps as they are now, answering its request `id` (on the main thread's event loop). */
  snapshot?(id: number): void;
}

/**
 * Start the watchdog on `fd`. The program does not wait for the thread to boot (that can take a
 * while on a loaded machine); `failed` is told if it cannot start.
 */
export function startWatchdog(fd: number, hooks: WatchdogHooks, failed: (e: Error) => void): Watchdog {
  const state = new Int32Array(new SharedArrayBuffer(4));
  const name = `__jsprobe_stop_${randomBytes(12).toString('hex')}`;
  const { port1, port2 } = new MessageChannel();
  Object.defineProperty(globalThis, name, {
    enumerable: false,
    value: (signal: NodeJS.Signals) => {
      if (Atomics.exchange(state, 0, 1) !== 0) return;
      port1.postMessage({ kill: hooks.stop(signal) ? signal : undefined } satisfies StopAnswer);
    },
  });
  const data: WatchdogData = { jsprobeWatchdog: true, fd, name, state: state.buffer as SharedArrayBuffer, port: port2 };
  const worker = new Worker(new URL('./watchdog-thread.js', import.meta.url), { workerData: data, transferList: [port2], stdout: false, stderr: false });
  noteOwnThread(worker.threadId);
  worker.unref();
  worker.once('error', failed);
  port1.on('message', (m: WatchdogNote) => {
    if (m.detach === true) hooks.detach();
    else if (typeof m.snapshot === 'number') hooks.snapshot?.(m.snapshot);
  });
  // After on('message'), which refs the port: the watchdog must never keep the program alive.
  port1.unref();
  return { ending: () => void Atomics.store(state, 0, 1) };
}
