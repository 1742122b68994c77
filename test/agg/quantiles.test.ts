// Percentiles (quantiles.ts): exact while an entry holds few values, within the stated relative
// error once in buckets, against an oracle that sorts every value; merging across threads, and
// the data a thread sends (JSON, bounded).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BUCKETS, EXACT_LIMIT, PERCENTILES, QUANTILE_CELLS, Quantiles, bucketIndex, bucketMiddle, quantileCellsLeft, rankOf, setQuantileCells,
} from '../../src/agg/quantiles.js';
import { AggMap, mergeAll, type MapData } from '../../src/agg/maps.js';
import { printMap } from '../../src/agg/print.js';

/** The relative error docs/cli.md states for bucketed percentiles: half a bucket, 1/64 of the value. */
const BOUND = 1 / 64;
const PS = [0, 1, 25, 50, 75, 90, 99, 99.9, 100];

function oracle(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[rankOf(p, sorted.length) - 1];
}

function within(got: number, want: number): boolean {
  if (got === want) return true;
  return Math.abs(got - want) <= BOUND * Math.abs(want);
}

function of(values: readonly number[]): Quantiles {
  const q = new Quantiles();
  for (const v of values) q.add(v);
  return q;
}

/** Magnitudes the buckets cover ([2^-32, 2^64)), either sign, and zero. */
const covered = fc.oneof(
  fc.double({ min: 2 ** -32, max: 2 ** 63, noNaN: true }),
  fc.double({ min: -(2 ** 63), max: -(2 ** -32), noNaN: true }),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.constant(0),
);

test('nearest rank, as the oracle reads a sorted array', () => {
  assert.equal(rankOf(50, 4), 2);
  assert.equal(rankOf(99, 4), 4);
  assert.equal(rankOf(0, 4), 1);
  assert.equal(rankOf(100, 1), 1);
});

test('exact up to EXACT_LIMIT values: the oracle\'s own values', () => {
  fc.assert(
    fc.property(fc.array(covered, { minLength: 1, maxLength: EXACT_LIMIT }), (values) => {
      const q = of(values);
      assert.notEqual(q.samples, null);
      assert.deepEqual(q.percentiles(PS), PS.map((p) => oracle(values, p)));
    }),
    { numRuns: 200 },
  );
});

test('past EXACT_LIMIT, every percentile within 1/64 of the oracle\'s, and within [min, max]', () => {
  fc.assert(
    fc.property(fc.array(covered, { minLength: EXACT_LIMIT + 1, maxLength: 4 * EXACT_LIMIT }), (values) => {
      const q = of(values);
      assert.equal(q.samples, null);
      const got = q.percentiles(PS);
      PS.forEach((p, i) => {
        const want = oracle(values, p);
        assert.ok(within(got[i], want), `p${p}: ${got[i]} against ${want}`);
        assert.ok(got[i] >= q.min && got[i] <= q.max);
      });
      assert.equal(q.min, Math.min(...values));
      assert.equal(q.max, Math.max(...values));
    }),
    { numRuns: 100 },
  );
});

test('a latency-like spread: ns from 1 µs to 10 s, 100,000 values', () => {
  const values: number[] = [];
  let x = 12345;
  for (let i = 0; i < 100_000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    values.push(Math.round(1e3 * 10 ** ((x / 2 ** 31) * 7)));
  }
  const q = of(values);
  const got = q.percentiles(PERCENTILES);
  PERCENTILES.forEach((p, i) => assert.ok(within(got[i], oracle(values, p)), `p${p}`));
  // Memory stays bounded: buckets span only what the values reach, at most BUCKETS.
  assert.ok(q.counts.length <= BUCKETS);
  assert.ok(q.counts.length < 24 * 32 + 32, `${q.counts.length} buckets for 7 decades`);
});

