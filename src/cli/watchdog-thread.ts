// The watchdog's worker thread (watchdog.ts says why it exists). It reads stop requests from the
// command's control pipe; when the main thread has not begun to end a moment later, it reaches it
// through an inspector session, and ends the process with the signal once the maps are out.

import { Session } from 'node:inspector';
import { Socket } from 'node:net';
import { workerData } from 'node:worker_threads';
import { STOP_GRACE_MS, type StopAnswer, type WatchdogData, type WatchdogNote } from './watchdog.js';

const { fd, name, state: sab, port } = workerData as WatchdogData;
const state = new Int32Array(sab);
const SIGNALS = new Set<string>(['SIGINT', 'SIGTERM', 'SIGHUP']);

const note = (m: WatchdogNote): void => port.postMessage(m);

port.on('message', (m: StopAnswer) => {
  // Sent from this thread: the process ends by the signal, as it would have without jsprobe,
  // and with the main thread's signal handlers gone, nothing stands in the way.
  if (m.kill !== undefined) process.kill(process.pid, m.kill);
});

function stop(signal: NodeJS.Signals): void {
  setTimeout(() => {
    if (Atomics.load(state, 0) !== 0) return; // the main thread is ending on its own
    const session = new Session();
    session.connectToMainThread();
    // The answer comes back on `port` (the session's own reply would wait for the busy loop).
    session.post('Runtime.evaluate', { expression: `globalThis[${JSON.stringify(name)}](${JSON.stringify(signal)})` });
  }, STOP_GRACE_MS);
}

let buffered = '';
const control = new Socket({ fd, readable: true, writable: false });
control.setEncoding('utf8');
control.on('data', (chunk: string) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    let m: { stop?: unknown; snapshot?: unknown };
    try {
      m = JSON.parse(line) as typeof m;
    } catch {
      continue;
    }
    if (typeof m.stop === 'string' && SIGNALS.has(m.stop)) stop(m.stop as NodeJS.Signals);
    // --prometheus: the main thread answers on its own event loop, when it gets to it; the command does not wait long.
    else if (typeof m.snapshot === 'number') note({ snapshot: m.snapshot });
  }
});
// The command is gone (killed, or its terminal closed): nobody reads what the probes print.
control.on('end', () => note({ detach: true }));
control.on('error', () => note({ detach: true }));
