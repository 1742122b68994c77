// Linear histograms (bpftrace's lhist(value, min, max, step)): buckets of `step` from `min` to
// `max`, one below and one above. Printed in bpftrace's shape.

import { barRows } from './hist.js';
import { MathFloor, MathMin } from '../core/primordials.js';

export class LinearHist {
  /** counts[0]: below min; counts[i + 1]: [min + i*step, min + (i+1)*step); last: >= max. */
  readonly counts: number[];

  constructor(readonly min: number, readonly max: number, readonly step: number) {
    this.counts = new Array<number>(Math.ceil((max - min) / step) + 2).fill(0);
  }

  add(v: number): void {
    const n = this.counts.length;
    const i = !(v >= this.min) ? 0 : v >= this.max ? n - 1 : 1 + MathFloor((v - this.min) / this.step);
    this.counts[MathMin(i, n - 1)]++;
  }

  range(i: number): { min: number | null; max: number | null } {
    if (i === 0) return { min: null, max: this.min };
    if (i === this.counts.length - 1) return { min: this.max, max: null };
    const lo = this.min + (i - 1) * this.step;
    return { min: lo, max: MathMin(lo + this.step, this.max) };
  }

  rows(): string[] {
    return barRows(this.counts, (i) => {
      const r = this.range(i);
      return r.min === null ? `(..., ${r.max})` : r.max === null ? `[${r.min}, ...)` : `[${r.min}, ${r.max})`;
    });
  }

  buckets(): { min: number | null; max: number | null; count: number }[] {
    return this.counts.flatMap((count, i) => (count > 0 ? [{ ...this.range(i), count }] : []));
  }
}
