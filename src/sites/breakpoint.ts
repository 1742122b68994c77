// Breakpoint sites (the kernel's int3 kprobe: works anywhere, slow): an inspector breakpoint at
// a function's first statement, and one at each of its return positions, whose condition calls
// jsprobe and answers false, so the program never pauses. They are where live patches cannot go:
// a function that never leaves the stack, or one whose calls stay suspended; or where asked for
// (site: 'breakpoint').
//
// What they cost and cannot do: V8 stops at a breakpoint and evaluates its condition in the
// frame: tens of µs a hit. A return position is reached before the value is returned, and the
// condition cannot see that value. Where this thread may pause (`jsprobe -p`'s main thread, see
// inspector.ts), a return whose `retval` a handler reads makes its condition answer true: the
// thread pauses, the pause's call frame holds the value, onReturn runs with it, and the thread goes
// on (~1 ms a return here, at most JSPROBE_BREAKPOINT_PAUSE_RATE a second, 100). Elsewhere onReturn
// runs with `retval` undefined. Returns are matched to entries last-in first-out; an async
// function's or generator's calls interleave, so there only onEntry runs.
//
// A throw passes no breakpoint, yet a sync call that throws must end, or its frame would stay
// pending and, past maxActive, every later call would be missed. Two facts end it, at no cost on
// the program's side (breakpoint-calls.ts keeps the calls). Sync calls nest: when a call returns,
// every call that entered after it on this thread and is still pending has left the stack without
// a return: it threw (and was caught inside). And a microtask queued while sync calls run runs
// only once they have all left the stack: the first entry after the last sweep queues one
// (queueMicrotask as it was when jsprobe loaded), and every call still pending when it runs threw.
// Such a call ends as thrown, its `error` THROWN_UNSEEN (printed `<thrown, value not seen>`), its
// `elapsed` up to when the throw was noticed: an upper bound. A thread that never leaves a call (a
// loop) never runs the microtask, and its calls stay pending, as they are. The counts are exact.
// A function that only throws has no return position (V8 leaves out its dead end): its calls are
// entered all the same, and end this way.
// One case is not: in one function's recursion, an outer call that returns after an inner one
// threw (and it caught that) is taken for the inner's return (last-in first-out), and the outer
// ends as thrown: the two calls' `this`, `args` and `elapsed` are swapped.
// A hit past JSPROBE_BREAKPOINT_RATE a second (1000), or past 50 ms of the thread's time a second
// (JSPROBE_BREAKPOINT_BUDGET_MS, as a loop's hits show it: breakpoint-rest.ts), is counted as missed, and the site rests:
// its breakpoints come out for a second (breakpoint-rest.ts), so that the hits past the ceiling
// cost nothing; while it rests its hits are not seen. The Debugger domain stays on while a
// breakpoint site is armed.

import { now } from '../core/clock.js';
import { JsprobeError, ProbeSite, probeNow, shared, type Snapshot } from '../core/index.js';
import { atOnce, type Later } from '../core/job.js';
import {
  ArrayPrototypeJoin, ArrayPrototypeSlice, defineOwn, MathFloor, MathRandom, MathTrunc, ObjectGetOwnPropertyDescriptor, SafeMap, SafeSet,
  NumberIsFinite, SafeNumber, WeakMapPrototypeGet, WeakMapPrototypeSet,
} from '../core/primordials.js';
import { breakpointBudget, REST_MS, forget, hitCharge, offTime, passedCeiling, resting, setArmed, type OffTime, type Resting } from './breakpoint-rest.js';
import { sha256 } from './sha256.js';
export { NO_RETURN_INSTEAD } from './breakpoint-advice.js';
import { atTop, dropCalls, entering, innermost, returned, take, type Caller } from './breakpoint-calls.js';
import { canPause, holdDebugger, onPause, post, type PausedParams, type RemoteValue } from './inspector.js';
import type { LiveScript } from './live.js';
import { LIVE_SLOTS } from './rewrite/abi.js';
import { entriesOnly, throwsOnly, type FunctionSite } from './rewrite/functions.js';
import { lineOf, lineStarts, type Shifts } from './rewrite/insertions.js';
import type { Program } from './rewrite/estree.js';
import { findLineSites, type LineSite } from './rewrite/lines.js';
import { functionsIn, instrumentLiveShifted, parse, receiverOf } from './rewrite/instrument.js';
import { shiftAt } from './rewrite/sourcemap.js';

