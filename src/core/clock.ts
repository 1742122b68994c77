// The clocks of core. `now()` is the precise clock (performance.now(), 45-90 ns a read on the
// machines measured), for leases, grace periods and pending(). `probeNow()` is what `elapsed` is
// measured with: the same by default, or a coarse shared clock that another thread keeps current
// in a SharedArrayBuffer, read for ~1 ns (see threads/coarse-clock.ts). Both count ms on the same
// base. Core only reads the clock; starting the thread that keeps it is the threads layer's job.

import { MathRound, perf } from './primordials.js';

/** ms since this thread's time origin, with sub-µs fraction. */
export function now(): number {
  return perf.now();
}

let coarse: Float64Array | null = null;
/** performance.timeOrigin of this thread: the coarse clock holds absolute ms. */
let origin = 0;

/** The clock `elapsed` is measured with: ms, on the same base as now(). */
export function probeNow(): number {
  return coarse !== null ? coarse[0] - origin : perf.now();
}

/** Measure `elapsed` with a clock another thread keeps at `view[0]` (absolute ms); null: precise. */
export function setProbeClock(view: Float64Array | null): void {
  coarse = view;
  origin = perf.timeOrigin;
}

type TimingHook = (needed: boolean) => void;
let timingHook: TimingHook | null = null;
let timedSites = 0;

/** Told when the first probe that reads `elapsed` is armed, and when the last one goes. */
export function setTimingHook(hook: TimingHook | null): void {
  timingHook = hook;
  if (hook !== null && timedSites > 0) hook(true);
}

/** A site's snapshot started (+1) or stopped (-1) needing the clock. */
export function countTimedSite(delta: 1 | -1): void {
  timedSites += delta;
  if (delta === 1 && timedSites === 1) timingHook?.(true);
  if (delta === -1 && timedSites === 0) timingHook?.(false);
}

export function nsBetween(t0: number, t1: number): number {
  return MathRound((t1 - t0) * 1e6);
}
