// Maps of a program: one per `@name`, keyed by the printed form of its keys, holding one kind of
// aggregation (kinds.ts) and at most `maxKeys` keys. The slot and the kind are fixed when the
// program compiles; a hit only updates. Loops, not Array's methods: the program may have replaced them.

import { creditCounts } from '../core/count-mode.js';
import { mapForEach, SafeMap } from '../core/primordials.js';
import type { MapInfo } from '../lang/compile.js';
import type { Add, Aggregator } from './aggregator.js';
import { aggregatorFor, type OnAccessor } from './kinds.js';

/**
 * Keys a map holds at most, per thread, unless --max-map-keys says otherwise: enough for
 * `@[func] = count()` over every function of a large program (jsprobe -l lists ~22,000 functions in typescript.js).
 */
export const DEFAULT_MAX_MAP_KEYS = 65_536;

/** One map's entries as plain data: what a thread sends to be merged with the others'. */
export interface MapData {
  name: string;
  entries: [string, unknown][];
  /** Updates of a new key the map did not take: it held maxKeys keys already. */
  dropped?: number;
}

export class AggMap<E = unknown, In = unknown> {
  readonly name: string;
  readonly keyed: boolean;
  /** Its own methods: a hit's `get` and a new key's `set` come long after the program may have replaced Map's. */
  readonly entries: Map<string, E> = new SafeMap<string, E>();
  /** Updates of a new key dropped because the map held maxKeys keys (in this thread, plus those merged in). */
  dropped = 0;
  /**
   * One value into the aggregation (1 for count). A key already there is one lookup and an update
   * in place. The kind's own function (see Aggregator.adder), so that a hit never switches on the
   * kind and V8's feedback at each map's update stays of one kind.
   */
  readonly add: Add<In>;
  /** `@m[k] = v`: for a map of plain values, add is set. */
  readonly set: Add<In>;
  readonly #kind: Aggregator<E, In>;
  readonly #maxKeys: number;

  /** The map of `info`, with its kind of aggregation; `onAccessor` hears of getters a value's copy leaves uncalled. */
  static of(info: MapInfo, maxKeys = DEFAULT_MAX_MAP_KEYS, onAccessor?: OnAccessor): AggMap {
    return new AggMap(info, aggregatorFor(info, onAccessor), maxKeys);
  }

  constructor(info: MapInfo, kind: Aggregator<E, In>, maxKeys: number) {
    this.name = `@${info.name}`;
    this.keyed = info.keys > 0;
    this.#kind = kind;
    this.#maxKeys = maxKeys;
    this.add = kind.adder(this.entries, (key, v) => this.#insert(key, v));
    this.set = this.add;
  }

  get kind(): Aggregator<E, In> {
    return this.#kind;
  }

  #insert(key: string, v: In): void {
    if (this.entries.size < this.#maxKeys) this.entries.set(key, this.#kind.first(v));
    else this.dropped++;
  }

  /**
   * A count map's entry for `key`, to count into in place (core/counter.ts): made at 0 if the map
   * has room, as the hit about to be counted into it would make it; null when the map is full.
   */
  countCell(key: string): E | null {
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= this.#maxKeys) return null;
      e = this.#kind.first(0 as In);
      this.entries.set(key, e);
    }
    return e;
  }

  /** The value a program reads back: the count, sum, average, … (for histograms, their total). */
  get(key: string): unknown {
    const e = this.entries.get(key);
    return e === undefined ? this.#kind.absent : this.#kind.scalar(e);
  }

  clear(): void {
    const kind = this.#kind;
    if (kind.release !== undefined) mapForEach(this.entries, (e) => kind.release!(e));
    this.entries.clear();
  }

  delete(key: string): void {
    const kind = this.#kind;
    if (kind.release !== undefined) {
      const e = this.entries.get(key);
      if (e !== undefined) kind.release(e);
    }
    this.entries.delete(key);
  }

  /** The map as data, to be merged into another thread's (or process's) map of the same name. */
  toData(): MapData {
    const kind = this.#kind;
    const entries: [string, unknown][] = [];
    mapForEach(this.entries, (e, k) => {
      entries[entries.length] = [k, kind.toData(e)];
    });
    return this.dropped > 0 ? { name: this.name, entries, dropped: this.dropped } : { name: this.name, entries };
  }

  /**
   * Fold another thread's map in (like bpftrace merging per-CPU maps when it reads them). Its keys
   * are all taken: each thread keeps to the limit, so a merged map holds at most threads × maxKeys.
   * An entry that is not data of this map's kind is left out.
   */
  merge(data: MapData): void {
    const kind = this.#kind;
    for (let i = 0; i < data.entries.length; i++) {
      const key = data.entries[i][0];
      const d = data.entries[i][1];
      const from = kind.fromData(d);
      if (from === undefined) continue;
      const into = this.entries.get(key);
      if (into === undefined) this.entries.set(key, from);
      else kind.merge(into, from);
    }
    if (typeof data.dropped === 'number' && data.dropped > 0) this.dropped += data.dropped;
  }
}

/** The data of every map that has something to tell: entries, or updates it dropped. */
export function mapsData(maps: readonly AggMap[]): MapData[] {
  // What the sites counted in place goes to the maps first (core/count-mode.ts).
  creditCounts();
  const out: MapData[] = [];
  for (let i = 0; i < maps.length; i++) if (maps[i].entries.size > 0 || maps[i].dropped > 0) out[out.length] = maps[i].toData();
  return out;
}

/** Fold other threads' maps into `maps`, each into the one of its name (ones this side lacks are left out). */
export function mergeAll(maps: readonly AggMap[], data: readonly MapData[]): void {
  for (let j = 0; j < data.length; j++) {
    const d = data[j];
    for (let i = 0; i < maps.length; i++) {
      if (maps[i].name !== d.name) continue;
      maps[i].merge(d);
      break;
    }
  }
}
