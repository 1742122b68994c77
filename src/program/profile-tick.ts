// The tick of profile:hz:N on a main thread that may be busy: a slice ends about once a second
// (profile.ts), so that the samples reach the handlers while the program runs, even when the
// thread never returns to its event loop. A worker thread of jsprobe's
// own reaches it through an inspector session, whose messages V8 runs as interrupts, even in a
// busy loop (the attach channel thread does the same under -p). Used by `-c` (cli/agent.ts).

import { noteOwnThread } from '../threads/own-threads.js';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { tickProfilers } from './profile.js';

/** How often the slices are looked at: a slice older than SLICE_MS ends (profile.ts). */
export const PROFILE_TICK_MS = 1000;

/** What the tick thread is given. */
export interface ProfileTickData {
  jsprobeProfileTick: true;
  /** The hidden global the thread calls on the main thread. */
  name: string;
  everyMs: number;
}

/** Start ticking this (main) thread's profilers; the thread never keeps the program alive, and ends when nothing samples. */
export function startProfileTick(failed: (e: Error) => void): void {
  const name = `__jsprobe_profile_${randomBytes(12).toString('hex')}`;
  Object.defineProperty(globalThis, name, { enumerable: false, value: (): boolean => tickProfilers() });
  const data: ProfileTickData = { jsprobeProfileTick: true, name, everyMs: PROFILE_TICK_MS };
  const worker = new Worker(new URL('./profile-tick-thread.js', import.meta.url), { workerData: data, stdout: false, stderr: false });
  // jsprobe's own thread: tid numbers the program's threads as if it were not there.
  noteOwnThread(worker.threadId);
  worker.unref();
  worker.once('error', failed);
}
