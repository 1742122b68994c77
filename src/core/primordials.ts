// Built-ins captured when jsprobe loads, as Node's own lib/ does with primordials: a probe on
// `Promise.prototype.then` or `Reflect.apply` must not recurse into jsprobe's hot path, and a
// program that replaces them later must not change how jsprobe behaves.

export const ReflectApply = Reflect.apply;

/**
 * `safe`, a subclass of `unsafe` (Map, Set) with its own copy of every method, getter and iterator
 * as they are now, on a prototype with no prototype of its own, as Node's primordials make theirs:
 * `m.get(k)`, `m.size` and `for (const x of m)` on one of jsprobe's then never reach what the
 * program did to Map.prototype or to the iterators' `next`. Its iterators are of a class of its
 * own too. (`new SafeMap(iterable)` still iterates `iterable` by its own iterator: pass none.)
 */
function makeSafe<C extends Function>(unsafe: { prototype: object }, safe: C): C {
  const proto = unsafe.prototype as Record<PropertyKey, unknown>;
  const sample = Reflect.construct(unsafe as unknown as FunctionConstructor, []) as object;
  const keys = Reflect.ownKeys(proto);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === 'constructor') continue;
    const d = Object.getOwnPropertyDescriptor(proto, key)!;
    if (key === 'entries' || key === 'keys' || key === 'values' || key === Symbol.iterator) d.value = safeIterating(d.value as Function, sample);
    Object.defineProperty(safe.prototype, key, { __proto__: null, ...d } as PropertyDescriptor);
  }
  Object.setPrototypeOf(safe.prototype, null);
  Object.freeze(safe.prototype);
  return Object.freeze(safe);
}