/**
 * The global the breakpoints' conditions call, at every hit, named as a plain identifier. It was
 * `globalThis[Symbol.for('jsprobe.breakpoint')]`: through two globals the program may replace
 * (`globalThis`, `Symbol.for`), and at a key any program can guess and define first (a getter
 * there ran at every hit; a value there took the hits). This name is this copy of jsprobe's own,
 * random, so no program has it or shadows it by chance; installHits defines it non-writable and
 * non-configurable (the program can neither replace nor delete it), and refuses, rather than
 * read it, one that is there already.
 */
const HIT_NAME = `__jsprobe_hits_${MathTrunc(MathRandom() * 1e15)}`;

/** What a breakpoint site's note says it cannot see, in its own words (an attached session warns by them). */
export const SEES_NO_RETURN = 'for an async function, a generator or a derived class\'s constructor with a return only onEntry runs';
export const SEES_NO_RETVAL = 'onReturn sees no retval, nor the value of a throw';
/**
 * A generator's body, where its breakpoints are, runs at the first next(): V8 has no break
 * location that a call passes before that. A load or live site enters at the call.
 */
export const SEES_GENERATOR_LATE = 'a generator\'s call is seen at its first next() (one never iterated is not seen)';
/** What a breakpoint site that pauses for return values says it cannot see. */
export const SEES_NO_THROWN = 'a throw ends the call with its value not seen';
/** What a breakpoint site that pauses for return values says instead of SEES_NO_RETVAL. */
export const PAUSES_FOR_RETVAL = 'a return whose retval a handler reads pauses the thread to read it';
/**
 * What a pause for a large return value costs, said at attach to a probe that reads retval there:
 * V8 copies a returned string whole into the pause's protocol message (primitives go by value;
 * an object goes by id, and costs nothing more), before any of jsprobe's code runs, and nothing
 * in the protocol asks it not to. Measured without jsprobe (Node 24, a plain script pausing at
 * a return): 1 MB 60 ms, 10 MB 0.96 s, 50 MB 4.1 s from the condition to the pause's handler.
 */
export const LARGE_RETVAL = 'its returns pause the thread to read retval, and the pause copies a returned string whole into the inspector\'s ' +
  'message: ~60 ms a MB here, the thread stopped meanwhile (an object is read by reference, at no such cost). For large strings probe a ' +
  'wrap site (fnret:MODULE#EXPORT), read retval in a function that returns less, or restart with load sites (jsprobe -c)';

interface State extends Caller {
  site: ProbeSite;
  /** Hits a second this site handles (JSPROBE_BREAKPOINT_RATE, read once when the site is made). */
  ceiling: number;
  /** The same while its returns pause (JSPROBE_BREAKPOINT_PAUSE_RATE, if lower). */
  pausingCeiling: number;
  second: number;
  inSecond: number;
  /** The thread's time charged to this second's hits (ms, breakpoint-rest.ts). */
  spent: number;
  /** The most it may be charged in a second (JSPROBE_BREAKPOINT_BUDGET_MS, read once when the site is made). */
  budget: number;
  resting: Resting;
  /** When its breakpoints were last put in (made, or back from a rest): its hits are seen since. */
  onSince: number;
}

const states: (State | undefined)[] = [];

/** One breakpoint site per function, while it has probes: "<scriptId>:<index>". */
const byFunction: Map<string, ProbeSite> = new SafeMap<string, ProbeSite>();

/** Hits a second one breakpoint site handles (JSPROBE_BREAKPOINT_RATE, default 1000). */
export function breakpointCeiling(): number {
  const v = SafeNumber(process.env.JSPROBE_BREAKPOINT_RATE);
  return NumberIsFinite(v) && v > 0 ? v : 1000;
}

