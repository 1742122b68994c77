// The profile tick's worker thread (profile-tick.ts says why it exists): every so often it has
// the main thread end the profile slices that have run their longest, through an inspector
// session to it; it ends when the main thread samples no more.

import { Session } from 'node:inspector';
import { workerData } from 'node:worker_threads';
import type { ProfileTickData } from './profile-tick.js';

const { name, everyMs } = workerData as ProfileTickData;
const session = new Session();
session.connectToMainThread();
const expression = `globalThis[${JSON.stringify(name)}]()`;

const timer = setInterval(() => {
  session.post('Runtime.evaluate', { expression, returnByValue: true, silent: true }, (e, r) => {
    if (e !== null || r.result.value !== true) {
      clearInterval(timer);
      session.disconnect();
    }
  });
}, everyMs);