/** A method that makes an iterator, as one returning an iterator whose `next` is the one captured now. */
function safeIterating(make: Function, sample: object): Function {
  const makeIt = Function.prototype.call.bind(make) as (self: unknown) => Iterator<unknown>;
  const next = Function.prototype.call.bind(makeIt(sample).next) as (it: Iterator<unknown>) => IteratorResult<unknown>;
  class SafeIterator {
    readonly #it: Iterator<unknown>;
    constructor(self: unknown) {
      this.#it = makeIt(self);
    }

    next(): IteratorResult<unknown> {
      return next(this.#it);
    }

    [Symbol.iterator](): SafeIterator {
      return this;
    }
  }
  Object.setPrototypeOf(SafeIterator.prototype, null);
  Object.freeze(SafeIterator.prototype);
  return function (this: unknown) {
    return new SafeIterator(this);
  };
}
export const ReflectConstruct = Reflect.construct;
export const ReflectOwnKeys = Reflect.ownKeys;
export const ReflectDeleteProperty = Reflect.deleteProperty;
export const ObjectDefineProperty = Object.defineProperty;
export const ObjectKeys = Object.keys;
export const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
export const ObjectGetOwnPropertyDescriptors = Object.getOwnPropertyDescriptors;
export const ObjectGetPrototypeOf = Object.getPrototypeOf;
export const ObjectSetPrototypeOf = Object.setPrototypeOf;
export const ObjectFreeze = Object.freeze;
export const ObjectIsExtensible = Object.isExtensible;
export const FunctionPrototypeToString = Function.prototype.toString;
export const PromisePrototypeThen = Promise.prototype.then;
export const SafePromise = Promise;
export const SafeWeakRef = WeakRef;
export const SymbolFor = Symbol.for;
export const SafeWeakMap = WeakMap;
export const SafeWeakSet = WeakSet;
export const SafeFloat64Array = Float64Array;
// Constructors of their own: a class's default one passes its arguments on by spreading them, through Array's iterator.
export const SafeMap = makeSafe(Map, class SafeMap extends Map<unknown, unknown> {
  constructor(entries?: readonly (readonly [unknown, unknown])[] | null) {
    super(entries);
  }
}) as unknown as MapConstructor;
export const SafeSet = makeSafe(Set, class SafeSet extends Set<unknown> {
  constructor(values?: readonly unknown[] | null) {
    super(values);
  }
}) as unknown as SetConstructor;
export const setTimeoutSafe = setTimeout;
export const clearTimeoutSafe = clearTimeout;
export const setIntervalSafe = setInterval;
export const clearIntervalSafe = clearInterval;
export const setImmediateSafe = setImmediate;

/** Function constructors of the kinds a return probe tracks differently. */
export const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as FunctionConstructor;
export const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as FunctionConstructor;
export const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor as FunctionConstructor;

// uncurryThis, as in Node's primordials: f(thisArg, ...args) without looking up `call` at run time.
export const uncurryThis = Function.prototype.bind.bind(Function.prototype.call) as
  <T, A extends unknown[], R>(fn: (this: T, ...args: A) => R) => (thisArg: T, ...args: A) => R;

export const PromiseThen = uncurryThis(Promise.prototype.then) as
  (p: PromiseLike<unknown>, onFulfilled: (v: unknown) => unknown, onRejected: (e: unknown) => unknown) => Promise<unknown>;
/**
 * Array.prototype.slice's result, made by an index loop into a new array: the built-in makes its
 * result by `a.constructor[Symbol.species]`, which for an array of jsprobe's own is Array's, a
 * getter the program can replace. A hole comes out as undefined.
 */
export function ArrayPrototypeSlice<T>(a: ArrayLike<T>, start?: number, end?: number): T[] {
  const len = a.length;
  const from = sliceIndex(start, 0, len);
  const to = sliceIndex(end, len, len);
  const out: T[] = [];
  for (let i = from; i < to; i++) out[out.length] = a[i];
  return out;
}

function sliceIndex(i: number | undefined, absent: number, len: number): number {
  if (i === undefined) return absent;
  const n = i !== i ? 0 : i < 0 ? MathCeil(i) : MathFloor(i);
  return n < 0 ? MathMax(len + n, 0) : MathMin(n, len);
}
export const ArrayPrototypeJoin = uncurryThis(Array.prototype.join) as (a: ArrayLike<unknown>, sep?: string) => string;
export const ArrayPrototypeSort = uncurryThis(Array.prototype.sort) as <T>(a: T[], compare: (x: T, y: T) => number) => T[];
export const FunctionToString = uncurryThis(Function.prototype.toString) as (f: Function) => string;

// What the value path (formatting, printf, handlers' string and array methods, maps) calls: each
// captured here, so a program that replaces `String.prototype.padStart`, `Math.floor`,
// `Array.prototype.map` or `RegExp.prototype[Symbol.replace]` changes nothing jsprobe does.
type Uncurried = (self: unknown, ...args: unknown[]) => unknown;
const uncurry = uncurryThis as unknown as (fn: Function) => Uncurried;
/** The getter of a built-in accessor, as a function of its receiver. */
function getterOf(proto: object, key: PropertyKey): Uncurried {
  return uncurry(Object.getOwnPropertyDescriptor(proto, key)!.get!);
}

export const SafeString = String;
export const SafeNumber = Number;
export const SafeBigInt = BigInt;
export const SafeDate = Date;
export const SafeError = Error;
export const SafeRegExp = RegExp;
export const MathTrunc = Math.trunc;
export const MathFloor = Math.floor;
export const MathCeil = Math.ceil;
export const MathRound = Math.round;
export const MathMin = Math.min;
export const MathMax = Math.max;
export const MathClz32 = Math.clz32;
export const MathLog2 = Math.log2;
export const MathRandom = Math.random;
export const NumberIsFinite = Number.isFinite;
export const NumberIsInteger = Number.isInteger;
export const StringFromCharCode = String.fromCharCode;
export const ArrayIsArray = Array.isArray;
export const ObjectPrototypeHasOwnProperty = uncurry(Object.prototype.hasOwnProperty) as (o: object, k: PropertyKey) => boolean;
export const ObjectCreate = Object.create;
export const ObjectHasOwn = Object.hasOwn;

/**
 * `o` on no prototype: a name it lacks reads undefined, and `in` is false, not what a program may
 * have put on Object.prototype (test/safety/pollute.test.ts). For a lookup table read after the
 * program has run (the language's, compiled in the target under -p), and for options or hooks
 * handed to Node, which reads an option left out through the prototype (a `resolve` beside
 * module.registerHooks' `load`, a Worker's `execArgv`).
 */
export function noProto<T extends object>(o: T): T {
  return ObjectSetPrototypeOf(o, null) as T;
}

/** JSON.parse's reviver for parseOwn: each object on no prototype, as noProto's. */
function ownReviver(_key: string, v: unknown): unknown {
  return typeof v === 'object' && v !== null && !ArrayIsArray(v) ? ObjectSetPrototypeOf(v, null) : v;
}

/**
 * JSON `text` parsed with every object on no prototype: an optional field the JSON leaves out
 * reads undefined at any depth (a compiled program, a message), not Object.prototype's.
 */
export function parseOwn<T>(text: string): T {
  return JSONParse(text, ownReviver) as T;
}

/** A copy of JSON data `v` with every object on no prototype (parseOwn). */
export function ownTree<T>(v: T): T {
  return parseOwn<T>(JSONStringify(v));
}

/**
 * A copy of `o`'s own enumerable fields on no prototype: an optional field `o` leaves out (an
 * object from JSON.parse, a caller's options) reads undefined there, not what a program may have
 * put on Object.prototype (test/safety/pollute.test.ts).
 */
export function ownFields<T extends object>(o: T): T {
  const out = ObjectCreate(null) as Record<PropertyKey, unknown>;
  const keys = ObjectKeys(o);
  for (let i = 0; i < keys.length; i++) out[keys[i]] = (o as Record<PropertyKey, unknown>)[keys[i]];
  return out as T;
}

/**
 * `key` is `o`'s own or its prototypes' short of Object.prototype (a class's method or getter): what
 * `o` has of its own making, never what a program may have put on Object.prototype.
 */
export function definedBy(o: object, key: PropertyKey): boolean {
  for (let p: object | null = o; p !== null && p !== ObjectPrototype; p = ObjectGetPrototypeOf(p) as object | null) if (ObjectHasOwn(p, key)) return true;
  return false;
}

/** The members of union `T` that have key `K`. */
type WithKey<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T : never) : never;

