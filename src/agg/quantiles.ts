// Percentiles of one map entry (stats, hist, lhist): exact over the first EXACT_LIMIT values, then
// log-linear buckets (HDR-style) with a stated relative error. Bounded, mergeable, and plain data
// after JSON (no BigInt), so that threads and attached processes merge it as they merge counts.

import {
  ArrayIsArray, ArrayPrototypeSlice, ArrayPrototypeSort, MathCeil, MathClz32, MathFloor, MathLog2, MathMax, MathMin, NumberIsInteger,
} from '../core/primordials.js';
import { field, formatScalar, jsonValue, numberData, numberFrom } from './aggregator.js';

/** Values kept as they are, per entry, before it switches to buckets: percentiles are exact up to here. */
export const EXACT_LIMIT = 1024;
/** Linear sub-buckets in each power of two: a bucket is 1/SUB of its octave wide. */
const SUB = 32;
/** Octaves with buckets of their own: magnitudes in [2^EXP_MIN, 2^EXP_MAX). */
const EXP_MIN = -32;
const EXP_MAX = 64;
/** Buckets on each side of zero. */
const SIDE = (EXP_MAX - EXP_MIN) * SUB;
/** The index of zero (and of magnitudes below 2^EXP_MIN); negatives below it, positives above. */
const ZERO = SIDE;
/** Buckets in all, the bound of an entry's counts (2 × 3,072 + 1). */
export const BUCKETS = 2 * SIDE + 1;
const TINY = 2 ** EXP_MIN;

/**
 * Numbers (samples and bucket counts) that all the entries of a thread may hold together: 2^22,
 * 32 MiB. Each entry alone is bounded (EXACT_LIMIT samples, then BUCKETS counts), but 65,536 keys
 * of 6,145 counts would be 3 GiB. Past this budget an exact entry turns to buckets, and a value
 * whose bucket would widen an entry's span is counted in the nearest bucket it has (`clamped`).
 */
export const QUANTILE_CELLS = 4_194_304;
let cellsLeft = QUANTILE_CELLS;

/** The numbers this thread's entries may still take (for tests), and a new budget (tests only). */
export function quantileCellsLeft(): number {
  return cellsLeft;
}
export function setQuantileCells(n: number): void {
  cellsLeft = n;
}
const HUGE = 2 ** EXP_MAX;

/** 0 .. SIDE-1 for a magnitude `a` of at least TINY: its octave's SUB buckets, in order. */
function magnitudeIndex(a: number): number {
  if (a >= HUGE) return SIDE - 1;
  let e: number;
  let base: number;
  if (a >= 1 && a < 1073741824) {
    // clz32 of the integer part: exact, and far cheaper than log2 (the usual case: ns, µs, bytes).
    e = 31 - MathClz32(a);
    base = 1 << e;
  } else {
    e = MathFloor(MathLog2(a));
    base = 2 ** e;
    // log2 can round across a power of two; the bucket must hold the value.
    if (base > a) base = 2 ** --e;
    else if (base * 2 <= a) base = 2 ** ++e;
  }
  return (e - EXP_MIN) * SUB + MathMin(MathFloor((a / base - 1) * SUB), SUB - 1);
}

/** The bucket of `v`, in value order: negatives, zero, positives. */
export function bucketIndex(v: number): number {
  if (v > 0) return v < TINY ? ZERO : ZERO + 1 + magnitudeIndex(v);
  if (v < 0) return v > -TINY ? ZERO : ZERO - 1 - magnitudeIndex(-v);
  return ZERO;
}

/** The middle of bucket `i`: every value in it is within 1/(2·SUB) of it, relative to the value. */
export function bucketMiddle(i: number): number {
  if (i === ZERO) return 0;
  const m = (i > ZERO ? i - ZERO : ZERO - i) - 1;
  const base = 2 ** (MathFloor(m / SUB) + EXP_MIN);
  const mid = base * (1 + ((m % SUB) + 0.5) / SUB);
  return i > ZERO ? mid : -mid;
}

/** The 1-based rank of percentile `p` (0-100) among `n` values: nearest rank, as an oracle over a sorted array reads it. */
export function rankOf(p: number, n: number): number {
  return MathMin(n, MathMax(1, MathCeil((p / 100) * n)));
}

const byValue = (a: number, b: number): number => a - b;

