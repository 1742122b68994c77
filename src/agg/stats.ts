// stats(): count, average, min, max and total of a map entry's values, with their p50, p90 and
// p99 (quantiles.ts). Reads back as its count.

import { MathTrunc, NumberIsInteger } from '../core/primordials.js';
import { field, formatScalar, jsonValue, numberData, numberFrom, scaled, type Add, type Aggregator } from './aggregator.js';
import { clampedNote, PERCENTILES, Quantiles } from './quantiles.js';

/** stats' entry: avg's count and total, and the values' percentiles (with min and max). */
export class Stats {
  readonly q = new Quantiles();
  constructor(public n: number, public total: number) {}
}

/** The mean as avg's is: truncated to an integer for integer values, as bpftrace's is, else as it is. */
function average(e: Stats): number {
  return NumberIsInteger(e.total) ? MathTrunc(e.total / e.n) : e.total / e.n;
}

export class StatsAggregator implements Aggregator<Stats, number> {
  readonly kind = 'stats';
  readonly jsonType = 'stats';
  readonly absent: unknown = 0;
  readonly percentiles = undefined;

  first(v: number): Stats {
    const e = new Stats(1, v);
    e.q.add(v);
    return e;
  }

  add(e: Stats, v: number): void {
    e.n++;
    e.total += v;
    e.q.add(v);
  }

  adder(entries: Map<string, Stats>, miss: Add<number>): Add<number> {
    return (key, v) => {
      // NaN is no value: it is in no count, total or percentile (the runtime says so once).
      if (v !== v) return;
      const e = entries.get(key);
      if (e !== undefined) this.add(e, v);
      else miss(key, v);
    };
  }

  scalar(e: Stats): number {
    return e.n;
  }

  release(e: Stats): void {
    e.q.release();
  }

  merge(into: Stats, from: Stats): void {
    into.n += from.n;
    into.total += from.total;
    into.q.merge(from.q);
  }

  toData(e: Stats): unknown {
    return { n: numberData(e.n), total: numberData(e.total), q: e.q.toData() };
  }

  fromData(d: unknown): Stats | undefined {
    const n = numberFrom(field(d, 'n'));
    const total = numberFrom(field(d, 'total'));
    const q = Quantiles.fromData(field(d, 'q'));
    if (n === undefined || total === undefined || q === undefined) return undefined;
    const e = new Stats(n, total);
    e.q.merge(q);
    return e;
  }

  /** The fields in print order; NaN for min, max and percentiles when no value was a number. */
  #fields(e: Stats, div: number): [string, unknown][] {
    const q = e.q;
    const p = q.percentiles(PERCENTILES);
    const none = q.n === 0;
    return [
      ['count', e.n],
      ['average', scaled(average(e), div)],
      ['min', scaled(none ? NaN : q.min, div)],
      ['max', scaled(none ? NaN : q.max, div)],
      ['total', scaled(e.total, div)],
      ['p50', scaled(p[0], div)],
      ['p90', scaled(p[1], div)],
      ['p99', scaled(p[2], div)],
    ];
  }

  text(label: string, e: Stats, div: number): string[] {
    const f = this.#fields(e, div);
    let s = `${label}:`;
    for (let i = 0; i < f.length; i++) s += `${i === 0 ? ' ' : ', '}${f[i][0]} ${formatScalar(f[i][1])}`;
    return [e.q.clamped > 0 ? `${s} ${clampedNote(e.q)}` : s];
  }

  /** A literal, not assignments: a setter the program put on Object.prototype must not run. */
  json(e: Stats, div: number): unknown {
    const f = this.#fields(e, div);
    const v = (i: number): unknown => jsonValue(f[i][1]);
    const json = { count: v(0), average: v(1), min: v(2), max: v(3), total: v(4), p50: v(5), p90: v(6), p99: v(7) };
    return e.q.clamped > 0 ? { ...json, clamped: e.q.clamped } : json;
  }
}

export const STATS = new StatsAggregator();