/**
 * `key in o` for `o`'s own properties: which member of a union `o` is, told by a key. `in` looks
 * through the prototype too, where a program may have put any name on Object.prototype
 * (test/safety/pollute.test.ts), and an object of jsprobe's would seem to have it.
 */
export function hasKey<T extends object, K extends PropertyKey>(o: T, key: K): o is WithKey<T, K> {
  return ObjectHasOwn(o, key);
}
export const JSONStringify = JSON.stringify;
export const JSONParse = JSON.parse;
export const HrtimeBigint = process.hrtime.bigint;
/** Not `performance.now`: reading the `performance` global loads node:perf_hooks (core/clock.ts). */
export const Hrtime = process.hrtime as (time?: [number, number]) => [number, number];

/** Math's functions as a program finds them now, in a table no one else can change. */
export const MathFunctions: Readonly<Record<string, (...a: number[]) => number>> = (() => {
  const t = Object.create(null) as Record<string, (...a: number[]) => number>;
  for (const k of Object.getOwnPropertyNames(Math)) {
    const v = (Math as unknown as Record<string, unknown>)[k];
    if (typeof v === 'function') t[k] = v as (...a: number[]) => number;
  }
  return Object.freeze(t);
})();

export const StringPrototypeSlice = uncurry(String.prototype.slice) as (s: string, a?: number, b?: number) => string;
export const StringPrototypeIndexOf = uncurry(String.prototype.indexOf) as (s: string, x: string, from?: number) => number;
export const StringPrototypeLastIndexOf = uncurry(String.prototype.lastIndexOf) as (s: string, x: string, from?: number) => number;
export const StringPrototypeCharAt = uncurry(String.prototype.charAt) as (s: string, i: number) => string;
export const StringPrototypeCharCodeAt = uncurry(String.prototype.charCodeAt) as (s: string, i: number) => number;
export const StringPrototypePadStart = uncurry(String.prototype.padStart) as (s: string, n: number, f?: string) => string;
export const StringPrototypePadEnd = uncurry(String.prototype.padEnd) as (s: string, n: number, f?: string) => string;
export const StringPrototypeRepeat = uncurry(String.prototype.repeat) as (s: string, n: number) => string;
export const StringPrototypeToUpperCase = uncurry(String.prototype.toUpperCase) as (s: string) => string;
export const StringPrototypeStartsWith = uncurry(String.prototype.startsWith) as (s: string, x: string) => boolean;
export const StringPrototypeEndsWith = uncurry(String.prototype.endsWith) as (s: string, x: string) => boolean;
export const StringPrototypeIncludes = uncurry(String.prototype.includes) as (s: string, x: string) => boolean;
export const StringPrototypeValueOf = uncurry(String.prototype.valueOf) as (s: unknown) => string;
/** The pure string methods a handler may call, captured: name → method of (receiver, ...args). */
export const StringMethods = capture(String.prototype, [
  'at', 'charAt', 'charCodeAt', 'endsWith', 'includes', 'indexOf', 'lastIndexOf', 'padEnd', 'padStart', 'repeat', 'slice',
  'startsWith', 'substring', 'toLowerCase', 'toUpperCase', 'trim', 'trimEnd', 'trimStart', 'toString',
]);
export const NumberMethods = capture(Number.prototype, ['toFixed', 'toPrecision', 'toString', 'toExponential']);
export const ArrayMethods = ObjectFreeze({
  __proto__: null,
  ...capture(Array.prototype, ['at', 'includes', 'indexOf', 'join', 'lastIndexOf']),
  slice: ArrayPrototypeSlice as Uncurried,
}) as unknown as Readonly<Record<string, Uncurried>>;
export const NumberPrototypeToFixed = NumberMethods.toFixed as (n: number, d?: number) => string;
export const NumberPrototypeToExponential = NumberMethods.toExponential as (n: number, d?: number) => string;
export const NumberPrototypeToPrecision = NumberMethods.toPrecision as (n: number, d?: number) => string;
export const NumberPrototypeValueOf = uncurry(Number.prototype.valueOf) as (n: unknown) => number;
export const BooleanPrototypeValueOf = uncurry(Boolean.prototype.valueOf) as (b: unknown) => boolean;
export const BigIntAsUintN = BigInt.asUintN;
export const BigIntPrototypeToString = uncurry(BigInt.prototype.toString) as (n: bigint, radix?: number) => string;
export const BigIntPrototypeValueOf = uncurry(BigInt.prototype.valueOf) as (n: unknown) => bigint;
export const SymbolPrototypeValueOf = uncurry(Symbol.prototype.valueOf) as (s: unknown) => symbol;
export const SymbolPrototypeGetDescription = getterOf(Symbol.prototype, 'description') as (s: symbol) => string | undefined;
export const DatePrototypeGetTime = uncurry(Date.prototype.getTime) as (d: unknown) => number;
export const DatePrototypeToISOString = uncurry(Date.prototype.toISOString) as (d: unknown) => string;
export const DateGetters = capture(Date.prototype, ['getFullYear', 'getMonth', 'getDate', 'getHours', 'getMinutes', 'getSeconds', 'getMilliseconds']);
export const FunctionPrototypeToStringOf = uncurry(Function.prototype.toString) as (f: unknown) => string;

