// Counting mode's side in the load sites (core/count-mode.ts): each rewritten module's counters,
// one a site, and their crediting to the snapshots they were counted under. A module with whole
// sites adds to them while every probe armed in the thread is an entry-only count; a module
// rewritten for counting alone, while any probe is armed (docs/hot-path.md).

import { keepCounts, shared as d, type Snapshot } from '../../core/index.js';
import { ObjectCreate, SafeFloat64Array, SafeWeakMap, WeakMapPrototypeGet, WeakMapPrototypeSet } from '../../core/primordials.js';
import { COUNTING_GLOBAL, setFlagGlobal } from '../rewrite/abi.js';

type Slots = (Snapshot | null)[];

/**
 * Each module's counters by its slot array, and in a list for crediting them all. A module gets
 * them as it loads, armed or not: 8 bytes a site (174 kB for typescript.js's 21,688), so that its
 * sites never test for them. Made and walked with what jsprobe captured at load, and as long as
 * the slot array (a typed array's `length` is a getter the program may have replaced).
 *
 * A Float64Array, not an array of small integers: where a site is not optimized yet each float it
 * reads is a new HeapNumber, but the small integers cost typescript.js more instructions in all
 * (docs/benchmarks.md, issue 18 round 11).
 */
const countsBySlots = new SafeWeakMap<Slots, Float64Array>();
// A record with no prototype, not an array: a module loads while the program runs, and appending
// to an array would reach a setter the program put on Array.prototype at that index.
const counted = ObjectCreate(null) as Record<number, { slots: Slots; counts: Float64Array }>;
let modules = 0;

export function counts(slots: Slots): Float64Array {
  const k = new SafeFloat64Array(slots.length);
  WeakMapPrototypeSet(countsBySlots, slots, k);
  counted[modules++] = { slots, counts: k };
  return k;
}

/** Credit what slot `i` counted in place to its snapshot, taking it out of the counter. */
function creditSlot(slots: Slots, k: Float64Array, i: number): void {
  const n = k[i];
  if (n === 0) return;
  k[i] = 0;
  const s = slots[i];
  // A count made while the slot held nothing (its function is not probed) is no probe's.
  if (s !== null && s.counted !== null) k[i] += d.creditCalls(s, n);
}

/** The site at slot `index` of `slots` is about to change its snapshot (see SiteBackend.credit). */
export function creditSite(slots: Slots, index: number): void {
  const k = WeakMapPrototypeGet(countsBySlots, slots) as Float64Array | undefined;
  if (k !== undefined) creditSlot(slots, k, index);
}

/** Credit every counter; true when some calls must wait for a later credit (see creditCalls). */
function creditAll(): boolean {
  let left = false;
  for (let m = 0; m < modules; m++) {
    const { slots, counts: k } = counted[m];
    for (let i = 0; i < slots.length; i++) {
      if (k[i] === 0) continue;
      creditSlot(slots, k, i);
      if (k[i] !== 0) left = true;
    }
  }
  return left;
}

keepCounts(creditAll, (on) => {
  try {
    setFlagGlobal(COUNTING_GLOBAL, on);
  } catch {
    // A frozen global object: the flag stays as it was (false), and the sites call their entries.
  }
});