/** Returns a second that a breakpoint site pauses at to read their values (JSPROBE_BREAKPOINT_PAUSE_RATE, default 100). */
export function pauseCeiling(): number {
  const v = SafeNumber(process.env.JSPROBE_BREAKPOINT_PAUSE_RATE);
  return NumberIsFinite(v) && v > 0 ? v : 100;
}

/** Some probe here reads `retval`, and this thread may pause: its returns pause to read the value. */
function pausesFor(snap: Snapshot): boolean {
  if (!canPause()) return false;
  // By index, and Math's floor as loaded, here and in overCeiling: a hit comes after the program may have replaced them.
  for (let i = 0; i < snap.probes.length; i++) if (snap.probes[i].readsRetval) return true;
  return false;
}

/** Over this second's ceiling, or its budget of the thread's time: every probe on the site counts the hit as missed. */
function overCeiling(st: State, snap: Snapshot, ceiling = st.ceiling): boolean {
  const t = now();
  const second = MathFloor(t / 1000);
  if (second !== st.second) {
    st.second = second;
    st.inSecond = 0;
    st.spent = 0;
  }
  st.spent += hitCharge(t);
  if (++st.inSecond <= ceiling && st.spent <= st.budget) return false;
  for (let i = 0; i < snap.probes.length; i++) {
    snap.probes[i].hits++;
    snap.probes[i].missed++;
  }
  // Every site's conditions stop now: the returns of the calls pending then will not be seen, and
  // must not be taken for throws (breakpoint-calls.ts).
  if (passedCeiling(st.resting)) {
    // By index: this runs in the program's code, whose Array iterator may be replaced.
    for (let i = 0; i < states.length; i++) {
      const s = states[i];
      if (s !== undefined) dropCalls(s);
    }
  }
  return true;
}

/**
 * The site's seen hits a ms: this second's (or the last one's, if no hit came since), over the part
 * of it its breakpoints were in. What a rest's estimate of the hits it hid starts from.
 */
function rateOf(st: State): number {
  const t = now();
  const from = st.second * 1000 > st.onSince ? st.second * 1000 : st.onSince;
  const to = t < (st.second + 1) * 1000 ? t : (st.second + 1) * 1000;
  if (MathFloor(t / 1000) - st.second > 1 || to - from <= 0) return 0;
  return st.inSecond / (to - from < 1 ? 1 : to - from);
}

const MAX_PENDING = 1000;

/** A call of site `id` entered; `returnsPause`: its returns may pause for their values, so the pausing ceiling holds. */
function enter(id: number, self: unknown, args: unknown[], returnsPause: boolean): false {
  const st = states[id];
  const snap = st?.site.snapshot ?? null;
  if (st === undefined || snap === null) return false;
  if (overCeiling(st, snap, returnsPause && pausesFor(snap) ? st.pausingCeiling : st.ceiling)) {
    entering(st, null);
    return false;
  }
  // Pending entries of a synchronous function are its depth of recursion. Past this many, its
  // returns are not being seen (V8 gave a return position that never fires: an arrow that ends
  // the file): entries only from here on, so that they do not pile up.
  if (st.depth >= MAX_PENDING) {
    shared.line(snap, self, null, args);
    return false;
  }
  entering(st, shared.enter(snap, self, args.length, args[0], args[1], args[2], args[3], args.length > 4 ? ArrayPrototypeSlice(args, 4) : undefined));
  return false;
}

