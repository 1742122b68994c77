// Return tracking past the synchronous return: native promises settle later, generators complete
// later. Any other thenable is a return like any other value (waiting for it would run its code).
// The frame's records move to PENDING, start their lease, and finish on settle.

import { ACTIVE, BLIND, LIGHT, PENDING, UNSTAMPED, type CallRecord } from './call.js';
import { probeNow } from './clock.js';
import { shared } from './dispatch.js';
import { watchLeases } from './lease.js';
import { types } from 'node:util';
import {
  ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf, ObjectPrototypeHasOwnProperty, ObjectSetPrototypeOf, PromisePrototype,
  PromisePrototypeThen, PromiseThen,
} from './primordials.js';

/**
 * The frame outlives its synchronous return (or is deferred from entry: an async function or a
 * generator at a load site): every record becomes PENDING and leased.
 */
export function goAsync(head: CallRecord, isAsync: boolean): void {
  for (let c: CallRecord | null = head; c !== null; c = c.nextInFrame) {
    if (c.state !== ACTIVE) continue;
    const p = c.core;
    c.state = PENDING;
    c.async = isAsync;
    c.leaseStart = c.t0 === c.t0 ? c.t0 : UNSTAMPED;
    p.inflight++;
    if (!p.watched) watchLeases(p);
  }
}

/** The deferred call completed. Records whose probe retired meanwhile are GONE and stay silent. */
export function settle(head: CallRecord, retval: unknown, error: unknown, threw: boolean): void {
  const t1 = head.t0 === head.t0 ? probeNow() : NaN;
  let c: CallRecord | null = head;
  while (c !== null) {
    const next: CallRecord | null = c.nextInFrame;
    if (c.state === PENDING) {
      const p = c.core;
      p.inflight--;
      if (!c.leased) p.downgraded--;
      shared.finishRecord(c, retval, error, threw, t1);
      if (p.onDrain !== null && p.inflight === p.downgraded) p.onDrain();
    }
    c = next;
  }
}

const { isPromise } = types;

/**
 * The captured `Promise.prototype.then` when `v` is a native promise that nothing overrides (no
 * own `then`, its prototype exactly Promise.prototype, whose `then` is still the one captured at
 * load); otherwise undefined, and the call counts as returned with `v`. Only descriptors are
 * read: `v.then` could be a program's getter, and any other thenable's `then` a program's code.
 */
export function thenOf(v: object): Function | undefined {
  // isPromise first: it is false for a Proxy, whose getPrototypeOf trap must not run.
  if (!isPromise(v) || ObjectGetPrototypeOf(v) !== PromisePrototype) return undefined;
  if (ObjectGetOwnPropertyDescriptor(v, 'then') !== undefined) return undefined;
  const d = ObjectGetOwnPropertyDescriptor(PromisePrototype, 'then');
  return d !== undefined && ObjectPrototypeHasOwnProperty(d, 'value') && d.value === PromisePrototypeThen ? PromisePrototypeThen : undefined;
}

/**
 * A light frame keeps no record, but a deferred call needs one (for its lease, pending() and its
 * grace period): take it now. None free means the call is missed after all.
 */
function keep(f: CallRecord): CallRecord | null {
  if (f.state !== LIGHT && f.state !== BLIND) return f;
  const p = f.core;
  const c = shared.take(p);
  if (c === null) p.missed++;
  else {
    c.t0 = NaN;
    c.where = f.where;
  }
  return c;
}

/** The call returned the native promise `v` (thenOf gave `then`): its return is when it settles. */
export function trackThen(f: CallRecord, v: object, then: Function): unknown {
  const head = keep(f);
  if (head === null) return v;
  if (then === PromisePrototypeThen) return trackPromise(head, v as Promise<unknown>);
  settleNow(head, v); // not reached: thenOf gives no other then
  return v;
}

function settleNow(head: CallRecord, v: unknown): void {
  shared.finishFrame(head, v, undefined, false);
}

/**
 * A native promise: hand the caller the promise of `then`, as TracingChannel.tracePromise does.
 * It settles one microtask later than the original, with the same value or reason, and an
 * unhandled rejection is still reported for it.
 */
function trackPromise(head: CallRecord, promise: Promise<unknown>): Promise<unknown> {
  goAsync(head, true);
  return PromiseThen(
    promise,
    (value) => {
      settle(head, value, undefined, false);
      return value;
    },
    (error) => {
      settle(head, undefined, error, true);
      throw error;
    },
  );
}

function* watchGenerator(head: CallRecord, inner: Generator): Generator {
  let done = false;
  try {
    const r: unknown = yield* inner;
    done = true;
    settle(head, r, undefined, false);
    return r;
  } catch (e) {
    if (!done) {
      done = true;
      settle(head, undefined, e, true);
    }
    throw e;
  } finally {
    // Closed early by return(): completed, with no value we can see.
    if (!done) settle(head, undefined, undefined, false);
  }
}

async function* watchAsyncGenerator(head: CallRecord, inner: AsyncGenerator): AsyncGenerator {
  let done = false;
  try {
    const r: unknown = yield* inner;
    done = true;
    settle(head, r, undefined, false);
    return r;
  } catch (e) {
    if (!done) {
      done = true;
      settle(head, undefined, e, true);
    }
    throw e;
  } finally {
    if (!done) settle(head, undefined, undefined, false);
  }
}

/**
 * A generator function returned `gen`. The caller gets a generator that delegates to it with
 * `yield*` and reports completion; its prototype is `gen`'s, so `instanceof` the generator
 * function and the iterator protocol behave as before.
 */
export function trackGenerator(f: CallRecord, gen: unknown, isAsync: boolean): unknown {
  if (typeof gen !== 'object' || gen === null) {
    settleNow(f, gen);
    return gen;
  }
  const head = keep(f);
  if (head === null) return gen;
  goAsync(head, isAsync);
  const outer = isAsync
    ? watchAsyncGenerator(head, gen as AsyncGenerator)
    : watchGenerator(head, gen as Generator);
  ObjectSetPrototypeOf(outer, ObjectGetPrototypeOf(gen));
  return outer;
}