test('buckets are in value order and every value lies within 1/64 of its bucket\'s middle', () => {
  fc.assert(
    fc.property(covered, covered, (a, b) => {
      if (a < b) assert.ok(bucketIndex(a) <= bucketIndex(b));
      const i = bucketIndex(a);
      assert.ok(i >= 0 && i < BUCKETS);
      assert.ok(within(bucketMiddle(i), a), `${a} in bucket ${i} (middle ${bucketMiddle(i)})`);
    }),
  );
});

test('NaN has no rank; infinities and values outside the covered range stay within [min, max]', () => {
  const q = of([NaN, 1, 2, 3]);
  assert.equal(q.n, 3);
  assert.deepEqual(q.percentiles([50]), [2]);
  const big = of([...Array(EXACT_LIMIT).fill(1), Infinity, 2 ** 80, 1e-300]);
  assert.equal(big.samples, null);
  assert.deepEqual(big.percentiles([0, 100]), [1e-300, Infinity]);
  assert.deepEqual(new Quantiles().percentiles([50]), [NaN]);
});

test('merging: exact while both fit, else buckets; the same as one entry fed every value', () => {
  fc.assert(
    fc.property(fc.array(covered, { maxLength: 1500 }), fc.array(covered, { maxLength: 1500 }), (xs, ys) => {
      const a = of(xs);
      const b = of(ys);
      a.merge(Quantiles.fromData(JSON.parse(JSON.stringify(b.toData())))!);
      const all = [...xs, ...ys];
      assert.equal(a.n, all.length);
      if (all.length === 0) return;
      assert.equal(a.samples !== null, all.length <= EXACT_LIMIT);
      const got = a.percentiles(PS);
      PS.forEach((p, i) => assert.ok(within(got[i], oracle(all, p)), `p${p}: ${got[i]} against ${oracle(all, p)}`));
      if (a.samples === null) assert.deepEqual(a.counts, of(all).counts);
    }),
    { numRuns: 100 },
  );
});

test('data: JSON-safe (infinities as text), bounded, and refused when out of shape', () => {
  const exact = of([1, -Infinity, 3]);
  const d = JSON.parse(JSON.stringify(exact.toData())) as unknown;
  assert.deepEqual(Quantiles.fromData(d)!.percentiles([0, 100]), [-Infinity, 3]);
  const bucketed = of(Array.from({ length: 5000 }, (_, i) => i));
  assert.ok(JSON.stringify(bucketed.toData()).length < 8 * BUCKETS);
  for (const bad of [
    null,
    { min: 0, max: 1 },
    { min: 0, max: 1, samples: Array(EXACT_LIMIT + 1).fill(1) },
    { min: 0, max: 1, samples: ['x'] },
    { min: 0, max: 1, lo: BUCKETS - 1, counts: [1, 1] },
    { min: 0, max: 1, lo: 0.5, counts: [1] },
    { min: 0, max: 1, lo: 0, counts: [-1] },
  ]) assert.equal(Quantiles.fromData(bad), undefined, JSON.stringify(bad));
});

test('stats, hist and lhist carry percentiles through a thread\'s snapshot and print them', () => {
  for (const agg of ['stats', 'hist', 'lhist'] as const) {
    const info = { name: agg, index: 0, agg, keys: 1, at: 0, lhist: agg === 'lhist' ? ([0, 3000, 100] as [number, number, number]) : undefined };
    const a = AggMap.of(info);
    const b = AggMap.of(info);
    for (let i = 1; i <= 1000; i++) a.add('k', i);
    for (let i = 1001; i <= 2000; i++) b.add('k', i);
    mergeAll([a], [JSON.parse(JSON.stringify(b.toData())) as MapData]);
    const lines: string[] = [];
    const json: object[] = [];
    printMap({ format: 'text', text: (s) => void lines.push(s), json: (o) => void json.push(o) }, a);
    // 2,000 values, in buckets now: p50 1000, p90 1800, p99 1980, within 1/64.
    const m = /p50 ([\d.]+), p90 ([\d.]+), p99 ([\d.]+)/.exec(lines.join(''));
    assert.ok(m !== null, `${agg}: ${lines.join('')}`);
    [1000, 1800, 1980].forEach((want, i) => assert.ok(within(Number(m[i + 1]), want), `${agg} p${PERCENTILES[i]} ${m[i + 1]}`));
  }
});

