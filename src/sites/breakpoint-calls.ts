// The calls pending on this thread's breakpoint sites, in the order they entered, and how each
// ends: at a return position of its site, or, having thrown (a throw passes no breakpoint), when
// jsprobe can tell that it has left the stack. See breakpoint.ts's header for why that is sound.

import { shared, THROWN_UNSEEN } from '../core/index.js';

export type Frame = ReturnType<typeof shared.enter>;

/** A breakpoint site as its pending calls know it. */
export interface Caller {
  /** Its calls pending in `entered`. */
  depth: number;
}

/** A call that entered a breakpoint site and has not ended; `frame` null: untracked. */
interface Entered {
  /** Its site; null once the site let go of its calls (disarmed). */
  site: Caller | null;
  frame: Frame;
}

/** Every breakpoint site's pending calls on this thread, in the order they entered: sync calls nest, so it is a stack. */
const entered: Entered[] = [];
/** Captured at load: the program's own may have been replaced, and would run its code. */
const queueMicrotaskSafe = queueMicrotask;
let sweepQueued = false;

/**
 * The last of `entered`, taken off. Index loads and stores, no push, pop or for..of, here and
 * below: a breakpoint site's hits come long after the program may have replaced Array's methods.
 */
function popEntered(): Entered {
  const e = entered[entered.length - 1];
  entered.length--;
  return e;
}

/** The calls from `entered[from]` up left the stack without a return: each ends as a throw not seen, innermost first. */
function endThrown(from: number): void {
  // A handler that calls a probed function which throws may leave an entry above: the loop takes it too.
  while (entered.length > from) {
    const e = popEntered();
    if (e.site !== null) e.site.depth--;
    if (e.frame !== null) shared.exitThrow(e.frame, THROWN_UNSEEN);
  }
}

/** Every sync call still pending threw: a microtask runs once the calls that queued it have left the stack. */
function sweep(): void {
  sweepQueued = false;
  try {
    endThrown(0);
  } catch {
    // Never into the program: a throw from its microtask queue would be its uncaught error. The
    // calls not ended yet are tried again at the next sweep.
  }
}

/** A call entered `site`; the first since the last sweep queues the next one. */
export function entering(site: Caller, frame: Frame): void {
  entered[entered.length] = { site, frame };
  site.depth++;
  if (!sweepQueued) {
    sweepQueued = true;
    queueMicrotaskSafe(sweep);
  }
}

/** Where `site`'s innermost pending call is (the one a return position of it ends), or -1. */
export function innermost(site: Caller): number {
  for (let i = entered.length - 1; i >= 0; i--) if (entered[i].site === site) return i;
  return -1;
}

/** The frame of call `i`, once the calls that entered after it have ended as thrown; undefined if they left others. */
export function atTop(i: number): Frame | undefined {
  endThrown(i + 1);
  return entered.length === i + 1 ? entered[i].frame : undefined;
}

/** Call `i` returned, with a value no condition can see: the calls that entered after it threw. */
export function returned(i: number): void {
  const f = take(i);
  if (f !== null) shared.exitReturn(f, undefined);
}

/** Call `i` ends, and its frame is handed over (for a return with the value a pause read); the calls after it threw. */
export function take(i: number): Frame {
  endThrown(i + 1);
  if (entered.length !== i + 1) return null;
  const e = popEntered();
  if (e.site !== null) e.site.depth--;
  return e.frame;
}

/** `site` lets go of its pending calls (disarmed): they end unseen, and keep their place in the order. */
export function dropCalls(site: Caller): void {
  for (let i = 0; i < entered.length; i++) {
    const e = entered[i];
    if (e.site !== site) continue;
    e.site = null;
    e.frame = null;
  }
  site.depth = 0;
}