const hits = {
  /** A call of an async function or generator reached its first statement: entry only (see below). */
  d(id: number, self: unknown, args: unknown[]): false {
    const st = states[id];
    const snap = st?.site.snapshot ?? null;
    if (st === undefined || snap === null || overCeiling(st, snap)) return false;
    shared.line(snap, self, null, args);
    return false;
  },
  /** A call reached the function's first statement. */
  e(id: number, self: unknown, args: unknown[]): false {
    return enter(id, self, args, true);
  },
  /** A call of a function that only throws reached its first statement: no return of it pauses. */
  t(id: number, self: unknown, args: unknown[]): false {
    return enter(id, self, args, false);
  },
  /** A call reached a return position: the site's innermost pending one; those that entered after it threw. */
  r(id: number): false {
    const st = states[id];
    const i = st === undefined ? -1 : innermost(st);
    if (i >= 0) returned(i);
    return false;
  },
  /**
   * A call reached a return position where the site may pause: true (pause) when a probe reads
   * `retval`, and the paused hook below ends the call with the value; otherwise as r().
   */
  q(id: number): boolean {
    const st = states[id];
    const i = st === undefined ? -1 : innermost(st);
    if (i < 0) return false;
    const f = atTop(i);
    const snap = st!.site.snapshot;
    if (f !== null && f !== undefined && snap !== null && pausesFor(snap)) {
      pausing = { id, at: probeNow() };
      return true;
    }
    returned(i);
    return false;
  },
  /** The value a pause's return value names by id (see remote). */
  took(v: unknown): void {
    took = v;
  },
  /** A line breakpoint was reached: its probes' onEntry, with the locals the condition captured. */
  l(id: number, self: unknown, locals: (() => object) | null): false {
    const st = states[id];
    const snap = st?.site.snapshot ?? null;
    if (st === undefined || snap === null || overCeiling(st, snap)) return false;
    shared.line(snap, self, locals);
    return false;
  },
  /** A call of an empty function (`function noop () {}`, `() => {}`): its first statement is its return. */
  x(id: number, self: unknown, args: unknown[]): false {
    hits.e(id, self, args);
    return hits.r(id);
  },
};

/** The return position whose condition asked for a pause, and when it was reached. */
let pausing: { id: number; at: number } | null = null;
let took: unknown;

/** A return value as the pause gave it: a primitive as it is, anything else fetched by its id. */
function remote(rv: RemoteValue | undefined): unknown {
  if (rv === undefined) return undefined;
  if (rv.objectId !== undefined) {
    // Strict: `this` is the value itself, a symbol not boxed. Nothing of the program's runs.
    post('Runtime.callFunctionOn', {
      objectId: rv.objectId, silent: true,
      functionDeclaration: `function(){'use strict';${HIT_NAME}.took(this)}`,
    });
    const v = took;
    took = undefined;
    return v;
  }
  const u = rv.unserializableValue;
  if (u === undefined) return rv.value;
  if (u.endsWith('n')) return BigInt(u.slice(0, -1));
  return u === '-0' ? -0 : Number(u);
}

/** At a pause this thread is in: if a return position of ours asked for it, that call returns with the pause's value. */
function paused(p: PausedParams): void {
  const at = pausing;
  pausing = null;
  if (at === null || p.hitBreakpoints === undefined || p.hitBreakpoints.length === 0) return;
  const st = states[at.id];
  const i = st === undefined ? -1 : innermost(st);
  const f = i < 0 ? null : take(i);
  if (f === null) return;
  const v = remote(p.callFrames[0]?.returnValue);
  // The pause is not the call's: its time ends where the return was reached.
  const late = probeNow() - at.at;
  for (let c: typeof f | null = f; c !== null; c = c.nextInFrame) c.t0 += late;
  // As returned, a promise too: a breakpoint site cannot hand the caller a tracked one.
  shared.finishFrame(f, v, undefined, false);
}

/** Each breakpoint site's part in resting, while it has probes. */
const restOf = new WeakMap<ProbeSite, Resting>();

/** How often, how long (ms) and about how many hits breakpoint site `site` was off, its hits not seen; undefined for another kind of site. */
export function breakpointOffTime(site: ProbeSite): OffTime | undefined {
  const r = WeakMapPrototypeGet(restOf, site);
  return r === undefined ? undefined : offTime(r);
}

let hitsInstalled = false;

