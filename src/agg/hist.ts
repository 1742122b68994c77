// Power-of-two histograms (bpftrace's hist()): a value v >= 2 lands in [2^k, 2^(k+1)); [0, 1) and
// [1, 2) have buckets of their own, negatives share one, and so do 2^64 and past. Printed in
// bpftrace's shape.

import {
  ArrayPrototypeSlice, MathClz32, MathFloor, MathLog2, MathMax, MathMin, StringPrototypePadEnd, StringPrototypePadStart, StringPrototypeRepeat,
} from '../core/primordials.js';
import { addCounts, countsFrom, field, numberData, numberFrom, type Add, type Aggregator } from './aggregator.js';
import { percentileData, percentileLines, Quantiles } from './quantiles.js';

const BAR_WIDTH = 52;

export class Log2Hist {
  /** counts[0]: negatives, counts[1]: 0, counts[2]: 1, counts[k + 2]: [2^k, 2^(k+1)) for k >= 1. */
  readonly counts: number[] = [];
  total = 0;
  /** The values' sum: a Prometheus histogram's `_sum` (docs/cli.md, "Prometheus"). */
  sum = 0;
  /** The values' percentiles, printed under the bars: log2 buckets alone would put p99 within a factor of two. */
  readonly q = new Quantiles();

  add(value: number): void {
    const i = bucketOf(value);
    while (this.counts.length <= i) this.counts[this.counts.length] = 0;
    this.counts[i]++;
    this.total++;
    this.sum += value;
    this.q.add(value);
  }
}

/**
 * The last bucket: 2^64 and past, Infinity too. bpftrace's hist is over 64-bit integers, which end
 * below it; a bucket for each power up to 2^1023 printed some 1,000 rows for one huge value.
 */
export const TOP_BUCKET = 66;
const TOP_VALUE = 2 ** 64;

export function bucketOf(value: number): number {
  if (!(value >= 0)) return 0;
  if (value < 1) return 1;
  // clz32 on the integer part is ~10x cheaper than Math.log2, and exact; past 2^32, log2.
  if (value < 4294967296) return 33 - MathClz32(value);
  if (value >= TOP_VALUE) return TOP_BUCKET;
  // log2 of a double just below 2^64 rounds to 64.
  return MathMin(MathFloor(MathLog2(value)), 63) + 2;
}

const SUFFIX = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/** 1024 → 1K, 2^20 → 1M: bpftrace's labels for powers of two. */
export function powerLabel(n: number): string {
  let s = 0;
  while (n >= 1024 && n % 1024 === 0 && s < SUFFIX.length - 1) {
    n /= 1024;
    s++;
  }
  return `${n}${SUFFIX[s]}`;
}

function label(i: number): string {
  if (i === 0) return '(..., 0)';
  // bpftrace's [0] and [1] hold integers only; here 0.5 and 1.5 land in them too (elapsed / 1e6).
  if (i === 1) return '[0, 1)';
  if (i === 2) return '[1, 2)';
  if (i === TOP_BUCKET) return `[${powerLabel(TOP_VALUE)}, ...)`;
  const lo = 2 ** (i - 2);
  return `[${powerLabel(lo)}, ${powerLabel(lo * 2)})`;
}

/** Bar rows for bucket counts, from the first non-empty bucket to the last (bpftrace's shape). */
export function barRows(counts: readonly number[], label: (i: number) => string): string[] {
  let first = 0;
  while (first < counts.length && !(counts[first] > 0)) first++;
  if (first === counts.length) return [];
  let last = counts.length - 1;
  while (counts[last] === 0) last--;
  let max = 0;
  for (let i = 0; i < counts.length; i++) max = MathMax(max, counts[i]);
  const rows: string[] = [];
  for (let i = first; i <= last; i++) {
    const c = counts[i] ?? 0;
    const bar = StringPrototypeRepeat('@', max === 0 ? 0 : MathFloor((c * BAR_WIDTH) / max)); // integer division, as bpftrace
    rows[rows.length] = `${StringPrototypePadEnd(label(i), 16)}${StringPrototypePadStart(`${c}`, 8)} |${StringPrototypePadEnd(bar, BAR_WIDTH)}|`;
  }
  return rows;
}

