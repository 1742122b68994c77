// `ctx`: the number of the async causal chain a call belongs to, so that the calls of one request
// can be paired under concurrency. A chain begins at a top-level event and goes on through
// everything the event's code starts (docs/language.md, "Request context"). Nothing is installed unless
// a program reads ctx: then an async hook (init only) and a diagnostics channel, for the session.
//
// Where a chain is kept: each async resource (a promise, a timer, a socket…) gets the chain current
// when it was made, under a symbol of jsprobe's, as Node's own AsyncLocalStorage does before Node 24;
// a callback runs in its resource's chain. A resource made outside any chain gets none, or EVENT
// if it is a source of top-level events (a timer, a server, a port…): each run of its callback is
// a chain of its own, begun by the first read of ctx or the first resource made in that run, and
// forgotten after the run (a microtask). An incoming HTTP request begins a chain at once (the
// `http.server.request.start` channel), also on a keep-alive connection.

import { createHook, executionAsyncResource, type AsyncHook } from 'node:async_hooks';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { types } from 'node:util';
import { ObjectDefineProperty, ObjectGetPrototypeOf, ObjectIsExtensible, ObjectSetPrototypeOf } from '../core/primordials.js';

const { isPromise, isProxy } = types;
const ObjectHasOwn = Object.hasOwn;
const ObjectPrototype = Object.prototype;
const PromisePrototype = Promise.prototype;
const queue = queueMicrotask;

const CTX = Symbol('jsprobe.ctx');
/** A resource outside any chain whose callback's runs are top-level events: each run begins a chain. */
const EVENT = -1;
/** async_hooks types whose callbacks are top-level events when nothing made them inside a chain. */
const EVENT_SOURCES = new Set([
  'Timeout', 'TCPSERVERWRAP', 'PIPESERVERWRAP', 'TCPWRAP', 'PIPEWRAP', 'UDPWRAP', 'MESSAGEPORT', 'WORKER',
  'SIGNALWRAP', 'PROCESSWRAP', 'TTYWRAP', 'FSEVENTWRAP', 'STATWATCHER', 'HTTPINCOMINGMESSAGE', 'HTTPCLIENTREQUEST',
]);
const REQUEST_START = 'http.server.request.start';

let next = 0;
let users = 0;
let hook: AsyncHook | null = null;

/**
 * What a resource holds: a chain (> 0), none (0), EVENT, or -c while a run of an event source is
 * chain c. Read only as an own property: a read through the prototype chain could reach a proxy.
 */
function held(r: object): number | undefined {
  return ObjectHasOwn(r, CTX) ? (r as Record<symbol, number>)[CTX] : undefined;
}

/**
 * The descriptor of a new mark, reused. Without a prototype: defineProperty reads `get` and `set`
 * from it, which a program's getter on Object.prototype would otherwise answer.
 */
const MARK = ObjectSetPrototypeOf({ value: 0, writable: true, configurable: true, enumerable: false }, null) as PropertyDescriptor;

/** Set what `r` holds: a data property of its own, never an assignment that a setter could see. */
function hold(r: object, v: number): boolean {
  if (ObjectHasOwn(r, CTX)) {
    (r as Record<symbol, number>)[CTX] = v;
    return true;
  }
  if (!ObjectIsExtensible(r)) return false;
  MARK.value = v;
  ObjectDefineProperty(r, CTX, MARK);
  return true;
}

/** A run of an event source begins chain c; after the run, the source is an event source again. */
function begin(r: object): number {
  const c = ++next;
  if (hold(r, -c)) queue(() => void hold(r, EVENT));
  return c;
}

/** The chain of the code running now: 0 outside any. */
function current(): number {
  const r = executionAsyncResource();
  // AsyncResource's runInAsyncScope called on a proxy makes the proxy the resource: not touched.
  if (isProxy(r)) return 0;
  const v = held(r);
  if (v === undefined) {
    // Made before the hook was installed (or the top level, a plain object): a promise goes on
    // whatever made it, and anything else is taken for an event source.
    return isPromise(r) || ObjectGetPrototypeOf(r) === ObjectPrototype ? 0 : begin(r);
  }
  if (v === EVENT) return begin(r);
  return v < 0 ? -v : v;
}

/**
 * Mark a new resource. Most are promises: a plain store, whose map transition V8 caches, where
 * their prototype chain is the built-in one (no proxy in it for the store to reach); defineProperty
 * cost ~10× as much per promise (bench:ctx). Anything else is marked through hold().
 */
function mark(resource: object, v: number): void {
  if (ObjectGetPrototypeOf(resource) === PromisePrototype && ObjectGetPrototypeOf(PromisePrototype) === ObjectPrototype) {
    (resource as Record<symbol, number>)[CTX] = v;
  } else {
    hold(resource, v);
  }
}

function init(_id: number, type: string, _trigger: number, resource: object): void {
  // A fault here would end the program (Node treats a throwing hook as fatal): never let one out.
  try {
    const c = current();
    mark(resource, c > 0 ? c : EVENT_SOURCES.has(type) ? EVENT : 0);
  } catch {
    // the resource goes without a chain
  }
}

function requestStart(): void {
  try {
    const r = executionAsyncResource();
    if (!isProxy(r)) hold(r, ++next);
  } catch {
    // the request goes on in the connection's chain
  }
}

/** `ctx` at a hit: the chain of the code running now, 0 outside any. */
export function readContext(): number {
  return current();
}

/**
 * Track chains from now on, for a runtime whose program reads ctx; the function returned stops
 * (when the last such runtime stops, the hook and the subscription go).
 */
export function startContext(): () => void {
  if (users++ === 0) {
    hook = createHook({ init });
    hook.enable();
    subscribe(REQUEST_START, requestStart);
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (--users > 0) return;
    hook?.disable();
    hook = null;
    unsubscribe(REQUEST_START, requestStart);
  };
}
