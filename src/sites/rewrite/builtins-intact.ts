// Whether the built-ins that oxc-parser's raw-transfer deserializer reaches are still those of
// jsprobe's load. That route is oxc's JavaScript (~6k generated lines: `push`, `slice`, `substr`,
// Array's iterator, `fill`, `setTimeout`, Buffer's `latin1Slice`, …) running on whatever the
// program has made of them; instrument.ts takes it only while this says nothing was replaced, and
// else oxc's JSON route, which jsprobe reads itself with what it captured.

import {
  ObjectGetOwnPropertyDescriptor, ObjectGetOwnPropertyDescriptors, ObjectGetPrototypeOf, ObjectHasOwn, ReflectOwnKeys, SafeMap, SafeNumber,
  StringPrototypeIndexOf, StringPrototypeSlice,
} from '../../core/primordials.js';

/** A holder's own property descriptors as jsprobe loaded, by key (undefined: the key was not there). */
type Descriptors = Record<PropertyKey, PropertyDescriptor | undefined>;

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

/** The descriptors of `holder`'s `keys`, as Object.getOwnPropertyDescriptors gives all of them. */
function some(holder: object, keys: readonly string[]): Descriptors {
  const out: Descriptors = { __proto__: null } as unknown as Descriptors;
  for (let i = 0; i < keys.length; i++) out[keys[i]] = ObjectGetOwnPropertyDescriptor(holder, keys[i]);
  return out;
}

/** `d`'s own `field`: a descriptor's absent fields would be looked up on Object.prototype, which the program may have given getters. */
function field(d: PropertyDescriptor, name: 'value' | 'get' | 'set'): unknown {
  return ObjectHasOwn(d, name) ? d[name] : undefined;
}

/**
 * Each holder's own descriptors as jsprobe loaded, kept whole (a native read each; nothing of
 * jsprobe's runs over them until a parse asks), on Node >= 22 alone (Node 20 has no raw route).
 */
const atLoad = new SafeMap() as Map<object, Descriptors>;
const rawPossible = SafeNumber(StringPrototypeSlice(process.versions.node, 0, StringPrototypeIndexOf(process.versions.node, '.'))) >= 22;
if (rawPossible) {
  // As jsprobe loads, before the program's code: these reads of descriptors run nothing of its.
  for (let i = 0; i < HOLDERS.length; i++) atLoad.set(HOLDERS[i], ObjectGetOwnPropertyDescriptors(HOLDERS[i]) as Descriptors);
  for (let i = 0; i < NODE_METHODS.length; i++) atLoad.set(NODE_METHODS[i][0], some(NODE_METHODS[i][0], NODE_METHODS[i][1]));
  atLoad.set(globalThis, some(globalThis, GLOBALS));
}

/**
 * Whether each method and accessor of atLoad is as it was, by identity of value, getter and setter
 * (a descriptor read each: no getter runs): ~250, in ~30-100 µs, asked before a parse of 1 MiB or
 * more. Not other data (Number.MAX_VALUE cannot change), nor Error's stack settings, which tsx and
 * source-map-support set and ustack swaps.
 */
export function builtinsIntact(): boolean {
  if (!rawPossible) return false;
  for (const entry of atLoad) {
    const holder = entry[0];
    const was = entry[1];
    const keys = ReflectOwnKeys(was);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (holder === Error && (key === 'prepareStackTrace' || key === 'stackTraceLimit')) continue;
      const w = was[key as string];
      const d = ObjectGetOwnPropertyDescriptor(holder, key);
      if (w === undefined) {
        if (d !== undefined && (field(d, 'value') !== undefined || field(d, 'get') !== undefined || field(d, 'set') !== undefined)) return false;
        continue;
      }
      const value = field(w, 'value');
      const get = field(w, 'get');
      const set = field(w, 'set');
      if (typeof value !== 'function' && typeof value !== 'object' && get === undefined && set === undefined) continue;
      if (d === undefined || field(d, 'value') !== value || field(d, 'get') !== get || field(d, 'set') !== set) return false;
    }
  }
  return true;
}