function installHits(): void {
  if (!hitsInstalled) {
    // Its descriptor, not its value: a read would run a getter of the program's.
    if (ObjectGetOwnPropertyDescriptor(globalThis, HIT_NAME) !== undefined) {
      throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `the global ${HIT_NAME} that breakpoint sites call is defined already, not by jsprobe`);
    }
    defineOwn(globalThis, HIT_NAME, { value: hits, writable: false, enumerable: false, configurable: false });
    hitsInstalled = true;
  }
  onPause(paused);
}

/** The arguments a condition passes: the declared parameters, by name. */
function argsExpr(fn: FunctionSite): string {
  // By index and captured join: a site at rest is set again from a timer, in the program's world.
  const named: string[] = [];
  for (let i = 0; i < fn.params.length; i++) named[i] = fn.params[i] ?? 'void 0';
  if (fn.rest !== null) named[named.length] = `...${fn.rest}`;
  return `[${ArrayPrototypeJoin(named, ',')}]`;
}

function condition(call: string, answer = false): string {
  // A condition that throws is taken as false by V8; the try keeps a fault from reaching stderr.
  return answer ? `(()=>{try{return ${call}}catch{}return false})()` : `(()=>{try{${call}}catch{}return false})()`;
}

interface Location {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
  type?: string;
}

/** The code, functions, line starts and hash of a script as V8 runs it now, by the patch that made it. */
interface Running {
  code: string;
  fns: FunctionSite[];
  starts: number[];
  hash: string;
  /** Text the live sites inserted, by line: where a position of the original source is now. */
  shifts: Shifts;
}
const current = new WeakMap<ReadonlyMap<number, number>, Running>();

function runningCode(s: LiveScript): Running {
  let now = WeakMapPrototypeGet(current, s.patched);
  if (now === undefined) {
    const { code, shifts } = s.patched.size === 0
      ? { code: s.original, shifts: new Map() as Shifts }
      : instrumentLiveShifted(s.original, s.fns, LIVE_SLOTS, s.patched);
    // The inspector's script hash: SHA-256 of the source's UTF-8.
    now = {
      code,
      shifts,
      fns: s.patched.size === 0 ? s.fns : functionsIn(code, s.format, s.url),
      starts: lineStarts(code),
      hash: sha256().update(code).digest('hex'),
    };
    WeakMapPrototypeSet(current, s.patched, now);
  }
  return now;
}

/**
 * Where function `index` of `s` is in the script V8 runs now, which may hold live sites elsewhere
 * (a patch adds no functions, so the index holds). Worked out once per patch of the script, not
 * once per site: it parses the whole script.
 */
function locate(s: LiveScript, index: number): { fn: FunctionSite; pos: (offset: number) => Location; hash: string } {
  const now = runningCode(s);
  const fn = now.fns[index];
  if (fn === undefined) throw new JsprobeError('JSPROBE_E_SITE_UNAVAILABLE', `${s.label}: function ${index} not found`);
  const starts = now.starts;
  const pos = (offset: number): Location => {
    const line = lineOf(starts, offset);
    return { scriptId: s.scriptId, lineNumber: line, columnNumber: offset - starts[line] };
  };
  return { fn, pos, hash: now.hash };
}

/**
 * Armed breakpoint sites by script, each with what re-arms it. A live patch of the script (a
 * setScriptSource) drops its breakpoints, and may move the function: its sites are set again.
 */
const armedIn: Map<string, Set<() => void>> = new SafeMap<string, Set<() => void>>();

/** After a live patch of script `scriptId`: set the breakpoints of its armed breakpoint sites again. */
export function rearmBreakpoints(scriptId: string): void {
  for (const rearm of [...(armedIn.get(scriptId) ?? [])]) rearm();
}

/**
 * Set the breakpoints of function `index` of `s` where it is now, for site `id`: at its first
 * statement and at each return position. Returns their ids. `byHash`: set by the hash of the
 * script as patched (after a live patch, see rearm), so that they bind to that code alone and
 * not to a later copy of the module; a location an earlier patch's set holds already is skipped.
 */
