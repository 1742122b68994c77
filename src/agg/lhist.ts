// Linear histograms (bpftrace's lhist(value, min, max, step)): buckets of `step` from `min` to
// `max`, one below and one above. Printed in bpftrace's shape.

import { addCounts, countsFrom, field, numberData, numberFrom, type Add, type Aggregator } from './aggregator.js';
import { ArrayPrototypeSlice, MathCeil, MathFloor, MathMin } from '../core/primordials.js';
import { barRows, framed } from './hist.js';
import { percentileData, percentileLines, Quantiles } from './quantiles.js';

export class LinearHist {
  /** counts[0]: below min; counts[i + 1]: [min + i*step, min + (i+1)*step); last: >= max. */
  readonly counts: number[];
  /** The values' sum: a Prometheus histogram's `_sum` (docs/cli.md, "Prometheus"). */
  sum = 0;
  /** The values' percentiles, printed under the bars. */
  readonly q = new Quantiles();

  constructor(readonly min: number, readonly max: number, readonly step: number) {
    this.counts = [];
    const n = MathCeil((max - min) / step) + 2;
    for (let i = 0; i < n; i++) this.counts[i] = 0;
  }

  add(v: number): void {
    const n = this.counts.length;
    const i = !(v >= this.min) ? 0 : v >= this.max ? n - 1 : 1 + MathFloor((v - this.min) / this.step);
    this.counts[MathMin(i, n - 1)]++;
    this.sum += v;
    this.q.add(v);
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
    const out: { min: number | null; max: number | null; count: number }[] = [];
    for (let i = 0; i < this.counts.length; i++) {
      const count = this.counts[i];
      if (count > 0) out[out.length] = { ...this.range(i), count };
    }
    return out;
  }
}

/** lhist(): a map's entries as linear histograms with the map's bounds; reads back as its count of values. */
export class LinearHistAggregator implements Aggregator<LinearHist, number> {
  readonly kind = 'lhist';
  readonly jsonType = 'hist';
  readonly absent: unknown = 0;

  constructor(readonly min: number, readonly max: number, readonly step: number) {}

  first(v: number): LinearHist {
    const h = new LinearHist(this.min, this.max, this.step);
    h.add(v);
    return h;
  }

  add(h: LinearHist, v: number): void {
    h.add(v);
  }

  adder(entries: Map<string, LinearHist>, miss: Add<number>): Add<number> {
    return (key, v) => {
      // NaN is no value: no bucket holds it (the runtime says so once).
      if (v !== v) return;
      const e = entries.get(key);
      if (e !== undefined) this.add(e, v);
      else miss(key, v);
    };
  }

  scalar(h: LinearHist): number {
    let n = 0;
    for (let i = 0; i < h.counts.length; i++) n += h.counts[i];
    return n;
  }

  release(h: LinearHist): void {
    h.q.release();
  }

  merge(into: LinearHist, from: LinearHist): void {
    addCounts(into.counts, from.counts);
    into.sum += from.sum;
    into.q.merge(from.q);
  }

  toData(h: LinearHist): unknown {
    return { counts: ArrayPrototypeSlice(h.counts), sum: numberData(h.sum), q: h.q.toData() };
  }

  /** Counts for other bounds (another program's map of the same name) are not this map's: undefined. */
  fromData(d: unknown): LinearHist | undefined {
    const counts = countsFrom(field(d, 'counts'));
    const q = Quantiles.fromData(field(d, 'q'));
    const h = new LinearHist(this.min, this.max, this.step);
    if (counts === undefined || counts.length !== h.counts.length || q === undefined) return undefined;
    addCounts(h.counts, counts);
    // Data without a sum (none that this version sends) has an unknown one.
    h.sum = numberFrom(field(d, 'sum')) ?? NaN;
    h.q.merge(q);
    return h;
  }

  text(label: string, h: LinearHist): string[] {
    return framed(label, h.rows(), percentileLines(h.q));
  }

  json(h: LinearHist): unknown {
    return h.buckets();
  }

  percentiles(h: LinearHist): unknown {
    return percentileData(h.q);
  }
}
