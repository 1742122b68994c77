// One thread of bench:threads (see threads.ts): waits on the barrier, then calls its probed
// function in a tight loop for `ms` and reports calls per second and calls made.

import { parentPort, workerData } from 'node:worker_threads';
import { register } from '../src/index.js';
import { ThreadSlots } from '../src/threads/slots.js';

const { design, ms, barrier, shared, slots } = workerData as {
  design: string; ms: number; barrier: SharedArrayBuffer; shared: SharedArrayBuffer; slots: SharedArrayBuffer;
};
const gate = new Int32Array(barrier);
// [0]: the shared counter; [16]: the lock word (its own cache line); [32..39]: the shared map.
const cells = new Int32Array(shared);

function target(a: number): number {
  return a + 1;
}

const holder = { fn: target };
if (design === 'jsprobe') {
  // A counting entry probe: it counts in this thread's row of the shared slots (its own cache
  // lines, plain stores), which the main thread sums when it reads (src/threads/slots.ts).
  const row = new ThreadSlots(slots).claim();
  register({ target: { object: holder, key: 'fn' }, onEntry: () => { row[0]++; } });
} else if (design === 'atomic') {
  holder.fn = (a: number) => {
    Atomics.add(cells, 0, 1);
    return target(a);
  };
} else if (design === 'locked') {
  holder.fn = (a: number) => {
    while (Atomics.compareExchange(cells, 16, 0, 1) !== 0) {
      // spin: the lock holder is another thread
    }
    cells[32 + (a & 7)]++;
    Atomics.store(cells, 16, 0);
    return target(a);
  };
}

Atomics.add(gate, 1, 1);
Atomics.wait(gate, 0, 0);
const t0 = performance.now();
const end = t0 + ms;
let calls = 0;
let sink = 0;
while (performance.now() < end) {
  for (let i = 0; i < 10_000; i++) sink += holder.fn(i);
  calls += 10_000;
}
const seconds = (performance.now() - t0) / 1000;
parentPort!.postMessage({ hitsPerSec: calls / seconds, calls, sink });
