// The functions jsprobe's wrap sites put in place of the program's, each with the one it replaced.
// A property that holds a wrapper still holds the program's function as far as finding a
// function's holder goes (holder.ts): a second probe on a method a first one wrapped finds the
// same property, and so the same wrap site, not a breakpoint site for want of a holder.

import { SafeWeakMap } from '../core/primordials.js';

const originals = new SafeWeakMap<Function, Function>();

/** `wrapper` now stands where `original` was. */
export function noteWrapper(wrapper: Function, original: Function): void {
  originals.set(wrapper, original);
}

/** The program's function behind `f`, when `f` is a wrap site's wrapper; else `f`. */
export function unwrapped(f: Function): Function {
  return originals.get(f) ?? f;
}
