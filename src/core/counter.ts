// Handlers that only count (the command's `@[func] = count()`, `@ = count()`): ftrace's function
// profiler, which counts in the kernel instead of calling out per hit. Whoever makes such a handler
// says so with `countsLike`; a hit of its probe then adds 1 to a cell, with no call record to fill
// and no handler to call. The cell is the aggregation's own entry, keyed by the site.

import type { CallRecord } from './call.js';
import { SafeWeakMap, WeakMapPrototypeGet, WeakMapPrototypeSet } from './primordials.js';

/**
 * A running count that a hit adds 1 to in place. One class for every cell a site reads, the
 * placeholder below and the maps' own (agg's Tally is this class): a site's read of `live` and
 * `n` then meets one hidden class, where a plain placeholder beside the maps' class instances made
 * it check two at every counted hit (~12 instructions). An entry-only count's calls may wait in
 * their sites' counters meanwhile (count-mode.ts): a reader other than jsprobe's own maps and
 * figures calls creditCounts first.
 */
export class CountCell {
  /**
   * @param n the count so far.
   * @param live false once its map let go of it (cleared, deleted): the next hit asks for another.
   */
  constructor(public n: number, public live = true) {}
}

/** What a counting handler amounts to. */
export interface Counter {
  /**
   * The cell a hit counts into, given the record the handler would have run on (its `func` and
   * `target` are the site's). Null when there is none to be had (a full map): the handler runs,
   * and does what it does then (counts the drop).
   */
  cell(c: CallRecord): CountCell | null;
  /**
   * `n` hits found no cell (`cell` gave null: a full map): count them as the handler would have,
   * at once (the map's drops). Without it, the handler runs for each.
   */
  drop?(c: CallRecord, n: number): void;
}

const counters = new SafeWeakMap<Function, Counter>();

/** `handler` does nothing but what `counter` counts: its probe may count without calling it. */
export function countsLike(handler: Function, counter: Counter): void {
  WeakMapPrototypeSet(counters, handler, counter);
}

export function counterOf(handler: Function | null): Counter | null {
  return handler === null ? null : WeakMapPrototypeGet(counters, handler) ?? null;
}

/** Not a cell yet: the first hit asks for one. The map gets a key only when it is hit, as the handler would add it. */
export const UNASKED = new CountCell(0, false);