function place(s: LiveScript, index: number, id: number, self: string, deferred: boolean, byHash: boolean): string[] {
  const { fn, pos, hash } = locate(s, index);
  const call = HIT_NAME;
  // An arrow's expression body returns right after its last character: the end is exclusive.
  const { locations } = post<{ locations: Location[] }>('Debugger.getPossibleBreakpoints', {
    start: pos(fn.body.start), end: pos(fn.body.expression ? fn.body.end + 1 : fn.body.end), restrictToFunction: true,
  });
  const entry = locations[0];
  if (entry === undefined) return [];
  // An async function's or generator's calls interleave: a return position cannot be matched
  // to its entry, so those get their entry only. So does a function V8 gives no return
  // position after a live patch moved it (an arrow nested in a patched function): entries
  // that no return takes back would pile up.
  // By index (here and below): a site at rest is set again from a timer, in the program's world.
  const returns: Location[] = [];
  if (!deferred) for (let i = 0; i < locations.length; i++) if (locations[i].type === 'return') returns[returns.length] = locations[i];
  // The inspector takes one breakpoint at a location: where the entry is a return position too
  // (an empty body), one breakpoint does both.
  const atEntry = (l: Location) => l.lineNumber === entry.lineNumber && l.columnNumber === entry.columnNumber;
  // A function that only throws has no return position, yet its calls end (as thrown, once they
  // have left the stack: breakpoint-calls.ts), so it is entered as any sync call is.
  let entryReturns = false;
  for (let i = 0; i < returns.length; i++) if (atEntry(returns[i])) entryReturns = true;
  const hit = returns.length === 0 ? (deferred || !throwsOnly(fn) ? 'd' : 't') : entryReturns ? 'x' : 'e';
  const at = [{ loc: entry, cond: condition(`${call}.${hit}(${id},${self},${argsExpr(fn)})`) }];
  const ret = canPause() ? condition(`${call}.q(${id})`, true) : condition(`${call}.r(${id})`);
  for (let i = 0; i < returns.length; i++) if (!atEntry(returns[i])) at[at.length] = { loc: returns[i], cond: ret };
  const ids: string[] = [];
  for (let i = 0; i < at.length; i++) {
    const { loc, cond } = at[i];
    try {
      ids[ids.length] = (byHash
        ? post<{ breakpointId: string }>('Debugger.setBreakpointByUrl', {
          scriptHash: hash, lineNumber: loc.lineNumber, columnNumber: loc.columnNumber, condition: cond,
        })
        : post<{ breakpointId: string }>('Debugger.setBreakpoint', {
          location: { scriptId: loc.scriptId, lineNumber: loc.lineNumber, columnNumber: loc.columnNumber }, condition: cond,
        })
      ).breakpointId;
    } catch (e) {
      if (!byHash) throw e;
      // A breakpoint of the previous patch's set is there already.
    }
  }
  return ids;
}

function removeAll(ids: readonly string[]): void {
  // By index: under -p a detach comes long after the program may have replaced Array's iterator.
  for (let i = 0; i < ids.length; i++) {
    try {
      post('Debugger.removeBreakpoint', { breakpointId: ids[i] });
    } catch {
      // Gone with a live patch of the script already.
    }
  }
}

/**
 * How breakpoints are set and removed: at once (the library, where register() returns an armed
 * probe), or put off to a promise job (`jsprobe -p`, see setBreakpointTiming).
 */
let placing: Later = atOnce;

/**
 * Put every change of breakpoints off to `later` (core/job.ts's inJob) from now on. `jsprobe -p`'s
 * entry points run as V8 interrupts, and V8 handles interrupts inside a breakpoint's own handling:
 * while a function with breakpoints is hot, that is where most of them land. Setting or removing
 * breakpoints (or disabling the Debugger domain) there corrupts the stopped frame: "Invalid
 * bytecode" aborts, faults in compiled code, V8 sandbox violations, hangs, on every Node measured
 * (20 to 26; scripts/v8-breakpoint-interrupts.cjs shows it without jsprobe, docs/attach.md).
 * A promise job runs only once the thread has left every running function, never inside a break;
 * a thread that is inside a loop when a probe is attached gets its breakpoints once the loop's
 * callback returns, and keeps them, unhit by any probe, until then after a detach.
 */
