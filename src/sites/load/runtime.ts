// The object every rewritten module reads as `$jpD` (globalThis[Symbol.for('jsprobe.load')]):
// the load registry's entry point, and short names for the shared hot path. Load sites share one
// copy of dispatch: a module may hold thousands of sites, too many for a copy each.

import { counting, shared, thread, THROWN_UNSEEN, type Snapshot } from '../../core/index.js';
import { defineOwn, ObjectGetOwnPropertyDescriptor } from '../../core/primordials.js';
import { ARMED_GLOBAL, COUNTING_GLOBAL, RUNTIME_KEY, setFlagGlobal, type RuntimeEntry } from '../rewrite/abi.js';
import { counts } from './counts.js';
import { registerModule } from './registry.js';

const d = shared;

type Slots = (Snapshot | null)[];
type Frame = Parameters<typeof d.exitReturn>[0];

/**
 * The sync entry and return, the two functions V8 inlines into every probed function (and so
 * into every caller that inlines one of those): made by a function whose parameters they read,
 * so that the dispatch functions they fall back to and the thread's flag are each one context
 * load. Read as a module's `const` or an import, each was a load and a hole check, and `d.enter`
 * a property load besides: 27 bytes of bytecode in e and 9 in r (docs/benchmarks.md, issue 18
 * round 7).
 */
function hotEntries(enter: typeof d.enter, exitReturn: typeof d.exitReturn, threadState: typeof thread) {
  return {
    /**
     * Entries take the module's slot array and the site's index: the rewritten code reads only
     * the global flag when disarmed, and the slot is read here, when some load site is armed.
     */
    e: (slots: Slots, i: number, self: unknown, argc: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, rest?: unknown[]) => {
      const s = slots[i];
      // `== null`: before its module's prologue has run, the slots are a function and read undefined.
      if (s == null) return null;
      // The flag is read once for both paths below: inside a handler, enter() counts the miss.
      if (!threadState.busy) {
        // One probe that keeps nothing and has no onEntry: count the hit, hand out its frame.
        const q = s.quick;
        if (q !== null) {
          q.core.hits++;
          return q;
        }
        // An entry-only probe that counts (`fn:… { @ = count() }`): add 1 to its cell here.
        // Through enter(), V8 inlined enter, enterLight and bump into every site (~350 bytes of
        // bytecode against TurboFan's cumulative budget of ~920 per optimized function), which
        // the probed program's own calls then lose. enter() still takes a cell not asked for
        // yet, or let go of.
        const k = s.entryCount;
        if (k !== null) {
          const cell = k.cell;
          if (cell !== null && cell.live === true) {
            cell.n++;
            const p = k.core;
            p.hits++;
            p.returns++;
            return null;
          }
        }
      }
      // Every other path, with the arguments named: a call that never ran has no feedback and is
      // not inlined, so it costs its bytes here only. Forwarding `arguments` instead (loadret)
      // made the entry 87 bytes smaller and every call that took it twice as dear.
      return enter(s, self, argc, a0, a1, a2, a3, rest);
    },
    /**
     * e with only the quick frame's path, for a module whose armed sites were all counting return
     * probes when it loaded (see pick): 78 bytes where e is 135. Every other snapshot still goes
     * through enter(), which gives the same frames and counts, so a site armed later otherwise
     * is served, only without e's second fast path.
     */
    eq: (slots: Slots, i: number, self: unknown, argc: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, rest?: unknown[]) => {
      const s = slots[i];
      if (s == null) return null;
      const q = s.quick;
      if (q !== null && !threadState.busy) {
        q.core.hits++;
        return q;
      }
      return enter(s, self, argc, a0, a1, a2, a3, rest);
    },
    /** e with only the entry-only count's path, for a module whose armed sites were all those (see pick). */
    ec: (slots: Slots, i: number, self: unknown, argc: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, rest?: unknown[]) => {
      const s = slots[i];
      if (s == null) return null;
      const k = s.entryCount;
      if (k !== null && !threadState.busy) {
        const cell = k.cell;
        if (cell !== null && cell.live === true) {
          cell.n++;
          const p = k.core;
          p.hits++;
          p.returns++;
          return null;
        }
      }
      return enter(s, self, argc, a0, a1, a2, a3, rest);
    },
    /** Exits: a return, an async function's return, a generator's completion, a throw. */
    r: (f: Frame, v: unknown) => {
      // A counting return probe's frame (`fnret:… { @[func] = count() }`): add 1 to its cell
      // here, for the same reason as in e. Through exitReturn, V8 inlined exitReturn,
      // finishBlind and bump at every return statement of every probed function. A cell not
      // asked for yet, or let go of, and every other frame, go through exitReturn. Only a BLIND
      // frame has a cell: a record gets one only from core's countIn (site.ts), which gives it to
      // the snapshot's BLIND record of a counting return probe or to the scratch of an
      // entry-only one, and enterLight hands no frame out for an entry-only probe. So the state
      // is not read here, 15 bytes of bytecode fewer at every return statement V8 inlines this into.
      const cell = f.cell;
      if (cell !== null && cell.live === true) {
        f.core.returns++;
        cell.n++;
        return v;
      }
      return exitReturn(f, v);
    },
  };
}

