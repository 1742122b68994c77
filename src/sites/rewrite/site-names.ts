// The parts of a function's name that come from where it stands: a property key, an assigned
// member chain, a prefix.

import type { Node, PropertyKey } from './estree.js';
import { SafeString, StringPrototypeSlice, StringPrototypeStartsWith } from '../../core/primordials.js';

export function keyName(key: PropertyKey, computed: boolean, src: string): string {
  if (!computed) {
    if (key.type === 'Identifier') return key.name;
    if (key.type === 'PrivateIdentifier') return `#${key.name}`;
    if (key.type === 'Literal') return SafeString(key.value);
  }
  return `[${StringPrototypeSlice(src, key.start, key.end)}]`;
}

/** `a.b.c` for a non-computed member chain; `module.exports.x` and `exports.x` lose their prefix. */
export function chainName(n: Node): string | null {
  if (n.type === 'Identifier') return n.name;
  if (n.type === 'ThisExpression') return 'this';
  if (n.type === 'MemberExpression' && !n.computed) {
    const obj = chainName(n.object);
    if (obj === null) return null;
    const p = n.property.type === 'PrivateIdentifier' ? `#${n.property.name}` : n.property.name;
    const full = `${obj}.${p}`;
    if (StringPrototypeStartsWith(full, 'module.exports.')) return StringPrototypeSlice(full, 'module.exports.'.length);
    if (StringPrototypeStartsWith(full, 'exports.')) return StringPrototypeSlice(full, 'exports.'.length);
    return full;
  }
  return null;
}

export function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}