export class Quantiles {
  /** Values counted (NaN has no rank and is left out). */
  n = 0;
  min = Infinity;
  max = -Infinity;
  /** The values as they came, while there are at most EXACT_LIMIT; null once in buckets. */
  samples: number[] | null = [];
  /** Bucket counts from bucket `lo` on, grown at either end to span the buckets used. */
  counts: number[] = [];
  lo = 0;
  /**
   * Values counted in the nearest bucket the entry had, not their own, or (when it had none) left
   * out of the percentiles: the thread's budget (QUANTILE_CELLS) was spent. Printed beside them.
   */
  clamped = 0;
  /** Numbers taken from the budget: samples, then counts. */
  #held = 0;

  add(v: number): void {
    if (v !== v) return;
    this.n++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    const s = this.samples;
    if (s !== null) {
      if (s.length < EXACT_LIMIT && cellsLeft > 0) {
        s[s.length] = v;
        cellsLeft--;
        this.#held++;
        return;
      }
      this.toBuckets();
    }
    this.count(bucketIndex(v), 1);
  }

  /** Leave exact mode: every sample into its bucket (the samples' numbers go back to the budget first). */
  toBuckets(): void {
    const s = this.samples;
    if (s === null) return;
    this.samples = null;
    cellsLeft += this.#held;
    this.#held = 0;
    for (let i = 0; i < s.length; i++) this.count(bucketIndex(s[i]), 1);
  }

  /** The entry is gone (clear, delete): its numbers go back to the budget. */
  release(): void {
    cellsLeft += this.#held;
    this.#held = 0;
    this.samples = null;
    this.counts = [];
  }

  count(i: number, c: number): void {
    const counts = this.counts;
    const lo = this.lo;
    const hi = lo + counts.length - 1;
    const wider = counts.length === 0 ? 1 : i < lo ? lo - i : i > hi ? i - hi : 0;
    if (wider > 0) {
      if (wider > cellsLeft) {
        this.clamped += c;
        if (counts.length === 0) {
          // Nowhere to count it: it takes no rank, so that n stays the values the buckets hold.
          this.n -= c;
          return;
        }
        i = i < lo ? lo : hi;
        counts[i - lo] += c;
        return;
      }
      cellsLeft -= wider;
      this.#held += wider;
    }
    if (counts.length === 0) {
      this.lo = i;
      counts[0] = c;
      return;
    }
    if (i < lo) {
      const grown: number[] = [];
      for (let j = i; j < this.lo; j++) grown[grown.length] = 0;
      for (let j = 0; j < counts.length; j++) grown[grown.length] = counts[j];
      this.counts = grown;
      this.lo = i;
      grown[0] = c;
      return;
    }
    const at = i - this.lo;
    while (counts.length <= at) counts[counts.length] = 0;
    counts[at] += c;
  }

  /** Fold `from` in: samples while both together stay within EXACT_LIMIT, else buckets add. */
  merge(from: Quantiles): void {
    if (from.n === 0) return;
    this.n += from.n;
    if (from.min < this.min) this.min = from.min;
    if (from.max > this.max) this.max = from.max;
    const mine = this.samples;
    const theirs = from.samples;
    this.clamped += from.clamped;
    if (mine !== null && theirs !== null && mine.length + theirs.length <= EXACT_LIMIT && theirs.length <= cellsLeft) {
      for (let i = 0; i < theirs.length; i++) mine[mine.length] = theirs[i];
      cellsLeft -= theirs.length;
      this.#held += theirs.length;
      return;
    }
    this.toBuckets();
    if (theirs !== null) for (let i = 0; i < theirs.length; i++) this.count(bucketIndex(theirs[i]), 1);
    else for (let i = 0; i < from.counts.length; i++) if (from.counts[i] > 0) this.count(from.lo + i, from.counts[i]);
  }

  /** Percentiles `ps` (0-100), by nearest rank: exact from the samples, else a bucket's middle, kept within [min, max]. */
  percentiles(ps: readonly number[]): number[] {
    const out: number[] = [];
    if (this.n === 0) {
      for (let i = 0; i < ps.length; i++) out[i] = NaN;
      return out;
    }
    if (this.samples !== null) {
      const sorted = ArrayPrototypeSort(ArrayPrototypeSlice(this.samples) as number[], byValue);
      for (let i = 0; i < ps.length; i++) out[i] = sorted[rankOf(ps[i], sorted.length) - 1];
      return out;
    }
    for (let i = 0; i < ps.length; i++) out[i] = this.#bucketed(rankOf(ps[i], this.n));
    return out;
  }

