// A child process that loads jsprobe's runtime only at its first matching source (child-watch.ts)
// loads it after the program's own code has run. The runtime takes JavaScript's built-ins as it
// loads (core/primordials.ts, esbuild's helpers, what its modules run at their load), so a built-in
// the program had replaced by then would be the program's, and jsprobe would run the program's
// code at its load and at every hit. So this agent notes, before the program runs, JavaScript's
// global constructors and namespaces, and the functions (methods, getters, setters) of their own
// properties and their prototypes'. At the runtime's load each global must still be the same
// object, and each of those properties the same function: else the child runs untraced, and says
// what it found replaced.

import { ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf, ReflectOwnKeys } from '../core/primordials.js';

/** The globals whose holders jsprobe's runtime reaches: constructors (and their prototypes), and namespaces. */
const GLOBALS = [
  'Object', 'Function', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'BigInt', 'Math', 'JSON', 'Reflect', 'Promise', 'Map', 'Set',
  'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Error', 'TypeError', 'RangeError', 'SyntaxError', 'RegExp', 'Date',
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Uint8Array', 'Int32Array', 'Float64Array', 'Atomics', 'Proxy',
] as const;

/**
 * Node's functions that the runtime takes as it loads, as it takes JavaScript's (primordials.ts's
 * Hrtime, the timers' and queueMicrotask's Safe copies, the event ring's TextEncoder): the globals,
 * by value, and each holder's keys named. A program that replaced one before the runtime loaded
 * would have it called at every hit (queueMicrotask, process.hrtime) or each second (setInterval).
 * Not every function of theirs: libraries replace others (signal-exit's process.emit), which the
 * runtime looks up as it calls them wherever it loaded (docs/language.md, "Safety").
 */
const NODE_GLOBALS = [
  'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'decodeURIComponent',
  'TextEncoder', 'TextDecoder',
] as const;

/** Properties not looked at: Error's two that jsprobe sets aside itself where it uses them (ustack, program/stack.ts). */
function left(key: PropertyKey): boolean {
  return key === 'prepareStackTrace' || key === 'stackTraceLimit';
}

export interface Builtins {
  /** Each of GLOBALS as it was (its value; undefined where this Node has none). */
  globals: unknown[];
  /** Each of NODE_GLOBALS as it was: its value, read (Node's lazy getter, before the program's code), and its getter if any, two a name. */
  node: unknown[];
  /** The holders, named, the keys each had, and each key's value, getter and setter then, three a key. */
  holders: { name: string; holder: object; keys: PropertyKey[]; was: unknown[] }[];
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

/** Node's holders of functions the runtime takes as it loads, named, with those functions' keys (NODE_GLOBALS). */
function nodeHolders(): { name: string; holder: object; keys: PropertyKey[] }[] {
  const out: { name: string; holder: object; keys: PropertyKey[] }[] = [
    { name: 'process', holder: process, keys: ['hrtime', 'kill'] },
    { name: 'process.hrtime', holder: process.hrtime, keys: ['bigint'] },
  ];
  const encoders: [string, unknown, PropertyKey[]][] = [
    ['TextEncoder.prototype', globalThis.TextEncoder, ['encode', 'encodeInto']], ['TextDecoder.prototype', globalThis.TextDecoder, ['decode']],
  ];
  for (let i = 0; i < encoders.length; i++) {
    const proto = typeof encoders[i][1] === 'function' ? value(encoders[i][1] as object, 'prototype') : undefined;
    if (typeof proto === 'object' && proto !== null) out[out.length] = { name: encoders[i][0], holder: proto, keys: encoders[i][2] };
  }
  return out;
}

/** The built-ins as they are now: called before the program's first line (~1 ms). */
export function builtinsNow(): Builtins {
  const globals: unknown[] = [];
  for (let i = 0; i < GLOBALS.length; i++) globals[i] = value(globalThis, GLOBALS[i]);
  const node: unknown[] = [];
  for (let i = 0; i < NODE_GLOBALS.length; i++) {
    // Read: Node defines some lazily (TextEncoder on Node 20), as a getter that turns into the value at its first read.
    node[i * 2] = globalThis[NODE_GLOBALS[i]];
    node[i * 2 + 1] = ObjectGetOwnPropertyDescriptor(globalThis, NODE_GLOBALS[i])?.get;
  }
  const holders: { name: string; holder: object; keys?: PropertyKey[] }[] = holdersOf(globals);
  const nodes = nodeHolders();
  for (let i = 0; i < nodes.length; i++) holders[holders.length] = nodes[i];
  const out: Builtins['holders'] = [];
  for (let i = 0; i < holders.length; i++) {
    const holder = holders[i].holder;
    const keys = holders[i].keys ?? ReflectOwnKeys(holder);
    const was: unknown[] = [];
    for (let k = 0; k < keys.length; k++) {
      const d = ObjectGetOwnPropertyDescriptor(holder, keys[k]);
      was[k * 3] = d?.value;
      was[k * 3 + 1] = d?.get;
      was[k * 3 + 2] = d?.set;
    }
    out[i] = { name: holders[i].name, holder, keys, was };
  }
  return { globals, node, holders: out };
}

/**
 * What of `found` the program has replaced since: the globals it rebound, and the properties whose
 * function (a method, a getter, a setter) is another. Empty: none. By identity, at the runtime's
 * load: a property added since, which jsprobe never calls, is not looked at.
 */
export function replacedSince(found: Builtins): string[] {
  const replaced: string[] = [];
  for (let i = 0; i < GLOBALS.length; i++) {
    if (value(globalThis, GLOBALS[i]) !== found.globals[i]) replaced[replaced.length] = GLOBALS[i];
  }
  for (let i = 0; i < NODE_GLOBALS.length; i++) {
    const d = ObjectGetOwnPropertyDescriptor(globalThis, NODE_GLOBALS[i]);
    const getter = d?.get;
    // Still Node's lazy getter, or the value it read (or any read since made of it).
    const same = d === undefined ? found.node[i * 2] === undefined : getter !== undefined ? getter === found.node[i * 2 + 1] : d.value === found.node[i * 2];
    if (!same) replaced[replaced.length] = NODE_GLOBALS[i];
  }
  if (replaced.length > 0) return replaced;
  for (let i = 0; i < found.holders.length; i++) {
    const { name, holder, keys, was } = found.holders[i];
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (left(key)) continue;
      const d = ObjectGetOwnPropertyDescriptor(holder, key);
      const changed = d === undefined
        ? typeof was[k * 3] === 'function' || was[k * 3 + 1] !== undefined
        : (typeof was[k * 3] === 'function' && d.value !== was[k * 3]) || d.get !== was[k * 3 + 1] || d.set !== was[k * 3 + 2];
      if (changed) replaced[replaced.length] = typeof key === 'symbol' ? `${name}[a symbol]` : `${name}.${key}`;
    }
  }
  return replaced;
}
