// Linear histograms (bpftrace's lhist(value, min, max, step)): buckets of `step` from `min` to
// `max`, one below and one above. Printed in bpftrace's shape.

import { addCounts, countsFrom, field, type Add, type Aggregator } from './aggregator.js';
import { barRows } from './hist.js';

export class LinearHist {
  /** counts[0]: below min; counts[i + 1]: [min + i*step, min + (i+1)*step); last: >= max. */
  readonly counts: number[];

  constructor(readonly min: number, readonly max: number, readonly step: number) {
    this.counts = new Array<number>(Math.ceil((max - min) / step) + 2).fill(0);
  }

  add(v: number): void {
    const n = this.counts.length;
    const i = !(v >= this.min) ? 0 : v >= this.max ? n - 1 : 1 + Math.floor((v - this.min) / this.step);
    this.counts[Math.min(i, n - 1)]++;
  }

  range(i: number): { min: number | null; max: number | null } {
    if (i === 0) return { min: null, max: this.min };
    if (i === this.counts.length - 1) return { min: this.max, max: null };
    const lo = this.min + (i - 1) * this.step;
    return { min: lo, max: Math.min(lo + this.step, this.max) };
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
      const e = entries.get(key);
      if (e !== undefined) this.add(e, v);
      else miss(key, v);
    };
  }

  scalar(h: LinearHist): number {
    return h.counts.reduce((a, b) => a + b, 0);
  }

  merge(into: LinearHist, from: LinearHist): void {
    addCounts(into.counts, from.counts);
  }

  toData(h: LinearHist): unknown {
    return { counts: [...h.counts] };
  }

  /** Counts for other bounds (another program's map of the same name) are not this map's: undefined. */
  fromData(d: unknown): LinearHist | undefined {
    const counts = countsFrom(field(d, 'counts'));
    const h = new LinearHist(this.min, this.max, this.step);
    if (counts === undefined || counts.length !== h.counts.length) return undefined;
    addCounts(h.counts, counts);
    return h;
  }

  text(label: string, h: LinearHist): string[] {
    return [`${label}:`, ...h.rows(), ''];
  }

  json(h: LinearHist): unknown {
    return h.buckets();
  }
}
