// A child process that loads jsprobe's runtime only at its first matching source (child-watch.ts)
// loads it after the program's own code has run. The runtime takes JavaScript's built-ins as it
// loads (core/primordials.ts, esbuild's helpers, what its modules run at their load), so a built-in
// the program had replaced by then would be the program's, and jsprobe would run the program's
// code at its load and at every hit. So this agent notes, before the program runs, JavaScript's
// global constructors and namespaces and the keys of their own properties and their prototypes'.
// At the runtime's load each global must still be the same object, and each of those properties
// that is a function must still be one of the engine's own (native, with its own name): else the
// child runs untraced, and says what it found replaced.

import {
  FunctionPrototypeToStringOf, ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf, ReflectOwnKeys, regExpTest,
} from '../core/primordials.js';

/** The globals whose holders jsprobe's runtime reaches: constructors (and their prototypes), and namespaces. */
const GLOBALS = [
  'Object', 'Function', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'BigInt', 'Math', 'JSON', 'Reflect', 'Promise', 'Map', 'Set',
  'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Error', 'TypeError', 'RangeError', 'SyntaxError', 'RegExp', 'Date',
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Uint8Array', 'Int32Array', 'Float64Array', 'Atomics', 'Proxy',
] as const;

/**
 * Properties not looked at: Error's two that jsprobe sets aside itself where it uses them (ustack,
 * program/stack.ts); a constructor's prototype, which cannot be replaced; Function.prototype's
 * caller and arguments, V8's unnamed thrower, which nothing calls.
 */
function left(key: PropertyKey): boolean {
  return key === 'prepareStackTrace' || key === 'stackTraceLimit' || key === 'prototype' || key === 'caller' || key === 'arguments';
}

/** How V8 prints one of its own functions: `function push() { [native code] }`, `function get size() …`, `function [Symbol.iterator]() …`. */
const NATIVE = /^function (?:get |set )?(?:\[[^\]]+\]|[^\s(]+)\(\) \{\s*\[native code\]\s*\}$/;

export interface Builtins {
  /** Each of GLOBALS as it was (its value; undefined where this Node has none). */
  globals: unknown[];
  /** The holders, named, and the keys each had. */
  holders: { name: string; holder: object; keys: PropertyKey[] }[];
}

function value(holder: object, key: PropertyKey): unknown {
  const d = ObjectGetOwnPropertyDescriptor(holder, key);
  return d === undefined || d.get !== undefined ? undefined : d.value;
}

/** The holders as they are now, named: each global, its prototype, and the iterators' and typed arrays' own. */
function holdersOf(globals: readonly unknown[]): { name: string; holder: object }[] {
  const out: { name: string; holder: object }[] = [];
  for (let i = 0; i < GLOBALS.length; i++) {
    const g = globals[i];
    if ((typeof g !== 'object' && typeof g !== 'function') || g === null) continue;
    out[out.length] = { name: GLOBALS[i], holder: g };
    const proto = typeof g === 'function' ? value(g, 'prototype') : undefined;
    if (typeof proto === 'object' && proto !== null) out[out.length] = { name: `${GLOBALS[i]}.prototype`, holder: proto };
  }
  const arrayIterator = ObjectGetPrototypeOf([][Symbol.iterator]()) as object;
  const typedArray = ObjectGetPrototypeOf(Uint8Array) as object;
  const more: [string, object][] = [
    ['Array Iterator', arrayIterator], ['Iterator.prototype', ObjectGetPrototypeOf(arrayIterator) as object],
    ['String Iterator', ObjectGetPrototypeOf(''[Symbol.iterator]()) as object], ['Map Iterator', ObjectGetPrototypeOf(new Map().entries()) as object],
    ['Set Iterator', ObjectGetPrototypeOf(new Set().values()) as object], ['TypedArray', typedArray],
    ['TypedArray.prototype', value(typedArray, 'prototype') as object],
  ];
  for (let i = 0; i < more.length; i++) out[out.length] = { name: more[i][0], holder: more[i][1] };
  return out;
}

/** The built-ins as they are now: called before the program's first line. */
export function builtinsNow(): Builtins {
  const globals: unknown[] = [];
  for (let i = 0; i < GLOBALS.length; i++) globals[i] = value(globalThis, GLOBALS[i]);
  const holders = holdersOf(globals);
  const out: Builtins['holders'] = [];
  for (let i = 0; i < holders.length; i++) out[i] = { name: holders[i].name, holder: holders[i].holder, keys: ReflectOwnKeys(holders[i].holder) };
  return { globals, holders: out };
}

function native(f: unknown): boolean {
  if (typeof f !== 'function') return true;
  try {
    return regExpTest(NATIVE, FunctionPrototypeToStringOf(f));
  } catch {
    return false;
  }
}

/** What of `found` the program has replaced since: the globals it rebound, and the functions no longer the engine's own. Empty: none. */
export function replacedSince(found: Builtins): string[] {
  const replaced: string[] = [];
  for (let i = 0; i < GLOBALS.length; i++) {
    if (value(globalThis, GLOBALS[i]) !== found.globals[i]) replaced[replaced.length] = GLOBALS[i];
  }
  if (replaced.length > 0) return replaced;
  for (let i = 0; i < found.holders.length; i++) {
    const { name, holder, keys } = found.holders[i];
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (left(key)) continue;
      const d = ObjectGetOwnPropertyDescriptor(holder, key);
      if (d === undefined) continue;
      if (!native(d.value) || !native(d.get) || !native(d.set)) {
        replaced[replaced.length] = typeof key === 'symbol' ? `${name}[a symbol]` : `${name}.${key}`;
      }
    }
  }
  return replaced;
}
