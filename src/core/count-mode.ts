// Counting mode: while every probe armed in the thread is an entry-only count (the command's
// `fn:… { @[func] = count() }`, `fn:… { @ = count() }`), a loaded module's sync sites add 1 to a
// counter of their own, in place, and call nothing (sites/rewrite/instrument.ts, prologueOf). An
// entry that is never called gets no feedback, so V8 inlines none of it into the probed function
// and its callers: the armed site costs a load, an add and a store (docs/hot-path.md).
//
// The counts wait in the counters until something may read what they add to. Core credits them
// to their cells, as the entries would have counted them, before a site's snapshot changes (its
// own counter, by its backend's `credit`), before a block or a handler that is not a count runs
// (asHandler), before the maps or a probe's figures are read (creditCounts), and all of them when
// the mode goes off: only probes that count are armed while it is on, so no probe's handler reads
// a map with counts still waiting.

import type { Snapshot } from './site.js';

/** Armed snapshots in the thread, and those of them that are not entry-only counts. */
let armed = 0;
let others = 0;
let on = false;
/** Counts may wait in some counter: counting mode is on, or was since they were last credited. */
let waiting = false;
/**
 * Registration is sealed for counting (registry.ts, sealCounting): modules rewritten for counting
 * alone count in place whatever the mode, so every read credits.
 */
let always = false;
/** Each credits every count waiting in its counters; true when some must wait for a later credit. */
const creditors: (() => boolean)[] = [];
const listeners: ((on: boolean) => void)[] = [];

/**
 * Hear when counting mode goes on or off (`onChange`), and credit every count waiting in the
 * counters the caller keeps when asked (`credit`): the load sites' runtime, once per thread.
 */
export function keepCounts(credit: () => boolean, onChange: (on: boolean) => void): void {
  creditors[creditors.length] = credit;
  listeners[listeners.length] = onChange;
  if (on) onChange(true);
}

/** Whether the sites count in place now. */
export function counting(): boolean {
  return on;
}

/** A site's snapshot goes from `from` to `to` (called before the site reads `to`). */
export function snapshotChanging(from: Snapshot | null, to: Snapshot | null): void {
  if (from !== null) {
    armed--;
    if (from.entryCount === null) others--;
  }
  if (to !== null) {
    armed++;
    if (to.entryCount === null) others++;
  }
  const now = armed > 0 && others === 0;
  if (now === on) return;
  // Going off: the probe coming may read or clear the maps at its first hit, and runs as a
  // handler, which credits nothing first. So every count waiting is credited now, while the
  // snapshots are still those it was counted under (the changing site's own is credited already).
  if (!now) creditAll();
  on = now;
  if (now) waiting = true;
  for (let i = 0; i < listeners.length; i++) listeners[i](now);
}

function creditAll(): void {
  let left = false;
  for (let i = 0; i < creditors.length; i++) if (creditors[i]()) left = true;
  waiting = on || left || always;
}

/** From now on every read credits the counters, in counting mode or not (see `always`). */
export function keepCrediting(): void {
  always = true;
  waiting = true;
}

/**
 * What runs the work put off while a credit asked a map for a cell (handlers.ts registers it):
 * not inside a credit, and never inside a snapshot's change, whose publishing it could interleave.
 */
let afterCredit: () => void = () => {};

export function setAfterCredit(f: () => void): void {
  afterCredit = f;
}

/**
 * Credit every count waiting in the counters to its cell: before anything reads a map or a
 * probe's figures. A read put off meanwhile runs after, when every count is in its cell.
 */
export function creditCounts(): void {
  // While counting, more may come; once off, one credit takes the last of them.
  if (!waiting) return;
  creditAll();
  afterCredit();
}
