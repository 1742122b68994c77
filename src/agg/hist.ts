// Power-of-two histograms (bpftrace's hist()): a value v >= 2 lands in [2^k, 2^(k+1)); 0 and 1
// have buckets of their own and negatives share one. Printed in bpftrace's shape.

import { MathClz32, MathFloor, MathLog2, MathMax, StringPrototypePadEnd, StringPrototypePadStart, StringPrototypeRepeat } from '../core/primordials.js';

const BAR_WIDTH = 52;

export class Log2Hist {
  /** counts[0]: negatives, counts[1]: 0, counts[2]: 1, counts[k + 2]: [2^k, 2^(k+1)) for k >= 1. */
  readonly counts: number[] = [];
  total = 0;

  add(value: number): void {
    const i = bucketOf(value);
    while (this.counts.length <= i) this.counts.push(0);
    this.counts[i]++;
    this.total++;
  }
}

export function bucketOf(value: number): number {
  if (!(value >= 0)) return 0;
  if (value < 1) return 1;
  // clz32 on the integer part is ~10x cheaper than Math.log2, and exact; past 2^32, log2.
  if (value < 4294967296) return 33 - MathClz32(value);
  return MathFloor(MathLog2(value)) + 2;
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
  if (i === 1) return '[0]';
  if (i === 2) return '[1]';
  const lo = 2 ** (i - 2);
  return `[${powerLabel(lo)}, ${powerLabel(lo * 2)})`;
}

/** Bar rows for bucket counts, from the first non-empty bucket to the last (bpftrace's shape). */
export function barRows(counts: readonly number[], label: (i: number) => string): string[] {
  const first = counts.findIndex((c) => c > 0);
  if (first < 0) return [];
  let last = counts.length - 1;
  while (counts[last] === 0) last--;
  let max = 0;
  for (let i = 0; i < counts.length; i++) max = MathMax(max, counts[i]);
  const rows: string[] = [];
  for (let i = first; i <= last; i++) {
    const c = counts[i] ?? 0;
    const bar = StringPrototypeRepeat('@', max === 0 ? 0 : MathFloor((c * BAR_WIDTH) / max)); // integer division, as bpftrace
    rows.push(`${StringPrototypePadEnd(label(i), 16)}${StringPrototypePadStart(`${c}`, 8)} |${StringPrototypePadEnd(bar, BAR_WIDTH)}|`);
  }
  return rows;
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
  const lo = 2 ** (i - 2);
  return { min: lo, max: lo * 2 };
}

/** The non-empty span of buckets, for JSON. */
export function histBuckets(h: Log2Hist): { min: number | null; max: number | null; count: number }[] {
  return h.counts.flatMap((count, i) => (count > 0 ? [{ ...bucketRange(i), count }] : []));
}
