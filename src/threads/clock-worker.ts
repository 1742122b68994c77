// The coarse clock's thread: keeps the current time (absolute ms) at f64[0] of the shared buffer,
// as fast as it can, until the stop flag (i32 after the f64) is set. It spins: sleeping even a
// few µs between writes would make the clock that coarse.

import { workerData } from 'node:worker_threads';

const sab = (workerData as { sab: SharedArrayBuffer }).sab;
const time = new Float64Array(sab, 0, 1);
/** flags[0]: stop; flags[1]: running (the starting thread waits for it). */
const flags = new Int32Array(sab, 8, 2);
const origin = performance.timeOrigin;
time[0] = origin + performance.now();
Atomics.store(flags, 1, 1);
Atomics.notify(flags, 1);
while (Atomics.load(flags, 0) === 0) {
  time[0] = origin + performance.now();
}
