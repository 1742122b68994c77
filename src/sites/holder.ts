// Where a property holds a function of a loaded CommonJS module: its exports, the static and
// prototype methods of classes it exports, and the methods of objects it exports. A wrap site
// there needs no edit of the script, so no heap walk: what the pause budget falls back to first.
//
// Safe by default: only own data properties are read (descriptors, never getters), proxies are
// left alone (their traps are the program's code), and the walk is bounded.

import { types } from 'node:util';
import { ownDescriptor, ReflectOwnKeys, SafeString } from '../core/primordials.js';
import { requireCache } from './require-cache.js';
import { unwrapped } from './wrapped.js';

export interface Holder {
  object: object;
  key: string | symbol;
  /** Where the property is, from the module: `module.exports.handle`, `module.exports.Store.prototype.get`. */
  path: string;
}

/** Properties looked at per module, at most: a module that exports a huge table is not searched further. */
const MAX_PROPERTIES = 2000;

function ownData(object: object, key: PropertyKey): unknown {
  const d = ownDescriptor(object, key);
  return d !== undefined && 'value' in d ? d.value : undefined;
}

function searchable(v: unknown): v is object {
  return ((typeof v === 'object' && v !== null) || typeof v === 'function') && !types.isProxy(v) && !types.isModuleNamespaceObject(v);
}

function keyText(key: string | symbol): string {
  return typeof key === 'symbol' ? `[${SafeString(key)}]` : `.${key}`;
}

/** The objects to look in, each with its path: the exports, each exported class and its prototype, each exported plain object. */
function containers(exports: unknown): { object: object; path: string }[] {
  const out: { object: object; path: string }[] = [];
  const add = (v: unknown, path: string): void => {
    if (!searchable(v)) return;
    for (let i = 0; i < out.length; i++) if (out[i].object === v) return;
    out[out.length] = { object: v, path };
    if (typeof v === 'function') {
      const proto = ownData(v, 'prototype');
      if (searchable(proto) && proto !== Function.prototype) out[out.length] = { object: proto, path: `${path}.prototype` };
    }
  };
  add(exports, 'module.exports');
  if (!searchable(exports)) return out;
  // By index, on captured built-ins: this runs in the traced program, which may have replaced Array.prototype's.
  const keys = ReflectOwnKeys(exports);
  for (let i = 0; i < keys.length && i < MAX_PROPERTIES; i++) add(ownData(exports, keys[i]), `module.exports${keyText(keys[i])}`);
  return out;
}

/**
 * A property of the module loaded from `path` (CommonJS; ES modules' exports are read-only) that
 * holds a function `is` accepts, or null. `named`: the function's own name, to ask `is` only about
 * likely ones (`is` may be costly).
 */
export function findHolder(path: string, named: string, is: (fn: Function) => boolean): Holder | null {
  const m = requireCache()[path];
  if (m === undefined) return null;
  const exports = ownData(m, 'exports');
  let looked = 0;
  const all = containers(exports);
  for (let c = 0; c < all.length; c++) {
    const { object, path: at } = all[c];
    const keys = ReflectOwnKeys(object);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (++looked > MAX_PROPERTIES) return null;
      if (key === 'constructor' || key === 'prototype') continue;
      const held = ownData(object, key);
      if (typeof held !== 'function' || types.isProxy(held)) continue;
      // A wrapper of jsprobe's there (a probe on it already): the program's function it stands for.
      const v = unwrapped(held);
      if (ownData(v, 'name') !== named && key !== named) continue;
      if (is(v)) return { object, key, path: `${at}${keyText(key)}` };
    }
  }
  return null;
}