export const MapPrototypeGet = uncurry(Map.prototype.get) as <K, V>(m: Map<K, V>, k: K) => V | undefined;
export const MapPrototypeSet = uncurry(Map.prototype.set) as <K, V>(m: Map<K, V>, k: K, v: V) => Map<K, V>;
export const WeakMapPrototypeGet = uncurry(WeakMap.prototype.get) as <K extends object, V>(m: WeakMap<K, V>, k: K) => V | undefined;
export const WeakMapPrototypeSet = uncurry(WeakMap.prototype.set) as <K extends object, V>(m: WeakMap<K, V>, k: K, v: V) => WeakMap<K, V>;
export const MapPrototypeEntries = uncurry(Map.prototype.entries) as (m: unknown) => Iterator<[unknown, unknown]>;
export const MapIteratorNext = uncurry(Object.getPrototypeOf(new Map().entries()).next as Function) as
  (it: Iterator<[unknown, unknown]>) => IteratorResult<[unknown, unknown]>;
export const MapPrototypeGetSize = getterOf(Map.prototype, 'size') as (m: unknown) => number;
export const SetPrototypeValues = uncurry(Set.prototype.values) as (s: unknown) => Iterator<unknown>;
export const SetIteratorNext = uncurry(Object.getPrototypeOf(new Set().values()).next as Function) as
  (it: Iterator<unknown>) => IteratorResult<unknown>;
