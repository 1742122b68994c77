// The tick of profile:hz:N on a main thread that may be busy: a slice ends about once a second
// (profile.ts), so that the samples reach the handlers while the program runs, even when the
// thread never returns to its event loop. Used by `-c` (cli/agent.ts).
//
// While the main thread's event loop turns, a timer of its own ticks, and counts each tick in a
// word the tick thread reads. When the count stops (a busy thread), a worker thread of jsprobe's
// own reaches the main thread through an inspector session, whose messages V8 runs as interrupts,
// even in a busy loop (the attach channel thread does the same under -p). That session is
// connected only while the main thread is busy: a session a worker holds to the main thread makes
// Node print "Waiting for the debugger to disconnect..." on the program's stderr when it exits
// through process.exit() (jsprobe's exit() included), and wait for it.

import { clearIntervalSafe, defineOwn, noProto, setIntervalSafe } from '../core/primordials.js';
import { noteOwnThread } from '../threads/own-threads.js';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { tickProfilers } from './profile.js';

/** How often the tick thread looks at the main thread: a slice older than SLICE_MS ends at a tick (profile.ts). */
export const PROFILE_TICK_MS = 1000;
/** The main thread's own ticks, twice per look of the tick thread's: one missed by timer jitter is not "busy". */
export const MAIN_TICK_MS = PROFILE_TICK_MS / 2;

/** Words of the shared tick state. */
export const TICKS = 0;
export const DONE = 1;

/** What the tick thread is given. */
export interface ProfileTickData {
  jsprobeProfileTick: true;
  /** The hidden global the thread calls on the main thread. */
  name: string;
  everyMs: number;
  /** Int32 words: [TICKS] the main thread's own ticks so far, [DONE] 1 once nothing samples there. */
  state: SharedArrayBuffer;
}

/** Start ticking this (main) thread's profilers; the thread never keeps the program alive, and ends when nothing samples. */
export function startProfileTick(failed: (e: Error) => void): void {
  const name = `__jsprobe_profile_${randomBytes(12).toString('hex')}`;
  defineOwn(globalThis, name, { enumerable: false, value: (): boolean => tickProfilers() });
  const state = new SharedArrayBuffer(8);
  const words = new Int32Array(state);
  const own = setIntervalSafe(() => {
    Atomics.add(words, TICKS, 1);
    if (!tickProfilers()) {
      clearIntervalSafe(own);
      Atomics.store(words, DONE, 1);
    }
  }, MAIN_TICK_MS);
  own.unref();
  const data: ProfileTickData = { jsprobeProfileTick: true, name, everyMs: PROFILE_TICK_MS, state };
  const worker = new Worker(new URL('./profile-tick-thread.js', import.meta.url), noProto({ workerData: data, stdout: false, stderr: false }));
  // jsprobe's own thread: tid numbers the program's threads as if it were not there.
  noteOwnThread(worker.threadId);
  worker.unref();
  worker.once('error', failed);
}
