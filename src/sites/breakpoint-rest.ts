// A breakpoint site over its ceiling rests: its breakpoints come out for REST_MS, so that a hot
// function costs the thread what the ceiling allows and no more. Hits past the ceiling used to
// be counted as missed, yet V8 still stopped and evaluated the condition at each (~450 µs a hit
// on this machine, 5 µs with breakpoints inactive): a loop of 100,000 calls took minutes.
//
// The decision is made inside a hit, in V8's break, where no breakpoint may be removed (that
// corrupts the stopped frame: docs/attach.md, "Breakpoint sites placed from an interrupt"). What
// may be done there is to make the thread's breakpoints inactive (Debugger.setBreakpointsActive,
// a flag: no bytecode changes), which stops the conditions at once, every site's; the site's own
// breakpoints come out in a promise job, once the thread has left the running code, the others'
// conditions run again from there, and a timer puts the resting site's back after REST_MS. Hits
// while a site is off are not seen at all: its counts are lower bounds, and the command says for
// how long it was off and about how many hits that hid: the rate of hits the site saw just before
// it went off, times the time off (offTime). Nothing cheap counts them exactly: V8 keeps no count of
// a function's calls but for coverage, whose precise mode deoptimizes the whole isolate and whose
// best-effort one does not see the calls of optimized or inlined code, a hot function's.

import { now } from '../core/clock.js';
import { inJob } from '../core/job.js';
import { clearTimeoutSafe, NumberIsFinite, SafeNumber, SafeSet, setTimeoutSafe } from '../core/primordials.js';
import type { ProbeSite } from '../core/index.js';
import { debuggerOn, post } from './inspector.js';

/** How long a site that passed its ceiling keeps its breakpoints out. */
export const REST_MS = 1000;

/**
 * The thread's time a site's hits may take in a second (5%; JSPROBE_BREAKPOINT_BUDGET_MS), beside its ceiling of hits: where a
 * hit costs more than 1 ms (a loaded machine: 2 ms measured at load 12), 1000 hits never come
 * in one second, and the ceiling alone bounds nothing.
 */
const BUDGET_MS = 50;

/** The budget in ms (JSPROBE_BREAKPOINT_BUDGET_MS, default BUDGET_MS; read when a site is made). */
export function breakpointBudget(): number {
  const v = SafeNumber(process.env.JSPROBE_BREAKPOINT_BUDGET_MS);
  return NumberIsFinite(v) && v > 0 ? v : BUDGET_MS;
}

/**
 * What a hit is charged: the time since the thread's previous hit, when both came in one
 * synchronous stretch (no microtask ran between: a loop's calls), at most CHARGE_MS; nothing at a
 * stretch's first hit. V8's evaluation of a condition happens before and after jsprobe's code
 * runs, where it cannot be timed; in a stretch of hits with little code between them the gap
 * is that cost. Hits of separate tasks (a service's requests) are charged nothing, and only the
 * ceiling bounds them, as before.
 */
const CHARGE_MS = 1;
const queueMicrotaskSafe = queueMicrotask;
let lastHit = NaN;
let stretchQueued = false;

function endStretch(): void {
  stretchQueued = false;
  lastHit = NaN;
}

/** The charge of a hit at time `t` (ms, clock.ts's now()). */
export function hitCharge(t: number): number {
  const gap = t - lastHit;
  lastHit = t;
  if (!stretchQueued) {
    stretchQueued = true;
    queueMicrotaskSafe(endStretch);
  }
  return gap < CHARGE_MS ? gap : gap >= CHARGE_MS ? CHARGE_MS : 0;
}

