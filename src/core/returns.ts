// Return tracking past the synchronous return: promises and thenables settle later, generators
// complete later. The frame's records move to PENDING, start their lease, and finish on settle.

import { ACTIVE, BLIND, LIGHT, PENDING, UNSTAMPED, type CallRecord } from './call.js';
import { probeNow } from './clock.js';
import { shared } from './dispatch.js';
import { watchLeases } from './lease.js';
import {
  ObjectDefineProperty, ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf, ObjectIsExtensible,
  ObjectSetPrototypeOf, PromisePrototypeThen, PromiseThen, ReflectApply,
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

/** The `then` method of `v`, or undefined when `v` is not a thenable. */
export function thenOf(v: object): Function | undefined {
  let then: unknown;
  try {
    then = (v as { then?: unknown }).then;
  } catch {
    return undefined; // a throwing `then` getter: not something anyone can wait on
  }
  return typeof then === 'function' ? then : undefined;
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

/** The call returned the thenable `v`: its return is when it settles. */
export function trackThen(f: CallRecord, v: object, then: Function): unknown {
  const head = keep(f);
  if (head === null) return v;
  if (then === PromisePrototypeThen) return trackPromise(head, v as Promise<unknown>);
  return trackThenable(head, v, then);
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

/**
 * Any other thenable is returned as it is: calling its `then` early could start work that a lazy
 * thenable (a query builder, say) only does when awaited. Instead the first `then` call is
 * watched, through an own `then` that removes itself on that call. A non-extensible thenable
 * cannot be watched; its call counts as returned at once.
 */
function trackThenable(head: CallRecord, obj: object, then: Function): unknown {
  if (!ObjectIsExtensible(obj)) {
    settleNow(head, obj);
    return obj;
  }
  const own = ObjectGetOwnPropertyDescriptor(obj, 'then');
  if (own !== undefined && !own.configurable) {
    settleNow(head, obj);
    return obj;
  }
  goAsync(head, true);
  let done = false;
  const once = (retval: unknown, error: unknown, threw: boolean): void => {
    if (done) return;
    done = true;
    settle(head, retval, error, threw);
  };
  function watchedThen(this: unknown, onFulfilled?: unknown, onRejected?: unknown): unknown {
    if (own === undefined) delete (obj as { then?: unknown }).then;
    else ObjectDefineProperty(obj, 'then', own);
    return ReflectApply(then, this, [
      (v: unknown) => {
        once(v, undefined, false);
        return typeof onFulfilled === 'function' ? onFulfilled(v) : v;
      },
      (e: unknown) => {
        once(undefined, e, true);
        if (typeof onRejected === 'function') return onRejected(e);
        throw e;
      },
    ]);
  }
  ObjectDefineProperty(obj, 'then', { configurable: true, enumerable: false, writable: true, value: watchedThen });
  return obj;
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
