// Reading a traced program's objects by descriptor only: own data properties, the class name
// (through data `constructor` and `name` properties), whether `stack` can be read, all without
// running a getter or entering a Proxy. What safe-format.ts and the runtime's property reads use.

import { types } from 'node:util';
import {
  ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf, ObjectHasOwn, ObjectPrototype, ReflectApply, SafeError,
  SafeWeakSet,
} from '../core/primordials.js';
import { readable } from './safe-strlen.js';

const { isProxy } = types;
/** Prototypes followed, at most (a chain longer than this reads as unknown). */
const CHAIN = 64;

/** A property descriptor's parts, read as own fields (a descriptor inherits from Object.prototype). */
export interface Slot {
  kind: 'value' | 'get' | 'set' | 'getset' | 'none';
  value: unknown;
  /** An accessor's getter, to compare (never to call) with the built-ins known to read only internal slots. */
  getter: unknown;
  enumerable: boolean;
}

export const NO_SLOT: Slot = { kind: 'none', value: undefined, getter: undefined, enumerable: false };

/** The own property `key` of `o` (not a Proxy), without running anything. */
export function ownSlot(o: object, key: PropertyKey): Slot {
  let d: PropertyDescriptor | undefined;
  try {
    d = ObjectGetOwnPropertyDescriptor(o, key);
  } catch {
    return NO_SLOT; // a module namespace's binding before it is initialised
  }
  if (d === undefined) return NO_SLOT;
  const enumerable = d.enumerable === true;
  if (ObjectHasOwn(d, 'value')) return { kind: 'value', value: d.value, getter: undefined, enumerable };
  const getter = ObjectHasOwn(d, 'get') ? d.get : undefined;
  const g = getter !== undefined;
  const s = ObjectHasOwn(d, 'set') && d.set !== undefined;
  return { kind: g && s ? 'getset' : g ? 'get' : s ? 'set' : 'getset', value: undefined, getter, enumerable };
}

/**
 * The first data property `key` along the prototype chain of `o` (own first), stopping at a Proxy
 * or an accessor: undefined then.
 */
export function dataAlongChain(o: object, key: string): unknown {
  let p: object | null = o;
  for (let i = 0; p !== null && i < CHAIN; i++) {
    if (isProxy(p)) return undefined;
    const s = ownSlot(p, key);
    if (s.kind === 'value') return s.value;
    if (s.kind !== 'none') return undefined;
    p = ObjectGetPrototypeOf(p) as object | null;
  }
  return undefined;
}

/**
 * Node's own Error.prepareStackTrace, when it sets one (Node 20.20 and later, 22.x): the value at
 * jsprobe's load, if a function of that name. Under -c that is before any of the program's code.
 */
const NODE_PREPARE = ((): unknown => {
  const p = ownSlot(SafeError, 'prepareStackTrace');
  if (p.kind !== 'value' || typeof p.value !== 'function') return undefined;
  const name = ownSlot(p.value, 'name');
  return name.kind === 'value' && name.value === 'ErrorPrepareStackTrace' ? p.value : undefined;
})();

/**
 * Whether reading `stack` on `o` runs only Node's own code. The first read formats the trace:
 * Node calls a program's Error.prepareStackTrace if there is one, and reads the error's `name`
 * and `message` (a getter among them would run). So: the global Error is still the one captured
 * at load, it has no prepareStackTrace of the program's, and `name` and `message` are data.
 * `nodePrepareToo`: Node's own prepareStackTrace (NODE_PREPARE) is no bar either; the `stack`
 * builtin asks so; error formatting and `error.stack` keep to the stricter rule.
 */
export function stackReadable(o: object, nodePrepareToo = false): boolean {
  const e = ownSlot(globalThis, 'Error');
  if (e.kind !== 'value' || e.value !== SafeError) return false;
  const p = ownSlot(SafeError, 'prepareStackTrace');
  const nodes = nodePrepareToo && NODE_PREPARE !== undefined && p.kind === 'value' && p.value === NODE_PREPARE;
  if (p.kind !== 'none' && !(p.kind === 'value' && p.value === undefined) && !nodes) return false;
  return dataSlotAlongChain(o, 'name') && dataSlotAlongChain(o, 'message');
}

/** The first `key` along the chain of `o` is a data property (or there is none), and no Proxy is on the way. */
function dataSlotAlongChain(o: object, key: string): boolean {
  let p: object | null = o;
  for (let i = 0; p !== null && i < CHAIN; i++) {
    if (isProxy(p)) return false;
    const s = ownSlot(p, key);
    if (s.kind !== 'none') return s.kind === 'value';
    p = ObjectGetPrototypeOf(p) as object | null;
  }
  return p === null;
}

/**
 * The class name of `o`, found as util.inspect does (the `constructor` of the nearest prototype
 * that has one) but reading only data properties: a static `name` getter is not run. `undefined`
 * for a null prototype; `?` where a Proxy or an accessor stands in the way.
 */
export function classOf(o: object): string | undefined {
  let p: object | null = o;
  builtinBehind = true;
  for (let i = 0; i < CHAIN; i++) {
    if (isProxy(p)) return i === 0 ? '?' : '[Proxy prototype]';
    p = ObjectGetPrototypeOf(p) as object | null;
    if (p === null) return undefined;
    if (isProxy(p)) return '[Proxy prototype]';
    // The chain to the class name: a built-in prototype on it (or past it) may mean internal slots.
    if (ReflectApply(WeakSetHas, BUILTIN_PROTOTYPES, [p]) === true) return nameAt(p);
    const c = ownSlot(p, 'constructor');
    if (c.kind === 'none') continue;
    builtinBehind = chainHasBuiltin(p);
    return nameAt(p);
  }
  return '?';
}

/** Set by classOf(): whether a built-in prototype other than Object.prototype is on the chain. */
let builtinBehind = true;

/** After classOf(o): whether `o` may have internal slots to show (a built-in prototype is on its chain). */
export function builtinOnChain(): boolean {
  return builtinBehind;
}

/** The prototypes whose instances have internal slots the formatter shows (Map.prototype, …). */
const BUILTIN_PROTOTYPES = new SafeWeakSet<object>();
for (const c of [Map, Set, WeakMap, WeakSet, Date, RegExp, Error, Promise, ArrayBuffer, SharedArrayBuffer, DataView, String, Number,
  Boolean, BigInt, Symbol, ObjectGetPrototypeOf(Uint8Array) as Function]) BUILTIN_PROTOTYPES.add(c.prototype as object);
const WeakSetHas = BUILTIN_PROTOTYPES.has;

/** The name of the class whose prototype is `p` (the `constructor` found there, read as data). */
function nameAt(p: object): string {
  const c = ownSlot(p, 'constructor');
  if (c.kind !== 'value' || typeof c.value !== 'function' || isProxy(c.value)) return '?';
  const n = ownSlot(c.value, 'name');
  return n.kind === 'value' && typeof n.value === 'string' && n.value !== '' ? readable(n.value) ?? '?' : '?';
}

/** Whether, past `p`, the chain reaches a built-in prototype before Object.prototype (or a Proxy: unknown). */
function chainHasBuiltin(p: object): boolean {
  let q: object | null = p;
  for (let i = 0; q !== null && i < CHAIN; i++) {
    if (isProxy(q)) return true;
    if (q === ObjectPrototype) return false;
    if (ReflectApply(WeakSetHas, BUILTIN_PROTOTYPES, [q]) === true) return true;
    q = ObjectGetPrototypeOf(q) as object | null;
  }
  return q !== null;
}
