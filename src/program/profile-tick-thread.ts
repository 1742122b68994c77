// The profile tick's worker thread (profile-tick.ts says why it exists): every so often, if the
// main thread has not ticked by itself since the last look (it is busy), it has the main thread end
// its profile slices through an inspector session to it, connected while the main thread stays
// busy; it ends when the main thread samples no more.

import { Session } from 'node:inspector';
import { workerData } from 'node:worker_threads';
import { DONE, TICKS, type ProfileTickData } from './profile-tick.js';

const { name, everyMs, state } = workerData as ProfileTickData;
const words = new Int32Array(state);
const expression = `globalThis[${JSON.stringify(name)}]()`;
/** How long this thread outlives its session to the main thread. */
const DISCONNECT_SETTLE_MS = 500;

let session: Session | null = null;
let seen = Atomics.load(words, TICKS);

function disconnect(): void {
  if (session === null) return;
  session.disconnect();
  session = null;
  // As the attach channel's thread does: ending the thread at once, while the main thread still
  // tears the session down, can abort the process (Node's connectToMainThread teardown races it).
  setTimeout(() => {}, DISCONNECT_SETTLE_MS);
}

function end(): void {
  clearInterval(timer);
  disconnect();
}

const timer = setInterval(() => {
  if (Atomics.load(words, DONE) === 1) return end();
  const ticks = Atomics.load(words, TICKS);
  if (ticks !== seen) {
    // The main thread's loop turns: it ticks by itself, and needs no session.
    seen = ticks;
    disconnect();
    return;
  }
  if (session === null) {
    session = new Session();
    session.connectToMainThread();
  }
  const asked = session;
  asked.post('Runtime.evaluate', { expression, returnByValue: true, silent: true }, (e, r) => {
    // An answer to a session disconnected since (the main thread ticks by itself again) is no news.
    if (asked !== session) return;
    if (e !== null || r.result.value !== true) end();
  });
}, everyMs);
