// The kinds of aggregation a map can hold, one object each: count, sum, min, max, avg, plain
// values (here), stats (stats.ts) and the histograms (hist.ts, lhist.ts). aggregatorFor picks a map's kind
// once, when the map is made; no code switches on the kind after that.

import { CountCell } from '../core/counter.js';
import { MathTrunc, NumberIsFinite, NumberIsInteger, SafeBigInt, StringPrototypeCharCodeAt } from '../core/primordials.js';
import type { MapInfo } from '../lang/compile.js';
import { display } from './format.js';
import { field, formatScalar, jsonValue, numberData, numberFrom, scaled, type Add, type Aggregator } from './aggregator.js';
import { HIST } from './hist.js';
import { LinearHistAggregator } from './lhist.js';
import { STATS } from './stats.js';

/**
 * A count's or a sum's running total. A cell, so that a hit on a key already there is one Map
 * lookup, not a get and a set (~12 ns against ~25 ns here). The class of the cells a probe counts
 * into in place (core/counter.ts): `live` says it is still its map's, and a probe asks for another
 * once not. Core's own class, so that a site meets one hidden class, its placeholder's too.
 */
export const Tally = CountCell;
export type Tally = CountCell;

/** min's or max's value so far, or a plain value: a cell, for the same reason as Tally. */
export class Cell<T> {
  constructor(public v: T) {}
}

/** avg's count and total. */
export class Mean {
  constructor(public n: number, public total: number) {}
}

/** Kinds whose entry prints as one value (`@m[k]: 42`). */
abstract class ScalarAggregator<E, In> implements Aggregator<E, In> {
  readonly jsonType: 'map' | 'hist' | 'stats' = 'map';
  readonly absent: unknown = 0;
  // No subclass has percentiles; `release` is each one's (an own field here would hide count's method).
  readonly percentiles = undefined;
  abstract readonly kind: Aggregator<E, In>['kind'];
  abstract first(v: In): E;
  abstract add(e: E, v: In): void;
  abstract adder(entries: Map<string, E>, miss: Add<In>): Add<In>;
  abstract scalar(e: E): unknown;
  abstract merge(into: E, from: E): void;
  abstract toData(e: E): unknown;
  abstract fromData(d: unknown): E | undefined;

  text(label: string, e: E, div: number): string[] {
    const shown = this.scalar(e);
    return [`${label}: ${typeof shown === 'string' ? shown : formatScalar(scaled(shown, div))}`];
  }

  json(e: E, div: number): unknown {
    return jsonValue(scaled(this.scalar(e), div));
  }
}

/** count() and sum(): a running total (count adds 1 a hit). */
class TotalAggregator extends ScalarAggregator<Tally, number> {
  constructor(readonly kind: 'count' | 'sum') {
    super();
  }

  first(v: number): Tally {
    return new Tally(v);
  }

  add(e: Tally, v: number): void {
    e.n += v;
  }

  adder(entries: Map<string, Tally>, miss: Add<number>): Add<number> {
    // count()'s value is always 1: its hits need no test for NaN.
    if (this.kind === 'count') {
      return (key, v) => {
        const e = entries.get(key);
        if (e !== undefined) this.add(e, v);
        else miss(key, v);
      };
    }
    return (key, v) => {
      // NaN is no value: a sum it joined would be NaN for good (the runtime says so once).
      if (v !== v) return;
      const e = entries.get(key);
      if (e !== undefined) this.add(e, v);
      else miss(key, v);
    };
  }

  scalar(e: Tally): number {
    return e.n;
  }

  release(e: Tally): void {
    e.live = false;
  }

  merge(into: Tally, from: Tally): void {
    into.n += from.n;
  }

  toData(e: Tally): unknown {
    return numberData(e.n);
  }

  fromData(d: unknown): Tally | undefined {
    const n = numberFrom(d);
    return n === undefined ? undefined : new Tally(n);
  }
}

/** min() and max(): the first value, then only smaller (larger) ones. */
abstract class ExtremeAggregator extends ScalarAggregator<Cell<number>, number> {
  readonly release = undefined;

  first(v: number): Cell<number> {
    return new Cell(v);
  }

  adder(entries: Map<string, Cell<number>>, miss: Add<number>): Add<number> {
    return (key, v) => {
      // NaN is no value: no comparison takes it from a min or max it began, and it makes an average NaN for good.
      if (v !== v) return;
      const e = entries.get(key);
      if (e !== undefined) this.add(e, v);
      else miss(key, v);
    };
  }

  scalar(e: Cell<number>): number {
    return e.v;
  }

  merge(into: Cell<number>, from: Cell<number>): void {
    this.add(into, from.v);
  }

  toData(e: Cell<number>): unknown {
    return numberData(e.v);
  }

  fromData(d: unknown): Cell<number> | undefined {
    const v = numberFrom(d);
    return v === undefined ? undefined : new Cell(v);
  }
}

class MinAggregator extends ExtremeAggregator {
  readonly kind = 'min';

  add(e: Cell<number>, v: number): void {
    if (v < e.v) e.v = v;
  }
}

class MaxAggregator extends ExtremeAggregator {
  readonly kind = 'max';

  add(e: Cell<number>, v: number): void {
    if (v > e.v) e.v = v;
  }
}

/** avg(): a count and a total; reads back as the mean (average()). */
class AvgAggregator extends ScalarAggregator<Mean, number> {
  readonly kind = 'avg';
  readonly release = undefined;