  #bucketed(rank: number): number {
    // The ends are known exactly, and the top bucket also holds what is past 2^EXP_MAX.
    if (rank <= 1) return this.min;
    if (rank >= this.n) return this.max;
    let seen = 0;
    for (let j = 0; j < this.counts.length; j++) {
      seen += this.counts[j];
      if (seen >= rank) return MathMin(this.max, MathMax(this.min, bucketMiddle(this.lo + j)));
    }
    return this.max;
  }

  /** As data: the samples, or the buckets; min and max as numberData (they can be infinite). */
  toData(): unknown {
    const min = numberData(this.min);
    const max = numberData(this.max);
    const s = this.samples;
    const clamped = this.clamped;
    if (s === null) return { min, max, lo: this.lo, counts: ArrayPrototypeSlice(this.counts), clamped };
    const samples: (number | string)[] = [];
    for (let i = 0; i < s.length; i++) samples[i] = numberData(s[i]);
    return { min, max, samples, clamped };
  }

  /** Back from toData's data; undefined when `d` is not such data or passes the bounds. n is counted, not trusted. */
  static fromData(d: unknown): Quantiles | undefined {
    const min = numberFrom(field(d, 'min'));
    const max = numberFrom(field(d, 'max'));
    if (min === undefined || max === undefined) return undefined;
    const q = new Quantiles();
    q.min = min;
    q.max = max;
    const clamped = field(d, 'clamped');
    if (clamped !== undefined) {
      if (typeof clamped !== 'number' || !NumberIsInteger(clamped) || clamped < 0) return undefined;
      q.clamped = clamped;
    }
    const samples = field(d, 'samples');
    if (samples !== undefined) {
      if (!ArrayIsArray(samples) || samples.length > EXACT_LIMIT) return undefined;
      for (let i = 0; i < samples.length; i++) {
        const v = numberFrom(samples[i]);
        if (v === undefined || v !== v) return undefined;
        q.samples![i] = v;
      }
      q.n = samples.length;
      return q;
    }
    const lo = field(d, 'lo');
    const counts = field(d, 'counts');
    if (typeof lo !== 'number' || !NumberIsInteger(lo) || lo < 0 || !ArrayIsArray(counts) || lo + counts.length > BUCKETS) return undefined;
    q.samples = null;
    q.lo = lo;
    for (let i = 0; i < counts.length; i++) {
      const c: unknown = counts[i];
      if (typeof c !== 'number' || !NumberIsInteger(c) || c < 0) return undefined;
      q.counts[i] = c;
      q.n += c;
    }
    return q;
  }
}

/** The percentiles every entry prints. */
export const PERCENTILES: readonly number[] = [50, 90, 99];

/** The line a histogram prints under its bars (`p50 12, p90 40, p99 97`); none when no value was a number. */
export function percentileLines(q: Quantiles): string[] {
  if (q.n === 0) return q.clamped > 0 ? [clampedNote(q)] : [];
  const p = q.percentiles(PERCENTILES);
  let s = '';
  for (let i = 0; i < p.length; i++) s += `${i === 0 ? '' : ', '}p${PERCENTILES[i]} ${formatScalar(p[i])}`;
  return [q.clamped > 0 ? `${s} ${clampedNote(q)}` : s];
}

/** Why an entry's percentiles are rougher than the stated bound. */
export function clampedNote(q: Quantiles): string {
  return `(approximate: ${q.clamped} value${q.clamped === 1 ? '' : 's'} past the percentile memory budget)`;
}

/**
 * A histogram's percentiles for JSON, `{ p50, p90, p99 }` and `clamped` as stats' JSON has it, or
 * null when no value was a number. Literals: no setter of the program's runs.
 */
export function percentileData(q: Quantiles): unknown {
  if (q.n === 0) return q.clamped > 0 ? { clamped: q.clamped } : null;
  const p = q.percentiles(PERCENTILES);
  const data = { p50: jsonValue(p[0]), p90: jsonValue(p[1]), p99: jsonValue(p[2]) };
  return q.clamped > 0 ? { ...data, clamped: q.clamped } : data;
}
