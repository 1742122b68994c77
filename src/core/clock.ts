// The clocks of core. `now()` is the precise clock (process.hrtime(), the monotonic clock that
// performance.now() reads too, as fast a read: ~85-100 ns on the machines measured), for leases,
// grace periods and pending(). `probeNow()` is what `elapsed` is measured with: the same by
// default, or a coarse shared clock that another thread keeps current in a SharedArrayBuffer, read
// for ~1 ns (see threads/coarse-clock.ts). Both count ms on the same base, the monotonic clock's
// own (not performance.now()'s origin): whoever needs a time of day adds an offset of its own
// to it (program/spans.ts, threads/coarse-clock.ts).
// Core only reads the clock; starting the thread that keeps it is the threads layer's job.
//
// Not performance.now(): the first read of the `performance` global loads node:perf_hooks (~9 M
// instructions of a traced child on Node 24, docs/benchmarks.md) in every traced process, which
// one that times nothing never needs; and a lazy read of that global later would get whatever
// the program has put there since (fake timers do). process.hrtime is captured as jsprobe loads
// (primordials.ts).

import { Hrtime, MathRound } from './primordials.js';

/** ms on the monotonic clock's base, with sub-µs fraction. */
export function now(): number {
  const t = Hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

let coarse: Float64Array | null = null;
/** What the coarse clock's absolute ms less now() is. */
let origin = 0;

/** The clock `elapsed` is measured with: ms, on the same base as now(). */
export function probeNow(): number {
  return coarse !== null ? coarse[0] - origin : now();
}

/**
 * Measure `elapsed` with a clock another thread keeps at `view[0]` (absolute ms, as
 * `performance.timeOrigin + performance.now()`); null: precise. `absolute` is that clock's time
 * now, read by the caller, which has `performance` at hand.
 */
export function setProbeClock(view: Float64Array | null, absolute = 0): void {
  coarse = view;
  origin = absolute - now();
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