  first(v: number): Mean {
    return new Mean(1, v);
  }

  add(e: Mean, v: number): void {
    e.n++;
    e.total += v;
  }

  adder(entries: Map<string, Mean>, miss: Add<number>): Add<number> {
    return (key, v) => {
      // NaN is no value: no comparison takes it from a min or max it began, and it makes an average NaN for good.
      if (v !== v) return;
      const e = entries.get(key);
      if (e !== undefined) this.add(e, v);
      else miss(key, v);
    };
  }

  scalar(e: Mean): number {
    return average(e);
  }

  merge(into: Mean, from: Mean): void {
    into.n += from.n;
    into.total += from.total;
  }

  toData(e: Mean): unknown {
    return { n: numberData(e.n), total: numberData(e.total) };
  }

  fromData(d: unknown): Mean | undefined {
    const n = numberFrom(field(d, 'n'));
    const total = numberFrom(field(d, 'total'));
    return n === undefined || total === undefined ? undefined : new Mean(n, total);
  }
}

/**
 * The mean: of integers, truncated to an integer as bpftrace's is (its maps hold integers); of
 * other numbers, as it is, printed to formatNumber's significant digits. An integer total stands
 * for integer values: the Mean would need another field, on every hit, to tell 0.5 + 0.5 apart.
 */
function average(e: Mean): number {
  return NumberIsInteger(e.total) ? MathTrunc(e.total / e.n) : e.total / e.n;
}

/** Hears of each getter the formatter leaves uncalled (its key), to tell the user once. */
export type OnAccessor = (key: string) => void;

/**
 * What a value map keeps of what is assigned: a primitive as it is, anything else as its printed
 * form at the hit, as bpftrace copies into its maps. Printing at exit then runs nothing of the
 * program's (no getter, no toJSON), and shows the value as it was when assigned.
 */
export function copyValue(v: unknown, onAccessor?: OnAccessor): unknown {
  switch (typeof v) {
    case 'number': case 'string': case 'boolean': case 'bigint': case 'undefined': return v;
    default: return v === null ? v : display(v, onAccessor);
  }
}

/** `@m[k] = expr`: the last value assigned, copied then (copyValue). */
class ValueAggregator extends ScalarAggregator<Cell<unknown>, unknown> {
  readonly kind = 'value';
  readonly release = undefined;
  override readonly absent: unknown = undefined;

  constructor(private readonly onAccessor?: OnAccessor) {
    super();
  }

  first(v: unknown): Cell<unknown> {
    return new Cell(copyValue(v, this.onAccessor));
  }

  add(e: Cell<unknown>, v: unknown): void {
    e.v = copyValue(v, this.onAccessor);
  }

  adder(entries: Map<string, Cell<unknown>>, miss: Add<unknown>): Add<unknown> {
    return (key, v) => {
      const e = entries.get(key);
      if (e !== undefined) this.add(e, v);
      else miss(key, v);
    };
  }

  scalar(e: Cell<unknown>): unknown {
    return e.v;
  }

  merge(into: Cell<unknown>, from: Cell<unknown>): void {
    into.v = from.v;
  }

  /** What JSON would lose or refuse travels tagged: NaN and the infinities, bigints, undefined. */
  toData(e: Cell<unknown>): unknown {
    const v = e.v;
    if (typeof v === 'number' && !NumberIsFinite(v)) return { number: `${v}` };
    if (typeof v === 'bigint') return { bigint: `${v}` };
    if (v === undefined) return { undefined: true };
    return typeof v === 'object' && v !== null ? display(v) : v;
  }

  fromData(d: unknown): Cell<unknown> | undefined {
    if (typeof d !== 'object' || d === null) return new Cell(d);
    if (field(d, 'undefined') === true) return new Cell(undefined);
    const n = numberFrom(field(d, 'number'));
    if (n !== undefined) return new Cell(n);
    const b = field(d, 'bigint');
    return typeof b === 'string' && isIntegerText(b) ? new Cell(SafeBigInt(b)) : undefined;
  }
}

/** `-?[0-9]+`, by character codes: a RegExp's exec is the program's to replace. */
function isIntegerText(s: string): boolean {
  let i = s.length > 0 && StringPrototypeCharCodeAt(s, 0) === 45 ? 1 : 0;
  if (i >= s.length) return false;
  for (; i < s.length; i++) {
    const c = StringPrototypeCharCodeAt(s, i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const COUNT = new TotalAggregator('count');
const SUM = new TotalAggregator('sum');
const MIN = new MinAggregator();
const MAX = new MaxAggregator();
const AVG = new AvgAggregator();
const VALUE = new ValueAggregator();

/**
 * The kind of aggregation of a map: shared objects, but for lhist, whose buckets are the map's own,
 * and for plain values when `onAccessor` is given (it hears of getters their copies leave uncalled).
 */
export function aggregatorFor(info: MapInfo, onAccessor?: OnAccessor): Aggregator<unknown, unknown> {
  switch (info.agg) {
    case 'count': return COUNT;
    case 'sum': return SUM;
    case 'min': return MIN;
    case 'max': return MAX;
    case 'avg': return AVG;
    case 'stats': return STATS;
    case 'hist': return HIST;
    case 'lhist': {
      if (info.lhist === undefined) throw new Error(`internal: @${info.name} is an lhist without bounds`);
      return new LinearHistAggregator(...info.lhist);
    }
    case 'value': return onAccessor === undefined ? VALUE : new ValueAggregator(onAccessor);
  }
}