export function setBreakpointTiming(later: Later): void {
  placing = later;
}

/** What a site's note adds when its breakpoints are put off (see setBreakpointTiming). */
export const PLACED_LATER = 'its breakpoints are set once the callback running now returns (a loop that never returns is not traced)';

function placedLater(): string {
  return placing === atOnce ? '' : `; ${PLACED_LATER}`;
}

/**
 * A site whose breakpoints `placeAt(id, byHash)` sets (returning their ids), kept in `byFunction`
 * under `key` while it has probes, and set again after every live patch of its script.
 */
function siteOf(s: LiveScript, key: string, target: string, func: string, placeAt: (id: number, byHash: boolean) => string[]): ProbeSite {
  installHits();
  const id = states.length;
  let breakpoints: string[] = [];
  let hashBreakpoints: string[] = [];
  let release: (() => void) | null = null;
  let rests = false;

  const set = (byHash = false): void => {
    const ids = placeAt(id, byHash);
    if (byHash) hashBreakpoints = ids;
    else breakpoints = ids;
  };
  const unset = (): void => {
    removeAll(breakpoints);
    removeAll(hashBreakpoints);
    breakpoints = [];
    hashBreakpoints = [];
    const st = states[id];
    if (st !== undefined) dropCalls(st);
  };
  // After a live patch of the script: closures that V8 moved to the new code need breakpoints
  // set on it, while closures of a function nested in a patched one keep the code they were made
  // with, where the first breakpoints stay. The inspector allows one breakpoint of a kind at a
  // location, so the new ones are set by the patched script's hash, replacing the previous patch's.
  const rearm = (): void => {
    removeAll(hashBreakpoints);
    set(true);
  };
  const arm = (): void => {
    const hold = holdDebugger();
    try {
      set();
    } catch (e) {
      hold();
      throw e;
    }
    release = hold;
    setArmed(rest, true);
    let armed = armedIn.get(s.scriptId);
    if (armed === undefined) armedIn.set(s.scriptId, (armed = new SafeSet()));
    armed.add(rearm);
  };
  const disarm = (): void => {
    setArmed(rest, false);
    unset();
    armedIn.get(s.scriptId)?.delete(rearm);
    release?.();
    release = null;
  };
  // The breakpoints are set and removed by `placing` (at once, or in a job: see setBreakpointTiming),
  // in the order asked; each change does what the last one asked for, if it is not done already.
  let want = false;
  let placed = false;
  const sync = (): void => {
    const on = want && !rests;
    if (on === placed) return;
    if (on) arm();
    else disarm();
    placed = on;
  };

  const site = new ProbeSite({
    kind: 'breakpoint',
    target,
    func,
    setLive: (live) => {
      want = live;
      placing(sync);
    },
    detach: () => {
      want = false;
      states[id] = undefined;
      byFunction.delete(key);
      forget(rest);
      placing(sync);
      return undefined;
    },
  });
  // Called where breakpoints may change (a job, a timer's callback): at once.
  const rest = resting(site, (out) => {
    rests = out;
    const st = states[id];
    if (!out && st !== undefined) st.onSince = now();
    sync();
  }, () => {
    const st = states[id];
    return st === undefined ? 0 : rateOf(st);
  });
  WeakMapPrototypeSet(restOf, site, rest);
  const ceiling = breakpointCeiling();
  states[id] = {
    site, ceiling, pausingCeiling: Math.min(ceiling, pauseCeiling()), depth: 0, second: 0, inSecond: 0, spent: 0, budget: breakpointBudget(), resting: rest,
    onSince: now(),
  };
  byFunction.set(key, site);
  return site;
}

/** What a site's note says of its ceiling. */
function restsPast(): string {
  return `past ${breakpointCeiling()} a second or ${breakpointBudget()} ms of the thread's time a second, ` +
    `it rests for ${REST_MS / 1000} s, its hits then not seen`;
}

