// The hot path: what a site's code calls on entry and on the way out. A frame is what one call
// carries from entry to exit: null (nothing to do at exit), a probe's scratch record (a light
// probe: nothing kept from entry), or the chain of pooled records of the probes that track the
// call. It lives with the call (the site's local variable, or its promise's closures), never in a
// global table.
//
// V8 makes this path cost a few ns only when it inlines all of it into the site and every call
// in it is monomorphic. Shared by every site, its feedback would mix every probe's handlers and
// branches, and the inlining budget (~920 bytecode bytes) would run out. So `makeDispatch` is
// self-contained (it reads nothing but `env`), and wrap sites get a copy per kind of handlers,
// compiled from its source (dispatchFor). Load and live sites, thousands at a time, share one copy.

import { ACTIVE, BLIND, CallRecord, FREE, LIGHT, NOT_CAPTURED, PENDING } from './call.js';
import { probeNow } from './clock.js';
import { afterHandler, fault, thread } from './handlers.js';
import type { CountCell } from './counter.js';
import type { ProbeCore } from './probe.js';
import type { Snapshot } from './site.js';
import { goAsync, settle, thenOf, trackGenerator, trackThen } from './returns.js';
import { MapPrototypeGet, MapPrototypeSet, MathRound, SafeMap } from './primordials.js';

/** Everything makeDispatch may use: it must not reach module scope (it is recompiled per site). */
const env = {
  ACTIVE, BLIND, FREE, LIGHT, NOT_CAPTURED, PENDING, CallRecord, thread, afterHandler, now: probeNow, fault,
  thenOf, trackThen, trackGenerator, goAsync, settle, MathRound,
} as const;
type Env = typeof env;

type Slots = [self: unknown, argc: number, a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined];

export interface Dispatch {
  /** A call entered a site whose snapshot is `s`; returns the frame for the exit functions. */
  enter(s: Snapshot, ...slots: Slots): CallRecord | null;
  /**
   * enter() for a snapshot whose `quick` is set (one light probe with only an onReturn): nothing of
   * the call is read at entry, so a site's code need not gather its arguments first.
   */
  enterQuick(s: Snapshot): CallRecord | null;
  /** enter() for a construct call, with its new.target. */
  enterNew(s: Snapshot, self: unknown, newTarget: Function, argc: number,
    a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined): CallRecord | null;
  /**
   * The call returned `v`; returns what the caller must get (`v`, or a promise settling like it).
   * `own`: the probe the site's code was made for, if any (a wrapper's; see callReturn).
   */
  exitReturn(f: CallRecord, v: unknown, own?: ProbeCore | null): unknown;
  /**
   * exitReturn through a frame's own exit (CallRecord.exit, a load site's sync return): `own` is
   * the frame's probe, held by the exit its probe made, so that where V8 inlines that one exit
   * into the site, `own` and its handler are constants (docs/hot-path.md).
   */
  exitOwn(f: CallRecord, v: unknown, own: ProbeCore): unknown;
  /** A construct call returned `v`; a thenable instance is not a pending call. */
  exitConstruct(f: CallRecord, v: unknown): unknown;
  /** The call threw `e`; returns it for the site to rethrow. */
  exitThrow(f: CallRecord, e: unknown): unknown;
  /** A generator function returned `gen`: track it to completion. */
  exitGenerator(f: CallRecord, gen: unknown, isAsync: boolean): unknown;
  /**
   * enter() for a call that is deferred from its start: an async function or a generator whose
   * site is inside its body (load and live sites). Its records are PENDING and leased at once.
   */
  enterDeferred(s: Snapshot, isAsync: boolean, self: unknown, argc: number,
    a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined): CallRecord | null;
  /** A deferred call completed with `v`; an async function's returned thenable is waited for. */
  exitDeferred(f: CallRecord, v: unknown, awaitsThenables: boolean): unknown;
  /** A line site was reached: its probes' onEntry, with `locals()` giving the variables in scope. */
  line(s: Snapshot, self: unknown, locals: (() => object) | null, args?: readonly unknown[]): void;
  /** Run onReturn for every record of a frame whose call has completed. */
  finishFrame(head: CallRecord, retval: unknown, error: unknown, threw: boolean): void;
  /** A free record of `p`'s pool, or null when maxActive are in flight. */
  take(p: ProbeCore): CallRecord | null;
  /** One record's return, at time t1 (NaN: untimed). */
  finishRecord(c: CallRecord, retval: unknown, error: unknown, threw: boolean, t1: number): void;
  /**
   * `n` calls of a site whose snapshot `s` only counts (an entry-only count, or a blind return
   * count of a sync call), counted in place by the site's code (counting mode, count-mode.ts; a
   * module rewritten for counting alone): count them as their n entries and returns outside any
   * handler would have. Returns how many are left to credit later (see there).
   */
  creditCalls(s: Snapshot, n: number): number;
}

