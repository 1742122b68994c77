// bench/stats — ns per hit of a map update: avg() (what stats() cost before percentiles: a count
// and a total), stats() and hist() with their percentiles, while exact (an entry's first 1,024
// values) and once in buckets, in CPU time. Interleaved rounds in one process; a micro-benchmark of
// src/agg/stats.ts and src/agg/quantiles.ts, not part of bench:hot.
//
//   node build/bench/stats.js [-- --rounds 9 --hits 2000000]

import { AggMap } from '../src/agg/maps.js';
import type { Aggregation } from '../src/lang/compile.js';
import { fmt, machine, median, option } from './lib/measure.js';

const ROUNDS = Number(option('rounds') ?? 9);
const HITS = Number(option('hits') ?? 2_000_000);
/** Keys for the exact phase: each gets fewer than 1,024 values in a round. */
const EXACT_KEYS = Math.ceil(HITS / 1000);

/** Latency-like values in ns, 1 µs to 10 ms, from a fixed generator (no Math.random between variants). */
const VALUES = new Float64Array(4096);
let x = 12345;
for (let i = 0; i < VALUES.length; i++) {
  x = (x * 1103515245 + 12345) % 2 ** 31;
  VALUES[i] = Math.round(1e3 * 10 ** ((x / 2 ** 31) * 4));
}
const KEYS = Array.from({ length: EXACT_KEYS }, (_, i) => `k${i}`);

/** One round: a fresh map, HITS updates over `keys` keys; ns per hit. */
function round(agg: Aggregation, keys: number): number {
  const m = AggMap.of({ name: agg, index: 0, agg, keys: 1, at: 0 });
  // Fill each key past the exact phase first when measuring buckets, so that the timed hits are all bucketed.
  if (keys < EXACT_KEYS) for (let i = 0; i < 2048 * keys; i++) m.add(KEYS[i % keys], VALUES[i & 4095]);
  // CPU time, not wall time: on a shared machine the wall clock counts the time others ran.
  const t0 = process.cpuUsage();
  for (let i = 0; i < HITS; i++) m.add(KEYS[i % keys], VALUES[i & 4095]);
  const t = process.cpuUsage(t0);
  return ((t.user + t.system) * 1000) / HITS;
}

const variants: [string, Aggregation, number][] = [
  ['avg (stats before)', 'avg', 8],
  ['stats, bucketed', 'stats', 8],
  ['stats, exact', 'stats', EXACT_KEYS],
  ['avg, as many keys', 'avg', EXACT_KEYS],
  ['hist, bucketed', 'hist', 8],
];
const samples = variants.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) variants.forEach(([, agg, keys], i) => samples[i].push(round(agg, keys)));
console.log(machine());
variants.forEach(([name, , keys], i) => console.log(`${name.padEnd(22)} ${String(keys).padStart(5)} keys ${fmt(median(samples[i]), 1)} ns/hit`));