test('stats in JSON: count, average, min, max, total and the percentiles', () => {
  const s = AggMap.of({ name: 's', index: 0, agg: 'stats', keys: 0, at: 0 });
  for (const v of [5, 1, 4, 2, 3]) s.add('', v);
  const json: object[] = [];
  printMap({ format: 'json', text: () => undefined, json: (o) => void json.push(o) }, s);
  assert.deepEqual(json, [{ type: 'stats', data: { '@s': { count: 5, average: 3, min: 1, max: 5, total: 15, p50: 3, p90: 5, p99: 5 } } }]);
});

test('a thread\'s entries share one budget of numbers: past it they clamp and say so, and clear gives it back', () => {
  const before = quantileCellsLeft();
  setQuantileCells(2500);
  try {
    const s = AggMap.of({ name: 's', index: 0, agg: 'stats', keys: 1, at: 0 });
    // Each key's first values are kept exactly while the budget lasts; the third key finds it spent and turns to buckets.
    for (let k = 0; k < 3; k++) for (let v = 1; v <= 1000; v++) s.add(`k${k}`, v);
    const third = s.entries.get('k2') as unknown as { q: Quantiles };
    assert.equal(third.q.samples, null);
    assert.equal(2000 + third.q.counts.length + quantileCellsLeft(), 2500);
    assert.equal(third.q.clamped, 0);
    // Values far outside what the buckets already span cannot widen them: counted at the edge, and flagged.
    s.add('k2', 1e15);
    assert.ok(third.q.clamped > 0);
    const lines: string[] = [];
    printMap({ format: 'text', text: (t) => void lines.push(t), json: () => undefined }, s);
    const text = lines.join('');
    assert.match(text, /@s\[k2\]: count 1001, .* \(approximate: \d+ values? past the percentile memory budget\)/);
    assert.doesNotMatch(text, /@s\[k0\].*approximate/);
    const json = s.kind.json(s.entries.get('k2')!, 1) as { clamped?: number };
    assert.equal(json.clamped, third.q.clamped);
    // What an entry holds goes back when the map lets go of it.
    const left = quantileCellsLeft();
    s.delete('k0');
    assert.equal(quantileCellsLeft(), left + 1000);
    s.clear();
    assert.equal(quantileCellsLeft(), 2500);
  } finally {
    setQuantileCells(before);
  }
});

test('the budget bounds all entries together: 65,536 keys of wide-ranging values hold at most QUANTILE_CELLS numbers', () => {
  const before = quantileCellsLeft();
  setQuantileCells(QUANTILE_CELLS);
  try {
    const s = AggMap.of({ name: 'h', index: 0, agg: 'hist', keys: 1, at: 0 });
    let held = 0;
    // 65,536 keys of 100 values over 50 octaves: 6.5 M samples, and each key's buckets span 1,600.
    for (let k = 0; k < 65_536; k += 1) for (let i = 0; i < 100; i++) s.add(`k${k}`, 2 ** (i % 50) + i);
    let clamped = 0;
    for (let k = 0; k < 65_536; k++) {
      const q = (s.entries.get(`k${k}`) as unknown as { q: Quantiles }).q;
      held += (q.samples?.length ?? 0) + q.counts.length;
      clamped += q.clamped;
    }
    assert.ok(held <= QUANTILE_CELLS, `${held} numbers held`);
    assert.ok(clamped > 0);
    assert.equal(held + quantileCellsLeft(), QUANTILE_CELLS);
  } finally {
    setQuantileCells(before);
  }
});
