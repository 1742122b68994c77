// What one kind of aggregation does with a map's entries: make one, update it, merge two, turn it
// into plain data and back (what a worker thread or an attached process sends), and print it.
// Each kind is one object (kinds.ts, hist.ts, lhist.ts); a map holds its kind's and delegates.
// What runs at exit (printing, merging) calls only captured built-ins: the program may have replaced the rest.

import {
  ArrayIsArray, MathRound, MathTrunc, NumberIsFinite, NumberIsInteger, NumberPrototypeToPrecision, ObjectGetOwnPropertyDescriptor, ObjectHasOwn,
  SafeNumber,
} from '../core/primordials.js';
import type { Aggregation } from '../lang/compile.js';
import { display } from './format.js';

/** A map's add: method syntax, so that a map of any kind is an AggMap (parameters compare both ways). */
export interface Adds<In> {
  add(key: string, v: In): void;
}
export type Add<In> = Adds<In>['add'];

/**
 * A kind of aggregation over entries of type `E`, fed values of type `In`. Entries are mutable
 * cells, so that a hit on a key already there is one Map lookup and an update in place.
 */
export interface Aggregator<E, In> {
  readonly kind: Aggregation;
  /** The `type` of a map's JSON object. */
  readonly jsonType: 'map' | 'hist' | 'stats';
  /** What a program reads back for a key the map does not hold. */
  readonly absent: unknown;
  /** A new entry holding its first value. */
  first(v: In): E;
  /** One more value into an entry already there. */
  add(e: E, v: In): void;
  /**
   * The map's add over `entries`: `add` for a key there, `miss` for a new one. Each kind writes its
   * own copy of these few lines, because V8 keeps type feedback per function: one copy shared by all
   * kinds sees every kind at its `add` call and goes megamorphic (2x the cost of a hit, measured,
   * in a program that uses most kinds).
   */
  adder(entries: Map<string, E>, miss: Add<In>): Add<In>;
  /** What a program reads back, and what printed rows sort by (for histograms, their count of values). */
  scalar(e: E): unknown;
  /**
   * The entry leaves its map (clear, delete): give back what it holds of a shared budget, tell who
   * counts into it in place. A kind that holds none has it all the same, an own undefined, as
   * `percentiles`: left out, it would be read from an Object.prototype the traced program may have
   * put a function at (test/safety/pollute.test.ts).
   */
  release?(e: E): void;
  /** Fold `from`, another thread's entry for the same key, into `into`. */
  merge(into: E, from: E): void;
  /** The entry as data that survives JSON; a copy, not a view of the live entry. */
  toData(e: E): unknown;
  /** An entry from what toData made (after JSON), or undefined when `d` is not one. */
  fromData(d: unknown): E | undefined;
  /** The text lines of an entry labelled `label` (`@name[key]`); `div` divides printed values. */
  text(label: string, e: E, div: number): string[];
  /** The entry as the value of its key in a map's JSON object. */
  json(e: E, div: number): unknown;
  /** A histogram's percentiles, which its JSON carries beside its buckets (`percentiles` in print.ts); an own undefined for other kinds. */
  percentiles?(e: E): unknown;
}

/** A value divided for print(@m, top, div), as bpftrace does: integer division of numbers only. */
export function scaled(v: unknown, div: number): unknown {
  return div !== 1 && typeof v === 'number' ? MathTrunc(v / div) : v;
}

/** Significant digits of a printed number that is not an integer. */
const SIGNIFICANT = 6;

/**
 * A number as every map prints it (sums, averages, stats' fields, plain values): an integer as it
 * is; any other number to SIGNIFICANT digits, but never fewer than its integer part has (1234567.8
 * prints 1234568), so that 508.36058899999995 prints 508.361 and 0.000012345678 prints 0.0000123457.
 */
export function formatNumber(v: number): string {
  if (NumberIsInteger(v) || !NumberIsFinite(v)) return `${v}`;
  if (v >= 10 ** SIGNIFICANT || v <= -(10 ** SIGNIFICANT)) return `${MathRound(v)}`;
  return `${SafeNumber(NumberPrototypeToPrecision(v, SIGNIFICANT))}`;
}

/** A map value as text: numbers by formatNumber. */
export function formatScalar(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'bigint') return `${v}`;
  // jsprobe's own formatter: JSON.stringify would call a toJSON, and is the program's to replace.
  return typeof v === 'string' ? v : display(v);
}

/** A map value for JSON: what JSON cannot carry (bigints, NaN, Infinity, objects) as numbers or text. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return SafeNumber(v);
  if (typeof v === 'number' && !NumberIsFinite(v)) return `${v}`;
  if ((typeof v === 'object' && v !== null) || typeof v === 'function' || typeof v === 'symbol') return display(v);
  return v;
}

/** A number as data: JSON turns NaN and the infinities into null, so they travel as text. */
export function numberData(n: number): number | string {
  return NumberIsFinite(n) ? n : `${n}`;
}

/** A number back from numberData, or undefined when `d` is not one. */
export function numberFrom(d: unknown): number | undefined {
  if (typeof d === 'number') return d;
  if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return SafeNumber(d);
  return undefined;
}

/** Bucket counts back from data: an array of numbers, or undefined. */
export function countsFrom(d: unknown): number[] | undefined {
  if (!ArrayIsArray(d)) return undefined;
  const counts: number[] = [];
  for (let i = 0; i < d.length; i++) {
    const c: unknown = d[i];
    if (typeof c !== 'number') return undefined;
    counts[i] = c;
  }
  return counts;
}

/** Add `from`'s bucket counts into `into`'s, growing it as needed. */
export function addCounts(into: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) {
    while (into.length <= i) into[into.length] = 0;
    into[i] += from[i];
  }
}

/** `d`'s own property `key`, when `d` is a plain object (data after JSON). */
export function field(d: unknown, key: string): unknown {
  return typeof d === 'object' && d !== null && !ArrayIsArray(d) && ObjectHasOwn(d, key) ? ObjectGetOwnPropertyDescriptor(d, key)?.value : undefined;
}