const hot = hotEntries(d.enter, d.exitReturn, thread);

/**
 * The sync entry a module's sites call (its `$jpE`), chosen once, when its prologue runs, by
 * what is armed in it then: where every armed site is a counting return probe's quick frame (the
 * command's `fnret:… { @[func] = count() }`, a pattern armed before the module loads), the entry
 * with that path alone; where every one is an entry-only count, the entry with that one; else e.
 * V8 inlines the entry into every probed function and weighs that function by it in each of its
 * callers (docs/hot-path.md), so the path a module never takes is paid in all of them. Any entry
 * serves any snapshot: a choice that the module's later arming makes wrong costs speed only.
 */
function pick(slots: Slots): typeof hot.e {
  let quick = 0;
  let counted = 0;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    // An async function's or a generator's site has entries of its own (ea, eg, eag).
    if (s === null || s.deferred) continue;
    if (s.quick !== null) quick++;
    else if (s.entryCount !== null) counted++;
    else return hot.e;
  }
  if (quick > 0 && counted === 0) return hot.eq;
  if (counted > 0 && quick === 0) return hot.ec;
  return hot.e;
}

/**
 * A live patch's generator entry, called as a tag whose text holds no `(`, so that V8's diff
 * cannot take the parameter list's `(` for one of the entry's (instrument.ts's
 * generatorInsertions): the template's strings, then the slots, the site, `this` and the call's
 * arguments (an array of the declared parameters, or `arguments`).
 */
function enterTagged(slots: Slots, i: number, self: unknown, args: ArrayLike<unknown>, isAsync: boolean): Frame | null {
  const s = slots[i];
  if (s == null) return null;
  const n = args.length;
  return d.enterDeferred(s, isAsync, self, n, args[0], args[1], args[2], args[3], n > 4 ? Array.prototype.slice.call(args, 4) : undefined);
}

export const runtime = {
  module: registerModule,
  counts,
  /** Entries: sync, async, generator, async generator. */
  e: hot.e,
  pick,
  ea: (slots: Slots, i: number, self: unknown, argc: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, rest?: unknown[]) => {
    const s = slots[i];
    return s == null ? null : d.enterDeferred(s, true, self, argc, a0, a1, a2, a3, rest);
  },
  eg: (slots: Slots, i: number, self: unknown, argc: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, rest?: unknown[]) => {
    const s = slots[i];
    return s == null ? null : d.enterDeferred(s, false, self, argc, a0, a1, a2, a3, rest);
  },
  eag: (slots: Slots, i: number, self: unknown, argc: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, rest?: unknown[]) => {
    const s = slots[i];
    return s == null ? null : d.enterDeferred(s, true, self, argc, a0, a1, a2, a3, rest);
  },
  egt: (_: unknown, slots: Slots, i: number, self: unknown, args: ArrayLike<unknown>) => enterTagged(slots, i, self, args, false),
  eagt: (_: unknown, slots: Slots, i: number, self: unknown, args: ArrayLike<unknown>) => enterTagged(slots, i, self, args, true),
  /** Exits: a return, an async function's return, a generator's completion, a throw. */
  r: hot.r,
  ra: (f: Frame, v: unknown) => d.exitDeferred(f, v, true),
  rg: (f: Frame, v: unknown) => d.exitDeferred(f, v, false),
  /**
   * A derived class's constructor's return, through its site's `finally`: `new` throws a TypeError
   * after the body where it returned anything but an object or undefined, and no site of the body
   * sees that throw. Reported as a throw whose value is not seen; the value goes back for V8 to
   * refuse as it would have.
   */
  rd: (f: Frame, v: unknown) => {
    if (v === undefined || (typeof v === 'object' && v !== null) || typeof v === 'function') return hot.r(f, v);
    d.exitThrow(f, THROWN_UNSEEN);
    return v;
  },
  t: d.exitThrow,
  /** A line site. */
  l: d.line,
  /** Arguments past the fourth, for functions that read `arguments` anyway. */
  rest: (args: ArrayLike<unknown>): unknown[] => Array.prototype.slice.call(args, 4),
  /** Frames have their probe's own exit (FRAME_EXIT), which a module's sync returns call. */
  fx: true,
} satisfies Record<RuntimeEntry, unknown>;

// At load: installRuntime also runs at a live patch, when the program may have replaced Symbol.for.
const RUNTIME_SYMBOL = Symbol.for(RUNTIME_KEY);

export function installRuntime(): void {
  const key = RUNTIME_SYMBOL;
  // Its descriptor, not a read: a getter the program defined there would run.
  if (ObjectGetOwnPropertyDescriptor(globalThis, key) === undefined) defineOwn(globalThis, key, { value: runtime, configurable: true });
  // Assigned once, before any rewritten code runs, and left alone until a load site is armed:
  // TurboFan treats it as the constant false meanwhile (see ARMED_GLOBAL). The same for counting.
  if (ObjectGetOwnPropertyDescriptor(globalThis, ARMED_GLOBAL) === undefined) setFlagGlobal(ARMED_GLOBAL, false);
  if (ObjectGetOwnPropertyDescriptor(globalThis, COUNTING_GLOBAL) === undefined) setFlagGlobal(COUNTING_GLOBAL, counting());
}
