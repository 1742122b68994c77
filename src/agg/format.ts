// Values as text and numbers, without running the traced program's code: strings as they are,
// other values through jsprobe's own formatter (safe-format.ts), numbers without valueOf.

import { formatValue } from './safe-format.js';
import { SafeNumber, StringPrototypeSlice } from '../core/primordials.js';

/** `v` as printed by `%s`, `print` and map keys; `onAccessor` hears of each getter left uncalled. */
export const display: (v: unknown, onAccessor?: (key: string) => void) => string = formatValue;

/** A number for arithmetic and aggregation, without calling the value (objects give NaN). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'string') return SafeNumber(v);
  return NaN;
}

/**
 * What a handler throws for a value it cannot use: core counts it as the probe's fault and the
 * session reports it once, as it stands. A string, not an Error: V8 formats an Error's stack when
 * anything touches its `stack` (even to replace it), which would run the program's
 * Error.prepareStackTrace; and a stack here would show only jsprobe's frames.
 */
export function handlerFault(message: string): string {
  return message;
}

/** A string as a fault message shows it: quoted, and cut short. */
export function quoted(s: string): string {
  return s.length > 40 ? `'${StringPrototypeSlice(s, 0, 40)}…'` : `'${s}'`;
}

/**
 * The value of a numeric aggregation (`agg` names it): a string is a fault, as in bpftrace, where
 * today's toNumber would have put '12ms' in hist's NaN bucket without a word. Objects give NaN, as
 * before: converting one could run the program's code.
 */
export function aggregand(v: unknown, agg: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') throw handlerFault(`${agg}() takes a number, and got the string ${quoted(v)}`);
  return toNumber(v);
}
