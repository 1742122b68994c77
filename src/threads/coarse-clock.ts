// The coarse shared clock for `elapsed` (kernel analogue: a cheap clocksource). The precise clock
// costs ~45 ns here, twice per call: ~90 ns, more than a probe hit. With JSPROBE_CLOCK=coarse a
// thread of its own keeps the time in a SharedArrayBuffer instead, and a probe reads it for ~1 ns.
// The price: one core spins while a probe that reads `elapsed` is armed, and a reading is as fresh
// as that thread's last write: ~100 ns, or a scheduler tick (ms) when the OS preempts the thread
// on a busy machine. That is why it is not the default: for calls that take ms (a query, a
// request) 90 ns is nothing and ms of error is a lot; for every function of a compiler it is the
// other way round. On a single core it is never used.

import { Worker } from 'node:worker_threads';
import { setProbeClock, setTimingHook } from '../core/index.js';
import { lazyBuiltin } from '../sites/builtin.js';
import { noteOwnThread } from './own-threads.js';
import { noProto } from '../core/primordials.js';

let flags: Int32Array | null = null;

/** How long arming may wait for the clock thread to run (it is usually ~20 ms). */
const START_WAIT_MS = 500;

function start(): void {
  const sab = new SharedArrayBuffer(16);
  const time = new Float64Array(sab, 0, 1);
  time[0] = performance.timeOrigin + performance.now();
  flags = new Int32Array(sab, 8, 2);
  const w = new Worker(new URL('./clock-worker.js', import.meta.url), noProto({ workerData: { jsprobeClock: true, sab } }));
  noteOwnThread(w.threadId);
  w.unref();
  w.on('error', () => {
    setProbeClock(null);
  });
  // Wait here for the thread to run, rather than for a message: a program busy from now on (a
  // compiler) would never turn its event loop to hear it. If it does not start, keep the precise clock.
  if (Atomics.wait(flags, 1, 0, START_WAIT_MS) !== 'timed-out' || Atomics.load(flags, 1) === 1) {
    // Its base now, read beside core's clock (whose base is not the epoch: core/clock.ts).
    setProbeClock(time, performance.timeOrigin + performance.now());
  }
}

function stop(): void {
  setProbeClock(null);
  if (flags !== null) Atomics.store(flags, 0, 1);
  flags = null;
}

// Loaded at its first use, not imported: every traced process would load node:os for this one question.
const nodeOs = lazyBuiltin<typeof import('node:os')>('node:os');

export function clockMode(env: NodeJS.ProcessEnv = process.env): 'coarse' | 'precise' {
  return env.JSPROBE_CLOCK === 'coarse' && nodeOs().availableParallelism() > 1 ? 'coarse' : 'precise';
}

/** With JSPROBE_CLOCK=coarse, run the coarse clock while probes that read `elapsed` are armed. */
export function installCoarseClock(): void {
  if (clockMode() === 'precise') return;
  setTimingHook((needed) => (needed ? start() : stop()));
}
