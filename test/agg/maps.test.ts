// Maps: each kind's entries through a thread's snapshot (toData, JSON, merge) unchanged, and the
// key limit: exact drop counts, kept keys still updating, drops summed across merged snapshots.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Aggregation, MapInfo } from '../../src/lang/compile.js';
import { AggMap, mergeAll, type MapData } from '../../src/agg/maps.js';
import { printMap, printMaps, type Output } from '../../src/agg/print.js';

function capture(format: 'text' | 'json'): Output & { lines: string[] } {
  const lines: string[] = [];
  return { format, lines, text: (s) => void lines.push(s), json: (o) => void lines.push(JSON.stringify(o)) };
}

const info = (agg: Aggregation, keys = 1): MapInfo => ({ name: agg, index: 0, agg, keys, at: 0, lhist: agg === 'lhist' ? [0, 100, 10] : undefined });
const KINDS: Aggregation[] = ['count', 'sum', 'min', 'max', 'avg', 'stats', 'hist', 'lhist', 'value'];
/** Values for each kind, odd ones out included: negatives, fractions, NaN, Infinity, big numbers. */
const VALUES = [3, -7, 0.5, 1e12, 42, Infinity, 1, 64];

/** Values into keys k0, k1, k2 in turn; the `from`th value of a longer list goes where it would there. */
function fill(m: AggMap, agg: Aggregation, values: readonly unknown[], from = 0): void {
  values.forEach((v, i) => {
    const key = `k${(from + i) % 3}`;
    if (agg === 'value') m.set(key, v);
    else m.add(key, agg === 'count' ? 1 : v);
  });
}

function printed(m: AggMap): string[] {
  const text = capture('text');
  const json = capture('json');
  printMap(text, m);
  printMap(json, m);
  return [...text.lines, ...json.lines];
}

/** What another thread's map arrives as: its data, through JSON. */
const viaJson = (m: AggMap): MapData => JSON.parse(JSON.stringify(m.toData())) as MapData;

for (const agg of KINDS) {
  test(`${agg}: a snapshot merged into an empty map prints the same, and two merge as one map fed both`, () => {
    const m = AggMap.of(info(agg));
    fill(m, agg, VALUES);
    const copy = AggMap.of(info(agg));
    copy.merge(viaJson(m));
    assert.deepEqual(printed(copy), printed(m));
    const nan = agg === 'value' ? ['x', NaN, undefined, 12n] : [NaN];
    const a = AggMap.of(info(agg));
    const b = AggMap.of(info(agg));
    const both = AggMap.of(info(agg));
    fill(a, agg, VALUES.slice(0, 5));
    fill(b, agg, [...VALUES.slice(5), ...nan], 5);
    fill(both, agg, [...VALUES, ...nan]);
    mergeAll([a], [viaJson(b)]);
    assert.deepEqual(printed(a), printed(both));
  });

  test(`${agg}: past the key limit, new keys are dropped and counted; keys already there keep updating`, () => {
    const m = AggMap.of(info(agg), 100);
    const put = (key: string, v: number) => (agg === 'value' ? m.set(key, v) : m.add(key, v));
    for (let i = 0; i < 250; i++) put(`key${i}`, 1);
    assert.equal(m.entries.size, 100);
    assert.equal(m.dropped, 150);
    put('key0', 1);
    put('key99', 1);
    put('key100', 1);
    assert.equal(m.dropped, 151);
    const expected = agg === 'count' || agg === 'sum' || agg === 'stats' || agg === 'hist' || agg === 'lhist' ? 2 : 1;
    assert.equal(m.get('key0'), expected);
    assert.equal(m.get('key99'), expected);
    assert.equal(m.get('key100'), agg === 'value' ? undefined : 0);
    // A deleted key frees a place.
    m.delete('key5');
    put('key200', 1);
    assert.equal(m.entries.size, 100);
    assert.equal(m.dropped, 151);
  });
}

test('merged snapshots keep the sum of their drops, and a map that only dropped still sends them', () => {
  const limited = (n: number) => AggMap.of(info('count'), n);
  const a = limited(10);
  const b = limited(10);
  for (let i = 0; i < 25; i++) a.add(`a${i}`, 1);
  for (let i = 0; i < 17; i++) b.add(`b${i}`, 1);
  const into = AggMap.of(info('count'));
  mergeAll([into], [viaJson(a), viaJson(b)]);
  assert.equal(into.dropped, 15 + 7);
  assert.equal(into.entries.size, 20);
  // Cleared, it has no entries but still its drops: the end of the run must hear of them.
  a.clear();
  const again = AggMap.of(info('count'));
  again.merge(viaJson(a));
  assert.equal(again.dropped, 15);
  assert.equal(again.entries.size, 0);
});

test('the maps at the end: drops after the maps in text, a dropped field in JSON', () => {
  const counts = AggMap.of(info('count'), 2);
  for (const k of ['a', 'b', 'c', 'a', 'd']) counts.add(k, 1);
  const gone = AggMap.of({ ...info('sum', 0), name: 'gone' }, 1);
  gone.add('', 5);
  const quiet = AggMap.of({ ...info('max'), name: 'quiet' });
  const text = capture('text');
  printMaps(text, [counts, gone, quiet]);
  assert.deepEqual(text.lines, [
    '@count[b]: 1\n@count[a]: 2\n\n',
    '@gone: 5\n\n',
    '@count: 2 updates dropped at the key limit\n',
  ]);
  const json = capture('json');
  printMaps(json, [counts, gone, quiet]);
  assert.deepEqual(json.lines.map((l) => JSON.parse(l) as unknown), [
    { type: 'map', data: { '@count': { b: 1, a: 2 } }, dropped: 2 },
    { type: 'map', data: { '@gone': 5 } },
  ]);
});

test('data of another kind or shape is left out of a merge, not taken as an entry', () => {
  const h = AggMap.of(info('hist'));
  const q = { min: 0, max: 0, samples: [0] };
  // d: a histogram without its percentiles' data is not whole, and is left out too.
  h.merge({
    name: '@hist',
    entries: [['a', 3], ['b', { counts: 'x', total: 1 }], ['c', { counts: [0, 1], total: 1, q }], ['d', { counts: [0, 1], total: 1 }]],
    dropped: 2,
  });
  assert.deepEqual([...h.entries.keys()], ['c']);
  assert.equal(h.dropped, 2);
  const l = AggMap.of(info('lhist'));
  l.merge({ name: '@lhist', entries: [['short', { counts: [1, 2] }]] });
  assert.equal(l.entries.size, 0);
  const c = AggMap.of(info('count'));
  c.merge({ name: '@count', entries: [['a', '7'], ['b', null], ['c', 'NaN']] });
  assert.deepEqual([...c.entries.keys()], ['c']);
  assert.ok(Number.isNaN(c.get('c')));
});
