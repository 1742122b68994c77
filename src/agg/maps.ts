// Maps of a program: one per `@name`, keyed by the printed form of its keys, holding one kind of
// aggregation. The slot and the kind are fixed when the program compiles; a hit only updates.

import type { Aggregation, MapInfo } from '../lang/compile.js';
import { Log2Hist } from './hist.js';
import { LinearHist } from './lhist.js';

interface Avg {
  n: number;
  total: number;
}

/**
 * A count's or a sum's running total. A cell, so that a hit on a key already there is one Map
 * lookup, not a get and a set (~12 ns against ~25 ns here).
 */
export class Tally {
  n = 0;
}

export type Entry = Tally | Avg | Log2Hist | LinearHist | unknown;

export class AggMap {
  readonly name: string;
  readonly agg: Aggregation;
  readonly keyed: boolean;
  readonly entries = new Map<string, Entry>();
  readonly #lhist: [number, number, number] | undefined;

  constructor(info: MapInfo) {
    this.name = `@${info.name}`;
    this.agg = info.agg;
    this.keyed = info.keys > 0;
    this.#lhist = info.lhist;
  }

  /** One value into the aggregation (1 for count). */
  add(key: string, v: number): void {
    const e = this.entries;
    const had = e.get(key);
    switch (this.agg) {
      case 'count':
      case 'sum': {
        let t = had as Tally | undefined;
        if (t === undefined) e.set(key, (t = new Tally()));
        t.n += v;
        return;
      }
      case 'min':
        if (had === undefined || v < (had as number)) e.set(key, v);
        return;
      case 'max':
        if (had === undefined || v > (had as number)) e.set(key, v);
        return;
      case 'avg':
      case 'stats': {
        const a = (had as Avg | undefined) ?? { n: 0, total: 0 };
        a.n++;
        a.total += v;
        if (had === undefined) e.set(key, a);
        return;
      }
      case 'hist': {
        let h = had as Log2Hist | undefined;
        if (h === undefined) e.set(key, (h = new Log2Hist()));
        h.add(v);
        return;
      }
      case 'lhist': {
        let h = had as LinearHist | undefined;
        if (h === undefined) e.set(key, (h = new LinearHist(...this.#lhist!)));
        h.add(v);
        return;
      }
      default:
        e.set(key, v);
    }
  }

  set(key: string, v: unknown): void {
    this.entries.set(key, v);
  }

  /** The value a program reads back: the count, sum, average, … (for histograms, their total). */
  get(key: string): unknown {
    const v = this.entries.get(key);
    if (v === undefined) return this.agg === 'value' ? undefined : 0;
    return scalar(this.agg, v);
  }

  clear(): void {
    this.entries.clear();
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** The number an entry prints and sorts by. */
export function scalar(agg: Aggregation, v: Entry): unknown {
  if (agg === 'count' || agg === 'sum') return (v as Tally).n;
  if (agg === 'avg') return Math.trunc((v as Avg).total / (v as Avg).n);
  if (agg === 'stats') return (v as Avg).n;
  if (agg === 'hist') return (v as Log2Hist).total;
  if (agg === 'lhist') return (v as LinearHist).counts.reduce((a, b) => a + b, 0);
  return v;
}

export function avgOf(v: Entry): { count: number; average: number; total: number } {
  const a = v as Avg;
  return { count: a.n, average: Math.trunc(a.total / a.n), total: a.total };
}

/** One map's entries as plain data: what a thread sends to be merged with the others'. */
export interface MapData {
  name: string;
  entries: [string, unknown][];
}

export function mapData(m: AggMap): MapData {
  const entries = [...m.entries].map(([k, v]): [string, unknown] => {
    if (v instanceof Log2Hist) return [k, { counts: v.counts, total: v.total }];
    if (v instanceof LinearHist) return [k, { counts: v.counts }];
    if (v instanceof Tally) return [k, v.n];
    if (m.agg === 'value' && typeof v === 'object' && v !== null) return [k, String(v)];
    return [k, v];
  });
  return { name: m.name, entries };
}

/** Fold other threads' maps into `maps`, each into the one of its name (ones this side lacks are left out). */
export function mergeAll(maps: readonly AggMap[], data: Iterable<MapData>): void {
  for (const d of data) {
    const into = maps.find((m) => m.name === d.name);
    if (into !== undefined) mergeData(into, d);
  }
}

/** Fold another thread's entries into `m` (like bpftrace merging per-CPU maps when it reads them). */
export function mergeData(m: AggMap, data: MapData): void {
  for (const [key, v] of data.entries) {
    const had = m.entries.get(key);
    switch (m.agg) {
      case 'count':
      case 'sum':
        m.add(key, v as number);
        break;
      case 'min':
      case 'max':
        m.add(key, v as number);
        break;
      case 'avg':
      case 'stats': {
        const a = (had as Avg | undefined) ?? { n: 0, total: 0 };
        a.n += (v as Avg).n;
        a.total += (v as Avg).total;
        m.entries.set(key, a);
        break;
      }
      case 'hist':
      case 'lhist': {
        if (had === undefined) m.add(key, 0);
        const h = m.entries.get(key) as Log2Hist | LinearHist;
        if (had === undefined) h.counts.fill(0);
        if (h instanceof Log2Hist && had === undefined) h.total = 0;
        const counts = (v as { counts: number[] }).counts;
        for (let i = 0; i < counts.length; i++) {
          while (h.counts.length <= i) h.counts.push(0);
          h.counts[i] += counts[i];
        }
        if (h instanceof Log2Hist) h.total += (v as { total: number }).total;
        break;
      }
      default:
        m.entries.set(key, v);
    }
  }
}
