// Values as text, without running the traced program's code: strings and numbers as they are,
// objects through util.inspect with getters, custom inspectors and proxy traps left alone.

import { inspect } from 'node:util';

export function display(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
    case 'symbol':
      return String(v);
    default:
      if (v === null) return 'null';
      return inspect(v, { depth: 2, getters: false, customInspect: false, showProxy: true, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200 });
  }
}

/** A number for arithmetic and aggregation, without calling the value (objects give NaN). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return Number(v);
  if (typeof v === 'string') return Number(v);
  return NaN;
}