/**
 * `ownCalls`: the copy's sites hold their own probe (wrap sites, callReturn). The shared copy's
 * (load and live sites) never do: there callReturn is runReturn alone, which V8 inlines once.
 */
export function makeDispatch(env: Env, ownCalls = false): Dispatch {
  const {
    ACTIVE, BLIND, FREE, LIGHT, NOT_CAPTURED, PENDING, CallRecord, thread, afterHandler, now, fault,
    thenOf, trackThen, trackGenerator, goAsync, settle, MathRound,
  } = env;

  function take(p: ProbeCore): CallRecord | null {
    let c = p.free;
    if (c !== null) {
      p.free = c.nextFree;
    } else {
      if (p.records.length >= p.maxActive) return null;
      c = new CallRecord(p);
      // Not push: the program may have replaced Array's methods by now.
      p.records[p.records.length] = c;
    }
    c.state = ACTIVE;
    return c;
  }

  /** Back to the pool. Only what a call changed is reset: every store here is paid per hit. */
  function release(p: ProbeCore, c: CallRecord): void {
    if (c.argc !== NOT_CAPTURED) c.clearSlots();
    if (c.rv !== undefined) c.rv = undefined;
    if (c.dataSlot !== undefined) c.dataSlot = undefined;
    if (c.nextInFrame !== null) c.nextInFrame = null;
    if (c.threw || c.async || !c.leased) c.reset();
    c.state = FREE;
    c.nextFree = p.free;
    p.free = c;
  }

  /**
   * A counting probe's hit on `c`, with no handler call; false: no cell to count into (a full map,
   * or the probe does not count), so its handler runs and does what it does then.
   */
  function bump(c: CallRecord): boolean {
    let cell = c.cell;
    if (cell === null) return false;
    if (!cell.live) {
      cell = c.cell = askCell(c);
      if (cell === null) return false;
    }
    cell.n++;
    return true;
  }

  /** The cell for `c`'s hits, after its map let go of the last one (or at the first hit). */
  function askCell(c: CallRecord): CountCell | null {
    const cell = askCellHeld(c);
    if (thread.asked) afterHandler();
    return cell;
  }

  /** askCell, leaving the work put off meanwhile for the caller to run (creditCalls). */
  function askCellHeld(c: CallRecord): CountCell | null {
    const was = thread.busy;
    thread.busy = true;
    let cell: CountCell | null = null;
    try {
      cell = c.core.counter!.cell(c);
    } catch {
      // The handler runs instead from now on, and reports what goes wrong as its own fault.
    }
    thread.busy = was;
    return cell;
  }

  function runEntry(p: ProbeCore, c: CallRecord): boolean {
    const f = p.onEntry!;
    let r: unknown;
    thread.busy = true;
    try {
      r = f(c);
    } catch (e) {
      thread.busy = false;
      // fault() runs what a read put off to this handler's end (handlers.ts).
      fault(p, 'entry', e);
      return false;
    }
    thread.busy = false;
    // A read of the maps that landed inside the handler (an interrupt) runs now (handlers.ts).
    if (thread.asked) afterHandler();
    return r !== false;
  }

  function runReturn(p: ProbeCore, c: CallRecord): void {
    const f = p.onReturn!;
    const was = thread.busy;
    thread.busy = true;
    try {
      f(c);
    } catch (e) {
      fault(p, 'return', e);
    }
    thread.busy = was;
    if (thread.asked) afterHandler();
  }

  function fill(c: CallRecord, self: unknown, newTarget: Function | undefined, argc: number,
    a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined): void {
    c.self = self;
    c.argc = argc;
    c.a0 = a0;
    c.a1 = a1;
    c.a2 = a2;
    c.a3 = a3;
    if (rest !== undefined) c.rest = rest;
    if (newTarget !== undefined) c.nt = newTarget;
  }

  function missAll(s: Snapshot): null {
    for (const p of s.probes) {
      p.hits++;
      p.missed++;
    }
    return null;
  }

  /** onEntry on the scratch record, for a call that keeps no record: false means skip the call. */
  function entryOnScratch(p: ProbeCore, s: Snapshot, self: unknown, newTarget: Function | undefined, argc: number,
    a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined): boolean {
    const c = p.scratch;
    if (p.captures) fill(c, self, newTarget, argc, a0, a1, a2, a3, rest);
    if (p.locates) c.where = s.where;
    const ok = runEntry(p, c);
    if (c.argc !== NOT_CAPTURED) c.clearSlots();
    if (c.dataSlot !== undefined) c.dataSlot = undefined;
    return ok;
  }

  /** The one probe of the site keeps nothing from entry to return. */
  function enterLight(p: ProbeCore, s: Snapshot, self: unknown, newTarget: Function | undefined, argc: number,
    a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined): CallRecord | null {
    p.hits++;
    const counted = s.entryCount;
    if (counted !== null && bump(counted)) {
      p.returns++;
      return null;
    }
    if (p.onEntry !== null && !entryOnScratch(p, s, self, newTarget, argc, a0, a1, a2, a3, rest)) {
      p.skipped++;
      return null;
    }
    if (p.onReturn === null) {
      p.returns++;
      return null;
    }
    return p.blind ? s.quiet : s.scratch;
  }

  /** One probe's part of a tracked entry: its record, to chain into the frame, or null. */
  function enterTracked(p: ProbeCore, s: Snapshot, self: unknown, newTarget: Function | undefined, argc: number,
    a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined, t0: number): CallRecord | null {
    p.hits++;
    if (p.onReturn === null) {
      if (p.onEntry !== null && !entryOnScratch(p, s, self, newTarget, argc, a0, a1, a2, a3, rest)) p.skipped++;
      else p.returns++;
      return null;
    }
    const c = take(p);
    if (c === null) {
      p.missed++;
      return null;
    }
    if (p.captures || s.deferred) fill(c, self, newTarget, argc, a0, a1, a2, a3, rest);
    if (p.locates) c.where = s.where;
    c.t0 = t0;
    if (p.onEntry !== null && !runEntry(p, c)) {
      p.skipped++;
      release(p, c);
      return null;
    }
    return c;
  }

  function enterAll(s: Snapshot, self: unknown, newTarget: Function | undefined, argc: number,
    a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined): CallRecord | null {
    const probes = s.probes;
    const t0 = s.timed ? now() : NaN;
    let head: CallRecord | null = null;
    let tail: CallRecord | null = null;
    for (let i = 0; i < probes.length; i++) {
      const c = enterTracked(probes[i], s, self, newTarget, argc, a0, a1, a2, a3, rest, t0);
      if (c === null) continue;
      if (tail === null) head = c;
      else tail.nextInFrame = c;
      tail = c;
    }
    return head;
  }

  function enter(s: Snapshot, self: unknown, argc: number, a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined): CallRecord | null {
    if (thread.busy) return missAll(s);
    const light = s.light;
    if (light !== null) return enterLight(light, s, self, undefined, argc, a0, a1, a2, a3, rest);
    return enterAll(s, self, undefined, argc, a0, a1, a2, a3, rest);
  }

  function enterQuick(s: Snapshot): CallRecord | null {
    if (thread.busy) return missAll(s);
    const q = s.quick!;
    q.core.hits++;
    return q;
  }

  function enterNew(s: Snapshot, self: unknown, newTarget: Function, argc: number,
    a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined): CallRecord | null {
    if (thread.busy) return missAll(s);
    const light = s.light;
    if (light !== null) return enterLight(light, s, self, newTarget, argc, a0, a1, a2, a3, rest);
    return enterAll(s, self, newTarget, argc, a0, a1, a2, a3, rest);
  }

  /**
   * onReturn of `c`'s probe `p`, called through `own` when that is the same probe. Where a wrapper
   * is inlined into its caller, `own` (held by the wrapper) is a constant to V8, and so is its
   * onReturn, a field set once: the handler is inlined as that one closure, its own variables
   * folded in. Read from `p`, the handler is whatever closure the shared call site has seen, and
   * 100 closures of one function literal (probes registered in a loop) cost each hit a check of
   * the closure and loads of its variables: 1.4x a lone probe's hit (docs/hot-path.md).
   */
  function callOwnReturn(p: ProbeCore, c: CallRecord, own: ProbeCore | null | undefined): void {
    if (p === own) runReturn(own, c);
    else runReturn(p, c);
  }
  // With runReturn inlined twice at each finish, the shared copy's hit on one load site took
  // 11-12 ns instead of ~7 in some processes and not others (bench:hot's armed rows, load sites).
  const callReturn = ownCalls ? callOwnReturn : (p: ProbeCore, c: CallRecord, _own?: ProbeCore | null): void => runReturn(p, c);

  function finishLight(c: CallRecord, retval: unknown, error: unknown, threw: boolean, own?: ProbeCore | null): void {
    const p = c.core;
    c.rv = retval;
    if (threw) {
      c.err = error;
      c.threw = true;
    }
    p.returns++;
    c.lightReturn = true;
    callReturn(p, c, own);
    c.lightReturn = false;
    c.rv = undefined;
    if (threw) c.reset();
  }

  /** A blind probe's return: its handler reads nothing, so nothing is stored for it. */
  function finishBlind(c: CallRecord, own?: ProbeCore | null): void {
    const p = c.core;
    p.returns++;
    // Tested here, not in bump: a probe that does not count never calls bump, so V8 never inlines
    // it, and its bytecode stays out of the inlining budget of the handler's path (3x a hit, measured).
    if (c.cell !== null && bump(c)) return;
    callReturn(p, c, own);
  }

  function finishRecord(c: CallRecord, retval: unknown, error: unknown, threw: boolean, t1: number): void {
    const p = c.core;
    c.rv = retval;
    if (threw) {
      c.err = error;
      c.threw = true;
    }
    if (t1 === t1) c.elapsedNs = MathRound((t1 - c.t0) * 1e6);
    p.returns++;
    runReturn(p, c);
    if (t1 === t1) c.elapsedNs = NaN;
    release(p, c);
  }

  function finishTracked(head: CallRecord, retval: unknown, error: unknown, threw: boolean): void {
    const t1 = head.t0 === head.t0 ? now() : NaN;
    for (let c: CallRecord | null = head; c !== null;) {
      const next: CallRecord | null = c.nextInFrame;
      if (c.state === ACTIVE) finishRecord(c, retval, error, threw, t1);
      c = next;
    }
  }

  function finishFrame(head: CallRecord, retval: unknown, error: unknown, threw: boolean): void {
    const st = head.state;
    if (st === BLIND) finishBlind(head);
    else if (st === LIGHT) finishLight(head, retval, error, threw);
    else finishTracked(head, retval, error, threw);
  }

  function exitObject(f: CallRecord, v: object): unknown {
    const then = thenOf(v);
    if (then !== undefined) return trackThen(f, v, then);
    finishFrame(f, v, undefined, false);
    return v;
  }

  function exitReturn(f: CallRecord, v: unknown, own?: ProbeCore | null): unknown {
    const st = f.state;
    if (st === BLIND) {
      finishBlind(f, own);
      return v;
    }
    if ((typeof v === 'object' && v !== null) || typeof v === 'function') return exitObject(f, v);
    if (st === LIGHT) finishLight(f, v, undefined, false, own);
    else finishTracked(f, v, undefined, false);
    return v;
  }

  /**
   * A blind frame's return with its handler called through `own`, which is `f.core`: read from the
   * frame, the handler is whatever closure this shared code has seen, and 100 closures of one
   * literal cost a lone probe's hit 1.3x its instructions (docs/benchmarks.md, issue 18 round 14).
   * A counting cell first, as the load runtime's r does; any other frame goes through exitReturn.
   */
  function exitOwn(f: CallRecord, v: unknown, own: ProbeCore): unknown {
    const cell = f.cell;
    if (cell !== null && cell.live === true) {
      own.returns++;
      cell.n++;
      return v;
    }
    if (f.state !== BLIND) return exitReturn(f, v);
    own.returns++;
    if (cell !== null && bump(f)) return v;
    runReturn(own, f);
    return v;
  }

  function exitConstruct(f: CallRecord, v: unknown): unknown {
    finishFrame(f, v, undefined, false);
    return v;
  }

  function exitThrow(f: CallRecord, e: unknown): unknown {
    if (f.state === PENDING) settle(f, undefined, e, true);
    else finishFrame(f, undefined, e, true);
    return e;
  }

  function enterDeferred(s: Snapshot, isAsync: boolean, self: unknown, argc: number,
    a0: unknown, a1: unknown, a2: unknown, a3: unknown, rest: unknown[] | undefined): CallRecord | null {
    if (thread.busy) return missAll(s);
    const light = s.light;
    // A deferred site's snapshot is light only for an entry-only probe, which tracks nothing.
    const f = light !== null ? enterLight(light, s, self, undefined, argc, a0, a1, a2, a3, rest) : enterAll(s, self, undefined, argc, a0, a1, a2, a3, rest);
    if (f !== null) goAsync(f, isAsync);
    return f;
  }

  /** A point with no return: a line site, or a breakpoint site's entry where returns cannot be matched (`args` given). */
  function line(s: Snapshot, self: unknown, locals: (() => object) | null, args?: readonly unknown[]): void {
    if (thread.busy) {
      missAll(s);
      return;
    }
    const probes = s.probes;
    for (let i = 0; i < probes.length; i++) {
      const p = probes[i];
      p.hits++;
      if (p.onEntry === null) {
        p.returns++;
        continue;
      }
      const c = p.scratch;
      if (p.captures) {
        c.self = self;
        // A line has no arguments of its own: captured, as none (argc NOT_CAPTURED would say
        // `this` was never kept, and every call's `this` read as undefined).
        c.argc = args === undefined ? 0 : args.length;
        if (args !== undefined) {
          c.a0 = args[0];
          c.a1 = args[1];
          c.a2 = args[2];
          c.a3 = args[3];
          if (args.length > 4) c.rest = args.slice(4);
        }
      }
      c.localsFn = locals;
      if (p.locates) c.where = s.where;
      if (runEntry(p, c)) p.returns++;
      else p.skipped++;
      // this and the arguments go with the slots (set above only where the probe captures).
      if (p.captures) c.clearSlots();
      c.localsFn = null;
      if (c.localsCache !== undefined) c.localsCache = undefined;
      if (c.dataSlot !== undefined) c.dataSlot = undefined;
    }
  }

  function exitDeferred(f: CallRecord, v: unknown, awaitsThenables: boolean): unknown {
    if (awaitsThenables && ((typeof v === 'object' && v !== null) || typeof v === 'function')) {
      const then = thenOf(v);
      if (then !== undefined) return trackThen(f, v, then);
    }
    settle(f, v, undefined, false);
    return v;
  }

  function exitGenerator(f: CallRecord, gen: unknown, isAsync: boolean): unknown {
    return trackGenerator(f, gen, isAsync);
  }

  /**
   * The calls were made outside any handler (the sites count in place only while no other probe
   * is armed), so they are hits and returns whatever the thread does now, even inside a handler
   * (END run by `exit()`). The cell is asked for if need be; with none to be had (a full map) the
   * counter counts the drops at once where it can (Counter.drop). A read put off while the cell
   * was asked for is left to the caller to run (count-mode.ts), once every count is in its cell.
   * Returns the calls left for a later credit: only a counter without `drop`, inside a handler,
   * whose handler must then run for each.
   */
  function creditCalls(s: Snapshot, n: number): number {
    const c = s.counted;
    if (c === null || n <= 0) return 0;
    const p = c.core;
    let cell = c.cell;
    if (cell !== null && !cell.live) cell = c.cell = askCellHeld(c);
    if (cell !== null) cell.n += n;
    else if (p.counter !== null && p.counter.drop !== undefined) p.counter.drop(c, n);
    else if (thread.busy) return n;
    else {
      for (; n > 0; n--) {
        const f = enter(s, undefined, 0, undefined, undefined, undefined, undefined, undefined);
        if (f !== null) exitReturn(f, undefined);
      }
      return 0;
    }
    p.hits += n;
    p.returns += n;
    return 0;
  }

  return {
    enter, enterQuick, enterNew, exitReturn, exitOwn, exitConstruct, exitThrow, exitGenerator, enterDeferred, exitDeferred, line, finishFrame,
    finishRecord, take,
    creditCalls,
  };
}

