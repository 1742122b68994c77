// oxc-parser's JavaScript side reaches globals at each parse: its JSON route reads the AST with
// `JSON.parse`, and makes the values of BigInt and RegExp literals with `BigInt` and `RegExp`. A
// parse runs in the traced process (a module's load site, a live or breakpoint site placed in a
// loaded script), where the program may have replaced any of them, and its code would then run
// inside jsprobe's. For the length of a parse, the ones captured as jsprobe loaded stand in their
// place, and the program's are put back, as they were, before anything of the program's runs again.

import { ObjectDefineProperty, ObjectGetOwnPropertyDescriptor, ObjectSetPrototypeOf, ReflectDeleteProperty } from '../../core/primordials.js';

type Swap = readonly [holder: object, key: string, ours: unknown];

// The JSON object itself first: a program may have put an object of its own at globalThis.JSON.
const SWAPS: readonly Swap[] = [
  [globalThis, 'JSON', JSON],
  [JSON, 'parse', JSON.parse],
  [globalThis, 'BigInt', BigInt],
  [globalThis, 'RegExp', RegExp],
];

/** A property descriptor with no prototype: defineProperty finds no `get` or `value` the program put on Object.prototype. */
function bare<T extends object>(d: T): T {
  return ObjectSetPrototypeOf(d, null) as T;
}

/**
 * Run `parse` with jsprobe's own JSON, JSON.parse, BigInt and RegExp at their global places. One
 * the program made non-configurable cannot be swapped, and stays the program's (docs/design.md).
 */
export function withOwnGlobals<T>(parse: () => T): T {
  let undo: [object, string, PropertyDescriptor | undefined][] | null = null;
  for (let i = 0; i < SWAPS.length; i++) {
    // By index, not destructured: an array pattern runs the program's Array iterator.
    const holder = SWAPS[i][0];
    const key = SWAPS[i][1];
    const ours = SWAPS[i][2];
    const found = ObjectGetOwnPropertyDescriptor(holder, key);
    const d = found === undefined ? undefined : bare(found);
    // The usual case: nothing replaced, nothing to do.
    if (d !== undefined && d.value === ours && d.get === undefined) continue;
    if (d !== undefined && d.configurable !== true) continue;
    ObjectDefineProperty(holder, key, bare({ value: ours, writable: true, configurable: true, enumerable: false }));
    (undo ??= [])[undo.length] = [holder, key, d];
  }
  try {
    return parse();
  } finally {
    if (undo !== null) {
      for (let i = undo.length - 1; i >= 0; i--) {
        const u = undo[i];
        if (u[2] === undefined) ReflectDeleteProperty(u[0], u[1]);
        else ObjectDefineProperty(u[0], u[1], u[2]);
      }
    }
  }
}
