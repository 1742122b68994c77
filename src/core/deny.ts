// NOKPROBE_SYMBOL: functions that cannot be probed, because probing them would recurse into the
// hot path or change jsprobe's own behaviour. jsprobe denies its own functions at load; string
// targets inside jsprobe's files are refused by the target resolver.

import { JsprobeError } from './errors.js';
import { SafeWeakSet } from './primordials.js';

const denied = new SafeWeakSet<object>();

/** Deny every function among `values` (and the values of a module namespace or object). */
export function deny(...values: unknown[]): void {
  for (const v of values) {
    if (typeof v === 'function') denied.add(v);
    else if (typeof v === 'object' && v !== null) {
      denied.add(v);
      for (const inner of Object.values(v)) if (typeof inner === 'function') denied.add(inner);
    }
  }
}

export function isDenied(v: unknown): boolean {
  return ((typeof v === 'object' && v !== null) || typeof v === 'function') && denied.has(v);
}

export function assertNotDenied(v: unknown, what: string): void {
  if (isDenied(v)) {
    throw new JsprobeError('JSPROBE_E_BLACKLISTED', `${what} is part of jsprobe and cannot be probed`);
  }
}
