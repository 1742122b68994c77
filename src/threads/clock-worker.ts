// The coarse clock's thread: keeps the current time (absolute ms) at f64[0] of the shared buffer,
// as fast as it can, until i32[2] (the stop flag, after the f64) is set. It spins: sleeping even a
// few µs between writes would make the clock that coarse.

import { parentPort, workerData } from 'node:worker_threads';

const sab = (workerData as { sab: SharedArrayBuffer }).sab;
const time = new Float64Array(sab, 0, 1);
const flags = new Int32Array(sab, 8, 1);
const origin = performance.timeOrigin;
time[0] = origin + performance.now();
parentPort!.postMessage('ready');
while (Atomics.load(flags, 0) === 0) {
  time[0] = origin + performance.now();
}