export const SetPrototypeGetSize = getterOf(Set.prototype, 'size') as (s: unknown) => number;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
export const TypedArrayPrototypeGetLength = getterOf(TypedArrayPrototype, 'length') as (a: unknown) => number;
export const TypedArrayPrototypeGetSymbolToStringTag = getterOf(TypedArrayPrototype, Symbol.toStringTag) as (a: unknown) => string | undefined;
export const ArrayBufferPrototypeGetByteLength = getterOf(ArrayBuffer.prototype, 'byteLength') as (b: unknown) => number;
export const SharedArrayBufferPrototypeGetByteLength = getterOf(SharedArrayBuffer.prototype, 'byteLength') as (b: unknown) => number;
export const DataViewPrototypeGetByteLength = getterOf(DataView.prototype, 'byteLength') as (b: unknown) => number;
export const RegExpPrototypeGetSource = getterOf(RegExp.prototype, 'source') as (r: unknown) => string;
/** RegExp flag getters in `flags` order, each reading the regexp's internal flags (never its own `flags`). */
export const RegExpFlagGetters: readonly (readonly [string, Uncurried])[] = (
  [['hasIndices', 'd'], ['global', 'g'], ['ignoreCase', 'i'], ['multiline', 'm'], ['dotAll', 's'], ['unicode', 'u'], ['unicodeSets', 'v'],
    ['sticky', 'y']] as const
).filter(([k]) => Object.getOwnPropertyDescriptor(RegExp.prototype, k) !== undefined).map(([k, f]) => [f, getterOf(RegExp.prototype, k)] as const);
export const PromisePrototype = Promise.prototype;
export const ObjectPrototype = Object.prototype;

function capture(proto: object, names: readonly string[]): Readonly<Record<string, Uncurried>> {
  const t = Object.create(null) as Record<string, Uncurried>;
  for (const n of names) t[n] = uncurry((proto as Record<string, Function>)[n]);
  return Object.freeze(t);
}

/** Each entry of a Map, by the captured iterator: for..of and destructuring go through iterators the program can replace. */
export function mapForEach<K, V>(m: Map<K, V>, f: (v: V, k: K) => void): void {
  const it = MapPrototypeEntries(m);
  for (let r = MapIteratorNext(it); r.done !== true; r = MapIteratorNext(it)) {
    const pair = r.value;
    f(pair[1] as V, pair[0] as K);
  }
}

/**
 * Promise.all for promises of jsprobe's own, without what Promise.all looks up when called
 * (Promise.resolve, each promise's `then`, Promise[Symbol.species]), all of which the program may
 * have replaced: each promise gets its own `constructor`, undefined, so that the captured `then`
 * takes the built-in Promise without a lookup.
 */
export function promiseAll(ps: readonly Promise<unknown>[]): Promise<void> {
  return new SafePromise<void>((resolve, reject) => {
    let left = ps.length;
    if (left === 0) return resolve();
    const one = (): unknown => (--left === 0 ? resolve() : undefined);
    for (let i = 0; i < ps.length; i++) {
      defineOwn(ps[i], 'constructor', { value: undefined });
      PromiseThen(ps[i], one, reject);
    }
  });
}

/**
 * Object.defineProperty with a copy of `d` that has no prototype: a descriptor inherits from
 * Object.prototype, where a `get`, `set`, `value` or `writable` the program put there would be read
 * as part of it (running the program's getter, or making a data property an accessor).
 */
export function defineOwn(o: object, key: PropertyKey, d: PropertyDescriptor): void {
  ObjectDefineProperty(o, key, { __proto__: null, ...d } as PropertyDescriptor);
}

/**
 * Object.getOwnPropertyDescriptor, its result without a prototype: reading `get` of a data
 * property's descriptor (or `value` of an accessor's) would reach a getter the program put on
 * Object.prototype.
 */
export function ownDescriptor(o: object, key: PropertyKey): PropertyDescriptor | undefined {
  const d = ObjectGetOwnPropertyDescriptor(o, key);
  return d === undefined ? undefined : (ObjectSetPrototypeOf(d, null) as PropertyDescriptor);
}

