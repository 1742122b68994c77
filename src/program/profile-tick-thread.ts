// The profile tick's worker thread (profile-tick.ts says why it exists): every so often it has
// the main thread end its profile slices, through an inspector session to it; it ends when the
// main thread samples no more.

import { Session } from 'node:inspector';
import { workerData } from 'node:worker_threads';
import type { ProfileTickData } from './profile-tick.js';

const { name, everyMs } = workerData as ProfileTickData;
const session = new Session();
session.connectToMainThread();
const expression = `globalThis[${JSON.stringify(name)}]()`;
/** How long this thread outlives its session to the main thread. */
const DISCONNECT_SETTLE_MS = 500;

const timer = setInterval(() => {
  session.post('Runtime.evaluate', { expression, returnByValue: true, silent: true }, (e, r) => {
    if (e !== null || r.result.value !== true) {
      clearInterval(timer);
      session.disconnect();
      // As the attach channel's thread does: ending the thread at once, while the main thread still
      // tears the session down, can abort the process (Node's connectToMainThread teardown races it).
      setTimeout(() => {}, DISCONNECT_SETTLE_MS);
    }
  });
}, everyMs);
