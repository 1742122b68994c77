// Whether the built-ins that oxc-parser's raw-transfer deserializer reaches are still those of
// jsprobe's load. That route is oxc's JavaScript (~6k generated lines: `push`, `slice`, `substr`,
// Array's iterator, `fill`, `setTimeout`, Buffer's `latin1Slice`, …) running on whatever the
// program has made of them; instrument.ts takes it only while this says nothing was replaced, and
// else oxc's JSON route, which jsprobe reads itself with what it captured.

import { ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf, ReflectOwnKeys, SafeMap } from '../../core/primordials.js';

type Own = readonly [key: PropertyKey, value: unknown, get: unknown, set: unknown];

const iterProto = (it: object): object => ObjectGetPrototypeOf(it) as object;
const TypedArray = ObjectGetPrototypeOf(Uint8Array) as object;

/** Every holder whose methods the deserializer (or what it calls) may reach, and the globals it names. */
const HOLDERS: readonly object[] = [
  Object, Object.prototype, Function.prototype, Array, Array.prototype, iterProto([][Symbol.iterator]()),
  iterProto(iterProto([][Symbol.iterator]())), String, String.prototype, iterProto(''[Symbol.iterator]()), Number, Number.prototype,
  BigInt, BigInt.prototype, Symbol, Symbol.prototype, Math, JSON, Reflect, RegExp, RegExp.prototype, Map.prototype, Set.prototype,
  WeakRef.prototype, Promise, Promise.prototype, Error, Error.prototype, TypedArray, (TypedArray as { prototype: object }).prototype,
  Uint8Array.prototype, ArrayBuffer.prototype, Buffer, Buffer.prototype, TextEncoder.prototype, TextDecoder.prototype,
];
const GLOBALS: readonly string[] = [
  'Array', 'ArrayBuffer', 'BigInt', 'Buffer', 'Error', 'Float64Array', 'Int32Array', 'JSON', 'Math', 'Object', 'RegExp', 'String',
  'Symbol', 'TextDecoder', 'TextEncoder', 'Uint8Array', 'Uint32Array', 'WeakRef', 'clearTimeout', 'parseInt', 'setTimeout',
];

/**
 * The methods and accessors of `holder` among `keys`. Not its other data (Number.MAX_VALUE cannot
 * change), nor Error's stack settings, which tsx and source-map-support set and ustack swaps.
 */
function ownOf(holder: object, keys: readonly PropertyKey[]): Own[] {
  const out: Own[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (holder === Error && (key === 'prepareStackTrace' || key === 'stackTraceLimit')) continue;
    const d = ObjectGetOwnPropertyDescriptor(holder, key);
    if (d === undefined) out[out.length] = [key, undefined, undefined, undefined];
    else if (typeof d.value === 'function' || typeof d.value === 'object' || d.get !== undefined || d.set !== undefined) {
      out[out.length] = [key, d.value, d.get, d.set];
    }
  }
  return out;
}

/** Each holder's own properties as jsprobe loaded, by identity of value, getter and setter. */
const atLoad = new SafeMap() as Map<object, Own[]>;
for (let i = 0; i < HOLDERS.length; i++) atLoad.set(HOLDERS[i], ownOf(HOLDERS[i], ReflectOwnKeys(HOLDERS[i])));
atLoad.set(globalThis, ownOf(globalThis, GLOBALS));

/** Whether every property of atLoad is as it was (a descriptor read each: no getter runs). ~0.1 ms, asked before a parse of 1 MB or more. */
export function builtinsIntact(): boolean {
  for (const entry of atLoad) {
    const holder = entry[0];
    const own = entry[1];
    for (let i = 0; i < own.length; i++) {
      const d = ObjectGetOwnPropertyDescriptor(holder, own[i][0]);
      if (d === undefined ? own[i][1] !== undefined || own[i][2] !== undefined : d.value !== own[i][1] || d.get !== own[i][2] || d.set !== own[i][3]) {
        return false;
      }
    }
  }
  return true;
}