/** A breakpoint site's part in resting. */
export interface Resting {
  readonly site: ProbeSite;
  /** Take the site's breakpoints out (true) or put them back (false); called where that is safe. */
  rest(out: boolean): void;
  /** It passed its ceiling; its breakpoints come out at the next job. */
  asked: boolean;
  /** Since when its hits are not seen (NaN: they are). */
  offSince: number;
  /** Its hits a ms lately (seen ones), for the estimate of those not seen while it is off. */
  rate(): number;
  /** rate() when it went off. */
  rateAtOff: number;
  /** Times it was off, for how long in all (ms), and about how many hits that hid, not counting the one under way. */
  offs: number;
  offMs: number;
  unseen: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const armed = new SafeSet<Resting>();
const asked: Resting[] = [];
/** The thread's breakpoints are inactive until the next job. */
let inactive = false;
let listener: ((site: ProbeSite, rate: number) => void) | null = null;

/** Told, in a job, of each site that begins to rest, with its hits a ms before (the session says it, at most once a second). */
export function onRest(fn: ((site: ProbeSite, rate: number) => void) | null): void {
  listener = fn;
}

export function resting(site: ProbeSite, rest: (out: boolean) => void, rate: () => number): Resting {
  return { site, rest, rate, rateAtOff: 0, asked: false, offSince: NaN, offs: 0, offMs: 0, unseen: 0, timer: undefined };
}

/** The site's breakpoints are set (true) or not: only a set site's hits go unseen while the thread's are inactive. */
export function setArmed(r: Resting, on: boolean): void {
  if (on) armed.add(r);
  else armed.delete(r);
}

/** The site is gone: no timer of its is left. */
export function forget(r: Resting): void {
  armed.delete(r);
  clearTimeoutSafe(r.timer);
  r.timer = undefined;
}

/**
 * Site `r` passed its ceiling, at a hit (inside V8's break): every condition of the thread stops
 * now. True when they were running until now: the returns of calls pending then go unseen.
 */
export function passedCeiling(r: Resting): boolean {
  if (r.asked) return false;
  r.asked = true;
  asked[asked.length] = r;
  if (inactive) return false;
  inactive = true;
  const t = now();
  for (const a of armed) {
    if (a.offSince === a.offSince) continue;
    a.offSince = t;
    a.rateAtOff = a.rate();
  }
  try {
    post('Debugger.setBreakpointsActive', { active: false });
  } catch {
    // The domain is off: no breakpoint is hit.
  }
  inJob(restAsked);
  return true;
}

function endOff(r: Resting, t: number): void {
  if (r.offSince !== r.offSince) return;
  r.offs++;
  r.offMs += t - r.offSince;
  r.unseen += r.rateAtOff * (t - r.offSince);
  r.offSince = NaN;
}

/** In a job: the sites that asked rest, their breakpoints out; the others' are active again. */
function restAsked(): void {
  const t = now();
  // By index, no array method: the program may have replaced them.
  const resting: Resting[] = [];
  for (let i = 0; i < asked.length; i++) resting[i] = asked[i];
  asked.length = 0;
  for (let i = 0; i < resting.length; i++) {
    const r = resting[i];
    try {
      r.rest(true);
    } catch {
      // Gone with a live patch of its script, or the domain off: out all the same. What follows must
      // run, or the thread's breakpoints would stay inactive for good.
    }
    r.timer = setTimeoutSafe(() => {
      r.timer = undefined;
      r.asked = false;
      endOff(r, now());
      try {
        r.rest(false);
      } catch {
        // Not set again (its script gone): a throw here would reach the program as uncaught.
      }
    }, REST_MS);
    r.timer.unref();
  }
  for (const a of armed) if (!a.asked) endOff(a, t);
  inactive = false;
  if (debuggerOn()) {
    try {
      post('Debugger.setBreakpointsActive', { active: true });
    } catch {
      // Disabled since: enabling it again makes them active.
    }
  }
  for (let i = 0; i < resting.length; i++) listener?.(resting[i].site, resting[i].rateAtOff);
}

/** How a site's hits went unseen: how often, for how long (ms), and about how many (at its rate before each time off). */
export interface OffTime {
  offs: number;
  offMs: number;
  /** An estimate, not rounded. */
  unseen: number;
}

/** The site's OffTime, the time off under way included. */
export function offTime(r: Resting): OffTime {
  if (r.offSince !== r.offSince) return { offs: r.offs, offMs: r.offMs, unseen: r.unseen };
  const under = now() - r.offSince;
  return { offs: r.offs + 1, offMs: r.offMs + under, unseen: r.unseen + r.rateAtOff * under };
}
