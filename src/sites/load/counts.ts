// Counting mode's side in the load sites (core/count-mode.ts): each rewritten module's counters,
// one a site, that its sync sites add to while every probe armed in the thread is an entry-only
// count, and their crediting to the snapshots they were counted under.

import { keepCounts, shared as d, type Snapshot } from '../../core/index.js';
import { JSONParse, ObjectCreate, SafeWeakMap, StringPrototypeRepeat, WeakMapPrototypeGet, WeakMapPrototypeSet } from '../../core/primordials.js';
import { COUNTING_GLOBAL } from '../rewrite/abi.js';

type Slots = (Snapshot | null)[];

/**
 * Each module's counters by its slot array, and in a list for crediting them all. A module gets
 * them as it loads, armed or not, so that its sites never test for them: a packed array of small
 * integers, 4 bytes a site (87 kB for typescript.js's 21,688), walked as long as the slot array.
 *
 * Not a Float64Array: a site not optimized yet (the interpreter, Sparkplug: most of typescript.js's
 * functions through a check) reads a float element as a new HeapNumber and adds 1 into another,
 * two allocations a call, where a small integer is added in place (a micro-benchmark with no
 * optimizing tier: 0.72 s against 0.50 s for 2e7 calls, and 3.5× the scavenges; docs/benchmarks.md,
 * issue 18 round 11). Optimized, the two cost the same. A counter past 2^30 - 1 between two credits
 * turns the module's array into one of doubles, once: still exact (to 2^53), as the typed array was.
 * Made by JSON.parse (captured at load), which defines the elements: writing them would reach a
 * setter the program may have put on Array.prototype.
 */
const countsBySlots = new SafeWeakMap<Slots, number[]>();
// A record with no prototype, not an array: a module loads while the program runs, and appending
// to an array would reach a setter the program put on Array.prototype at that index.
const counted = ObjectCreate(null) as Record<number, { slots: Slots; counts: number[] }>;
let modules = 0;

export function counts(slots: Slots): number[] {
  const n = slots.length;
  const k = (n === 0 ? [] : JSONParse(`[${StringPrototypeRepeat('0,', n - 1)}0]`)) as number[];
  WeakMapPrototypeSet(countsBySlots, slots, k);
  counted[modules++] = { slots, counts: k };
  return k;
}

/** Credit what slot `i` counted in place to its snapshot, taking it out of the counter. */
function creditSlot(slots: Slots, k: number[], i: number): void {
  const n = k[i];
  if (n === 0) return;
  k[i] = 0;
  const s = slots[i];
  // A count made while the slot held nothing (its function is not probed) is no probe's.
  if (s !== null && s.entryCount !== null) k[i] += d.creditEntries(s, n);
}

/** The site at slot `index` of `slots` is about to change its snapshot (see SiteBackend.credit). */
export function creditSite(slots: Slots, index: number): void {
  const k = WeakMapPrototypeGet(countsBySlots, slots) as number[] | undefined;
  if (k !== undefined) creditSlot(slots, k, index);
}

/** Credit every counter; true when some calls must wait for a later credit (see creditEntries). */
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
    (globalThis as unknown as Record<string, boolean>)[COUNTING_GLOBAL] = on;
  } catch {
    // A frozen global object: the flag stays as it was (false), and the sites call their entries.
  }
});

