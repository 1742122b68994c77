// Values as text and numbers, without running the traced program's code: strings as they are,
// other values through jsprobe's own formatter (safe-format.ts), numbers without valueOf.

import { formatValue } from './safe-format.js';
import { SafeNumber } from '../core/primordials.js';

/** `v` as printed by `%s`, `print` and map keys; `onAccessor` hears of each getter left uncalled. */
export const display: (v: unknown, onAccessor?: (key: string) => void) => string = formatValue;

/** A number for arithmetic and aggregation, without calling the value (objects give NaN). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'string') return SafeNumber(v);
  return NaN;
}