/** A breakpoint site on function `index` of `s`; `note` says why it is one. */
export function breakpointSite(s: LiveScript, index: number, note: string): ProbeSite {
  const key = `${s.scriptId}:${index}`;
  const had = byFunction.get(key);
  if (had !== undefined) return had;
  const { fn } = locate(s, index);
  const deferred = entriesOnly(fn);
  const self = receiverOf(fn, true);
  const site = siteOf(s, key, `${s.label}:${fn.name}`, fn.name, (id, byHash) => place(s, index, id, self, deferred, byHash));
  const late = fn.generator ? `; ${SEES_GENERATOR_LATE}` : '';
  site.note = `${note}; on a breakpoint site a hit costs tens of µs (${restsPast()})${deferred ? `, and ${SEES_NO_RETURN}${late}` : ''}${placedLater()}`;
  // Said to return probes alone (list()): an entry probe's hits never pause.
  if (!deferred) {
    site.returnNote = canPause() ? `${PAUSES_FOR_RETVAL} (~1 ms, at most ${pauseCeiling()} a second, the rest missed), and ${SEES_NO_THROWN}` : SEES_NO_RETVAL;
  }
  return site;
}

/** Parsed original sources, for finding line statements (a script is parsed once). */
const programs = new WeakMap<LiveScript, Program>();

/**
 * The statement of `s` (as loaded) that a line probe at `line` (1-based; at or after 0-based
 * `column`, for a position a source map gave) stops at, with the names in scope there.
 */
export function lineStatement(s: LiveScript, line: number, column = 0): LineSite | undefined {
  const starts = lineStarts(s.original);
  if (line < 1 || line > starts.length) return undefined;
  let program = programs.get(s);
  if (program === undefined) programs.set(s, (program = parse(s.original, s.format, s.url)));
  return findLineSites(program, s.original, starts, [{ line, column }])[0];
}

/**
 * A line breakpoint site: a conditional breakpoint at statement `at` of `s`, whose condition
 * hands jsprobe the statement's `this` and a function that reads its locals (read only when a
 * handler asks, as at a load site's line site), and answers false.
 */
export function lineBreakpointSite(s: LiveScript, at: LineSite, label: string): ProbeSite {
  const key = `${s.scriptId}:@${at.start}`;
  const had = byFunction.get(key);
  if (had !== undefined) return had;
  const self = at.thisUnsafe ? 'void 0' : 'this';
  // Each name on its own: a variable of an enclosing scope that the function does not use is not
  // kept for it, and the debugger's evaluation cannot read it (a ReferenceError) where the site's
  // code could. A null prototype: storing runs no setter the program put on Object.prototype.
  const reads = at.locals.map((n) => `try{o.${n}=${n}}catch{}`).join('');
  const locals = at.locals.length === 0 ? 'null' : `()=>{const o={__proto__:null};${reads}return o}`;
  const call = HIT_NAME;
  const placeAt = (id: number, byHash: boolean): string[] => {
    // Where the statement is in the script as V8 runs it now: live sites elsewhere on its line
    // move it right (their text never holds a newline, so the line stays).
    const now = runningCode(s);
    const column = at.column + shiftAt(now.shifts.get(at.line - 1), at.column);
    const cond = condition(`${call}.l(${id},${self},${locals})`);
    try {
      const r = byHash
        ? post<{ breakpointId: string }>('Debugger.setBreakpointByUrl', {
          scriptHash: now.hash, lineNumber: at.line - 1, columnNumber: column, condition: cond,
        })
        : post<{ breakpointId: string }>('Debugger.setBreakpoint', {
          location: { scriptId: s.scriptId, lineNumber: at.line - 1, columnNumber: column }, condition: cond,
        });
      return [r.breakpointId];
    } catch (e) {
      if (!byHash) throw e;
      return [];
    }
  };
  const site = siteOf(s, key, label, `line ${at.line}`, placeAt);
  site.note = `a line of code that had loaded: a breakpoint site, a hit costs tens of µs (${restsPast()})${placedLater()}`;
  return site;
}