/** The copy that load sites and deferred returns share. */
export const shared: Dispatch = makeDispatch(env);

let copies = 0;

/**
 * A copy of the hot path with feedback of its own. The comment makes the source unique: V8 caches
 * `new Function` by source text, and closures of one cached function share one feedback vector.
 */
export function siteDispatch(): Dispatch {
  const source = `return (${makeDispatch.toString()})(env, true); // jsprobe dispatch ${++copies}`;
  return new Function('env', source)(env) as Dispatch;
}

/**
 * Copies by what their probes' handlers are, at most MAX_COPIES, then one more for the rest. A
 * copy's feedback needs to be its probes' alone, not its site's: a pattern's one probe on 21k
 * functions, or 21k probes of one handler source, see one handler there either way. A copy per
 * site cost ~1 ms and ~20 kB to compile, 10-40 s and ~480 MB for typescript.js's 21,688 functions.
 */
const MAX_COPIES = 64;
const byKey = new SafeMap<string, Dispatch>();
let keyed = 0;
let overflow: Dispatch | null = null;

/** The copy for sites whose probes' handlers are `key` (see wrap.ts's dispatchKey). */
export function dispatchFor(key: string): Dispatch {
  let d = MapPrototypeGet(byKey, key);
  if (d !== undefined) return d;
  if (keyed >= MAX_COPIES) return (overflow ??= siteDispatch());
  d = siteDispatch();
  keyed++;
  MapPrototypeSet(byKey, key, d);
  return d;
}
