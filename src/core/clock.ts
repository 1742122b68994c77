// The one clock of the hot path. performance.now() costs 50-90 ns on the machines measured, so it
// is read only for probes whose handlers use `elapsed` (see handler-use.ts) and once per frame.

import { perf } from './primordials.js';

/** ms, with sub-µs fraction. */
export function now(): number {
  return perf.now();
}

export function nsBetween(t0: number, t1: number): number {
  return Math.round((t1 - t0) * 1e6);
}