// What rewriting a module calls (sites/hooks, sites/rewrite, sites/load): a module the program
// loads after its start is rewritten in its thread, when it may have replaced any of these.
export const RegExpPrototypeExec = uncurry(RegExp.prototype.exec) as (re: RegExp, s: string) => RegExpExecArray | null;
/** RegExp.prototype.test without its lookup of the regexp's `exec`, which the program may have replaced. */
export function regExpTest(re: RegExp, s: string): boolean {
  return RegExpPrototypeExec(re, s) !== null;
}
export const ArrayPrototypeLastIndexOf = uncurry(Array.prototype.lastIndexOf) as <T>(a: readonly T[], x: T) => number;
export const ArrayPrototypeIncludes = uncurry(Array.prototype.includes) as <T>(a: readonly T[], x: T) => boolean;
export const AtomicsLoad = Atomics.load;
export const AtomicsStore = Atomics.store;
export const AtomicsAdd = Atomics.add;
export const AtomicsCompareExchange = Atomics.compareExchange;
export const AtomicsNotify = Atomics.notify;
export const AtomicsWait = Atomics.wait;

/**
 * `s` split at each `sep` (a non-empty string), by indexOf: String.prototype.split looks up
 * `Symbol.split` on its separator, which for a string is String.prototype's.
 */
export function stringSplit(s: string, sep: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let at = StringPrototypeIndexOf(s, sep); at >= 0; at = StringPrototypeIndexOf(s, sep, from)) {
    out[out.length] = StringPrototypeSlice(s, from, at);
    from = at + sep.length;
  }
  out[out.length] = StringPrototypeSlice(s, from);
  return out;
}

/** The lists' elements in one new array, by index: a spread goes through Array's iterator. */
export function arrayConcat<T>(...lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < lists.length; i++) {
    const l = lists[i];
    for (let j = 0; j < l.length; j++) out[out.length] = l[j];
  }
  return out;
}

/** Array.prototype.map by index into an array of jsprobe's own (the built-in makes its result by Array[Symbol.species]). */
export function arrayMap<T, U>(a: readonly T[], f: (x: T, i: number) => U): U[] {
  const out: U[] = [];
  for (let i = 0; i < a.length; i++) out[i] = f(a[i], i);
  return out;
}

/** Array.prototype.filter by index, as arrayMap. */
export function arrayFilter<T>(a: readonly T[], f: (x: T, i: number) => boolean): T[] {
  const out: T[] = [];
  for (let i = 0; i < a.length; i++) if (f(a[i], i)) out[out.length] = a[i];
  return out;
}

/** Array.prototype.some by index. */
export function arraySome<T>(a: readonly T[], f: (x: T) => boolean): boolean {
  for (let i = 0; i < a.length; i++) if (f(a[i])) return true;
  return false;
}

/** A SafeSet of `values`, added by index (`new SafeSet(values)` would iterate them by Array's iterator). */
export function setOf<T>(values: readonly T[]): Set<T> {
  const s = new SafeSet() as Set<T>;
  for (let i = 0; i < values.length; i++) s.add(values[i]);
  return s;
}
export const TypedArrayPrototypeSet = uncurry((TypedArrayPrototype as { set: Function }).set) as (a: Uint8Array, from: ArrayLike<number>, at?: number) => void;
const TypedArrayPrototypeGetBuffer = getterOf(TypedArrayPrototype, 'buffer') as (a: Uint8Array) => ArrayBufferLike;
const TypedArrayPrototypeGetByteOffset = getterOf(TypedArrayPrototype, 'byteOffset') as (a: Uint8Array) => number;
/** The `len` bytes of `bytes` from `at`, copied into a new Uint8Array (a typed array's slice looks up its species). */
export function bytesCopy(bytes: Uint8Array, at: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  TypedArrayPrototypeSet(out, new Uint8Array(TypedArrayPrototypeGetBuffer(bytes), TypedArrayPrototypeGetByteOffset(bytes) + at, len));
  return out;
}
export const MathImul = Math.imul;
export const NumberPrototypeToString = NumberMethods.toString as (n: number, radix?: number) => string;