/**
 * A histogram's text lines: its label, its rows, the lines `under` them (its percentiles), a blank
 * line (loops: Array's iterator is the program's to replace).
 */
export function framed(label: string, rows: readonly string[], under: readonly string[] = []): string[] {
  const out = [`${label}:`];
  for (let i = 0; i < rows.length; i++) out[out.length] = rows[i];
  for (let i = 0; i < under.length; i++) out[out.length] = under[i];
  out[out.length] = '';
  return out;
}

/** The rows of a histogram, from its first non-empty bucket to its last. */
export function formatHist(h: Log2Hist): string[] {
  return barRows(h.counts, label);
}

/** The bounds of bucket i: [min, max), with null for an open end. */
export function bucketRange(i: number): { min: number | null; max: number | null } {
  if (i === 0) return { min: null, max: 0 };
  if (i === 1) return { min: 0, max: 1 };
  if (i === 2) return { min: 1, max: 2 };
  if (i === TOP_BUCKET) return { min: TOP_VALUE, max: null };
  const lo = 2 ** (i - 2);
  return { min: lo, max: lo * 2 };
}

/** The non-empty span of buckets, for JSON. */
export function histBuckets(h: Log2Hist): { min: number | null; max: number | null; count: number }[] {
  const out: { min: number | null; max: number | null; count: number }[] = [];
  for (let i = 0; i < h.counts.length; i++) {
    const count = h.counts[i];
    if (count > 0) out[out.length] = { ...bucketRange(i), count };
  }
  return out;
}

/** hist(): a map's entries as log2 histograms; reads back as its count of values. */
class Log2HistAggregator implements Aggregator<Log2Hist, number> {
  readonly kind = 'hist';
  readonly jsonType = 'hist';
  readonly absent: unknown = 0;

  first(v: number): Log2Hist {
    const h = new Log2Hist();
    h.add(v);
    return h;
  }

  add(h: Log2Hist, v: number): void {
    h.add(v);
  }

  adder(entries: Map<string, Log2Hist>, miss: Add<number>): Add<number> {
    return (key, v) => {
      // NaN is no value: no bucket holds it (the runtime says so once).
      if (v !== v) return;
      const e = entries.get(key);
      if (e !== undefined) this.add(e, v);
      else miss(key, v);
    };
  }

  scalar(h: Log2Hist): number {
    return h.total;
  }

  release(h: Log2Hist): void {
    h.q.release();
  }

  merge(into: Log2Hist, from: Log2Hist): void {
    addCounts(into.counts, from.counts);
    into.total += from.total;
    into.sum += from.sum;
    into.q.merge(from.q);
  }

  toData(h: Log2Hist): unknown {
    return { counts: ArrayPrototypeSlice(h.counts), total: h.total, sum: numberData(h.sum), q: h.q.toData() };
  }

  fromData(d: unknown): Log2Hist | undefined {
    const counts = countsFrom(field(d, 'counts'));
    const total = numberFrom(field(d, 'total'));
    const q = Quantiles.fromData(field(d, 'q'));
    if (counts === undefined || total === undefined || q === undefined) return undefined;
    const h = new Log2Hist();
    addCounts(h.counts, counts);
    h.total = total;
    // Data without a sum (none that this version sends) has an unknown one.
    h.sum = numberFrom(field(d, 'sum')) ?? NaN;
    h.q.merge(q);
    return h;
  }

  text(label: string, h: Log2Hist): string[] {
    return framed(label, formatHist(h), percentileLines(h.q));
  }

  json(h: Log2Hist): unknown {
    return histBuckets(h);
  }

  percentiles(h: Log2Hist): unknown {
    return percentileData(h.q);
  }
}

export const HIST = new Log2HistAggregator();
