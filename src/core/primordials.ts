// Built-ins captured when jsprobe loads, as Node's own lib/ does with primordials: a probe on
// `Promise.prototype.then` or `Reflect.apply` must not recurse into jsprobe's hot path, and a
// program that replaces them later must not change how jsprobe behaves.

export const ReflectApply = Reflect.apply;
export const ReflectConstruct = Reflect.construct;
export const ReflectOwnKeys = Reflect.ownKeys;
export const ObjectDefineProperty = Object.defineProperty;
export const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
export const ObjectGetPrototypeOf = Object.getPrototypeOf;
export const ObjectSetPrototypeOf = Object.setPrototypeOf;
export const ObjectFreeze = Object.freeze;
export const ObjectIsExtensible = Object.isExtensible;
export const FunctionPrototypeToString = Function.prototype.toString;
export const PromisePrototypeThen = Promise.prototype.then;
export const SafePromise = Promise;
export const SafeWeakRef = WeakRef;
export const SafeWeakMap = WeakMap;
export const SafeWeakSet = WeakSet;
export const SafeMap = Map;
export const SafeSet = Set;
export const perf = performance;
export const PerformanceNow = performance.now;
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
const uncurryThis = Function.prototype.bind.bind(Function.prototype.call) as
  <T, A extends unknown[], R>(fn: (this: T, ...args: A) => R) => (thisArg: T, ...args: A) => R;

export const PromiseThen = uncurryThis(Promise.prototype.then) as
  (p: PromiseLike<unknown>, onFulfilled: (v: unknown) => unknown, onRejected: (e: unknown) => unknown) => Promise<unknown>;
export const ArrayPrototypeSlice = uncurryThis(Array.prototype.slice) as
  (a: ArrayLike<unknown>, start?: number, end?: number) => unknown[];
export const FunctionToString = uncurryThis(Function.prototype.toString) as (f: Function) => string;
