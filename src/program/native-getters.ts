// The built-in getters a safe-mode property read may call, captured at load: each reads only an
// internal slot of a value of its own kind (a Map's size, a typed array's length), checked with
// util.types first. Identity with the captured function is the test, never its source text: a
// bound function or a Proxy around a program's function prints "[native code]" too.

import { types } from 'node:util';

export interface NativeGetter {
  readonly fn: Function;
  /** The receivers it reads a slot of. */
  is(v: object): boolean;
  call(v: object): unknown;
}

const uncurry = Function.prototype.bind.bind(Function.prototype.call) as (fn: Function) => (self: unknown) => unknown;
const { isMap, isSet, isTypedArray, isArrayBuffer, isDataView, isRegExp, isSymbolObject } = types;

function getter(proto: object, key: PropertyKey, is: (v: object) => boolean): NativeGetter {
  const fn = Object.getOwnPropertyDescriptor(proto, key)!.get!;
  return Object.freeze({ fn, is, call: uncurry(fn) });
}

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const flags = ['global', 'ignoreCase', 'multiline', 'dotAll', 'unicode', 'unicodeSets', 'sticky', 'hasIndices', 'source']
  .filter((k) => Object.getOwnPropertyDescriptor(RegExp.prototype, k) !== undefined);

export const NATIVE_GETTERS: readonly NativeGetter[] = Object.freeze([
  getter(Map.prototype, 'size', isMap),
  getter(Set.prototype, 'size', isSet),
  getter(TypedArrayPrototype, 'length', isTypedArray),
  getter(TypedArrayPrototype, 'byteLength', isTypedArray),
  getter(TypedArrayPrototype, 'byteOffset', isTypedArray),
  getter(ArrayBuffer.prototype, 'byteLength', isArrayBuffer),
  getter(DataView.prototype, 'byteLength', isDataView),
  getter(DataView.prototype, 'byteOffset', isDataView),
  getter(Symbol.prototype, 'description', isSymbolObject),
  ...flags.map((k) => getter(RegExp.prototype, k, isRegExp)),
]);
