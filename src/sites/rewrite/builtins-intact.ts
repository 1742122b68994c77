// Whether the built-ins that oxc-parser's raw-transfer deserializer reaches are still those of
// jsprobe's load. That route is oxc's JavaScript (~6k generated lines: `push`, `slice`, `substr`,
// Array's iterator, `fill`, `setTimeout`, Buffer's `latin1Slice`, …) running on whatever the
// program has made of them; instrument.ts takes it only while this says nothing was replaced, and
// else oxc's JSON route, which jsprobe reads itself with what it captured.

import {
  ObjectGetOwnPropertyDescriptor, ObjectGetOwnPropertyDescriptors, ObjectGetPrototypeOf, ObjectHasOwn, ReflectOwnKeys, SafeMap, SafeNumber,
  StringPrototypeIndexOf, StringPrototypeSlice,
} from '../../core/primordials.js';

type Own = readonly [key: PropertyKey, value: unknown, get: unknown, set: unknown];

const iterProto = (it: object): object => ObjectGetPrototypeOf(it) as object;
const TypedArray = ObjectGetPrototypeOf(Uint8Array) as object;

/**
 * The holders whose methods the raw route may reach (oxc's index.js and bindings.js as they load, its
 * raw-transfer and deserializer code): all their methods and accessors, as a new version of oxc may
 * call others. Node's Buffer and TextEncoder: the methods it calls alone.
 */
const HOLDERS: readonly object[] = [
  Object, Object.prototype, Function.prototype, Array, Array.prototype, iterProto([][Symbol.iterator]()),
  iterProto(iterProto([][Symbol.iterator]())), String, String.prototype, iterProto(''[Symbol.iterator]()), Number, RegExp.prototype,
  WeakRef.prototype, TypedArray, (TypedArray as { prototype: object }).prototype, Uint8Array.prototype, ArrayBuffer.prototype,
];
const NODE_METHODS: readonly (readonly [object, readonly string[]])[] = [
  [Buffer.prototype, ['latin1Slice', 'utf8Slice']], [TextEncoder.prototype, ['encodeInto']],
];
const GLOBALS: readonly string[] = [
  'Array', 'ArrayBuffer', 'BigInt', 'Buffer', 'Error', 'Float64Array', 'Int32Array', 'JSON', 'Math', 'Object', 'RegExp', 'String',
  'Symbol', 'TextDecoder', 'TextEncoder', 'Uint8Array', 'Uint32Array', 'WeakRef', 'clearTimeout', 'parseInt', 'setTimeout',
];

/**
 * The methods and accessors of `holder` among `keys`. Not its other data (Number.MAX_VALUE cannot
 * change), nor Error's stack settings, which tsx and source-map-support set and ustack swaps.
 */
function ownOf(holder: object, keys: readonly PropertyKey[] | null): Own[] {
  // All of a holder's descriptors in one call where all are asked: a native read, not one per key.
  const all = keys === null ? ObjectGetOwnPropertyDescriptors(holder) : null;
  const names = keys ?? ReflectOwnKeys(all!);
  const out: Own[] = [];
  for (let i = 0; i < names.length; i++) {
    const key = names[i];
    if (holder === Error && (key === 'prepareStackTrace' || key === 'stackTraceLimit')) continue;
    // As jsprobe loads, before the program's code: these reads of a descriptor run nothing of its.
    const d = all !== null ? (all as Record<PropertyKey, PropertyDescriptor>)[key] : ObjectGetOwnPropertyDescriptor(holder, key);
    if (d === undefined) out[out.length] = [key, undefined, undefined, undefined];
    else if (typeof d.value === 'function' || typeof d.value === 'object' || d.get !== undefined || d.set !== undefined) {
      out[out.length] = [key, d.value, d.get, d.set];
    }
  }
  return out;
}

/** `d`'s own `field`: a descriptor's absent fields would be looked up on Object.prototype, which the program may have given getters. */
function field(d: PropertyDescriptor, name: 'value' | 'get' | 'set'): unknown {
  return ObjectHasOwn(d, name) ? d[name] : undefined;
}

/**
 * Each holder's own properties as jsprobe loaded, by identity of value, getter and setter: ~250, read
 * in ~0.8-1 ms as jsprobe loads, on Node >= 22 alone (Node 20 has no raw route).
 */
const atLoad = new SafeMap() as Map<object, Own[]>;
const rawPossible = SafeNumber(StringPrototypeSlice(process.versions.node, 0, StringPrototypeIndexOf(process.versions.node, '.'))) >= 22;
if (rawPossible) {
  for (let i = 0; i < HOLDERS.length; i++) atLoad.set(HOLDERS[i], ownOf(HOLDERS[i], null));
  for (let i = 0; i < NODE_METHODS.length; i++) atLoad.set(NODE_METHODS[i][0], ownOf(NODE_METHODS[i][0], NODE_METHODS[i][1]));
  atLoad.set(globalThis, ownOf(globalThis, GLOBALS));
}

/** Whether every property of atLoad is as it was (a descriptor read each: no getter runs): ~30-100 µs, asked before a parse of 1 MiB or more. */
export function builtinsIntact(): boolean {
  if (!rawPossible) return false;
  for (const entry of atLoad) {
    const holder = entry[0];
    const own = entry[1];
    for (let i = 0; i < own.length; i++) {
      const d = ObjectGetOwnPropertyDescriptor(holder, own[i][0]);
      if (d === undefined ? own[i][1] !== undefined || own[i][2] !== undefined
        : field(d, 'value') !== own[i][1] || field(d, 'get') !== own[i][2] || field(d, 'set') !== own[i][3]) {
        return false;
      }
    }
  }
  return true;
}
