// The Prometheus page of maps (agg/exposition.ts), against exact expected text: each kind's type
// and lines, escaping, names, multi-key labels, the size cap and its count.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Aggregation, MapInfo } from '../../src/lang/compile.js';
import { AggMap } from '../../src/agg/maps.js';
import { escapeHelp, escapeLabelValue, exposition, keyLabels, metricName, sampleValue, type ExportedMap } from '../../src/agg/exposition.js';

const info = (name: string, agg: Aggregation, keys = 1, lhist?: [number, number, number]): MapInfo => ({ name, index: 0, agg, keys, at: 0, lhist });

function map(name: string, agg: Aggregation, keys: number, values: [string, number][], lhist?: [number, number, number]): ExportedMap {
  const m = AggMap.of(info(name, agg, keys, lhist));
  for (const [k, v] of values) m.add(k, v);
  return { map: m, keys };
}

/** The page without its trailer (jsprobe_dropped_series), which the last test checks. */
function body(maps: ExportedMap[]): string {
  return exposition(maps).replace(/# HELP jsprobe_dropped_series Map keys[^]*$/, '');
}

test('count, sum, min, max and avg maps are gauges with a key label; a map without a key has none', () => {
  const page = body([
    map('calls', 'count', 1, [['a', 1], ['b', 1], ['a', 1]]),
    map('bytes', 'sum', 0, [['', 10], ['', 5.5]]),
    map('lo', 'min', 1, [['x', 3], ['x', -2]]),
    map('hi', 'max', 1, [['x', 3], ['x', -2]]),
    map('mean', 'avg', 1, [['x', 1], ['x', 2]]),
  ]);
  assert.equal(page, [
    '# HELP jsprobe_calls jsprobe map @calls, count()', '# TYPE jsprobe_calls gauge', 'jsprobe_calls{key="a"} 2', 'jsprobe_calls{key="b"} 1',
    '# HELP jsprobe_bytes jsprobe map @bytes, sum()', '# TYPE jsprobe_bytes gauge', 'jsprobe_bytes 15.5',
    '# HELP jsprobe_lo jsprobe map @lo, min()', '# TYPE jsprobe_lo gauge', 'jsprobe_lo{key="x"} -2',
    '# HELP jsprobe_hi jsprobe map @hi, max()', '# TYPE jsprobe_hi gauge', 'jsprobe_hi{key="x"} 3',
    // avg of integers is truncated, as the text output shows it.
    '# HELP jsprobe_mean jsprobe map @mean, avg()', '# TYPE jsprobe_mean gauge', 'jsprobe_mean{key="x"} 1',
    '',
  ].join('\n'));
});

test('label values escape backslash, double quote and line feed; nothing else', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd\te'), 'a\\\\b\\"c\\nd\te');
  assert.equal(escapeHelp('a\\b"c\nd'), 'a\\\\b"c\\nd');
  const page = body([map('m', 'count', 1, [['  at f (/a\\b.js:1:2)\n  at "g"', 1]])]);
  assert.match(page, /^jsprobe_m\{key=" {2}at f \(\/a\\\\b\.js:1:2\)\\n {2}at \\"g\\""\} 1$/m);
});

test('metric names: jsprobe_<map>, @ alone is jsprobe_map, and a name already taken gets _2', () => {
  assert.equal(metricName('jsprobe_a-b.c'), 'jsprobe_a_b_c');
  assert.equal(metricName('9x'), '_9x');
  // @dropped_series would be jsprobe's own jsprobe_dropped_series; @x_count is a name @x's summary writes.
  const page = body([
    map('', 'count', 0, [['', 1]]), map('dropped_series', 'count', 0, [['', 2]]), map('x', 'stats', 0, [['', 1]]), map('x_count', 'count', 0, [['', 3]]),
  ]);
  const samples = page.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.deepEqual(samples, [
    'jsprobe_map 1', 'jsprobe_dropped_series_2 2',
    'jsprobe_x{quantile="0.5"} 1', 'jsprobe_x{quantile="0.9"} 1', 'jsprobe_x{quantile="0.99"} 1', 'jsprobe_x_sum 1', 'jsprobe_x_count 1',
    'jsprobe_x_count_2 3',
  ]);
});

test('multi-key maps: one label per key element, key0, key1, …; an element holding ", " makes the split ambiguous: one key label', () => {
  assert.deepEqual(keyLabels('GET, /a', 2), [['key0', 'GET'], ['key1', '/a']]);
  assert.deepEqual(keyLabels('a, b, c', 2), [['key', 'a, b, c']]);
  assert.deepEqual(keyLabels('a, b', 1), [['key', 'a, b']]);
  assert.deepEqual(keyLabels('', 0), []);
  const page = body([map('req', 'count', 2, [['GET, /a', 1], ['POST, /b', 1], ['POST, /b', 1]])]);
  assert.match(page, /^jsprobe_req\{key0="GET",key1="\/a"\} 1\njsprobe_req\{key0="POST",key1="\/b"\} 2$/m);
});

test('hist: cumulative le buckets at each power of two up to the last used, +Inf, _sum and _count', () => {
  const page = body([map('us', 'hist', 1, [['f', 0], ['f', 1], ['f', 3], ['f', 3], ['f', 100], ['f', -4]])]);
  assert.equal(page, [
    '# HELP jsprobe_us jsprobe map @us, hist()', '# TYPE jsprobe_us histogram',
    'jsprobe_us_bucket{key="f",le="0"} 1',
    'jsprobe_us_bucket{key="f",le="1"} 2',
    'jsprobe_us_bucket{key="f",le="2"} 3',
    'jsprobe_us_bucket{key="f",le="4"} 5',
    'jsprobe_us_bucket{key="f",le="8"} 5',
    'jsprobe_us_bucket{key="f",le="16"} 5',
    'jsprobe_us_bucket{key="f",le="32"} 5',
    'jsprobe_us_bucket{key="f",le="64"} 5',
    'jsprobe_us_bucket{key="f",le="128"} 6',
    'jsprobe_us_bucket{key="f",le="+Inf"} 6',
    'jsprobe_us_sum{key="f"} 103',
    'jsprobe_us_count{key="f"} 6',
    '',
  ].join('\n'));
});

test('hist: the sum survives a merge of threads\' data; an infinite value is in +Inf only', () => {
  const a = map('h', 'hist', 0, [['', 2]]);
  const b = map('h', 'hist', 0, [['', 5], ['', Infinity]]);
  a.map.merge(JSON.parse(JSON.stringify(b.map.toData())));
  const page = body([a]);
  assert.match(page, /jsprobe_h_bucket\{le="\+Inf"\} 3\njsprobe_h_sum \+Inf\njsprobe_h_count 3\n$/);
  assert.doesNotMatch(page, /le="Infinity"/);
});

test('lhist: every bucket of its bounds, the one under min at le=min, the one over max in +Inf', () => {
  const page = body([map('ms', 'lhist', 0, [['', -1], ['', 0], ['', 15], ['', 29], ['', 30], ['', 1000]], [0, 30, 10])]);
  assert.equal(page, [
    '# HELP jsprobe_ms jsprobe map @ms, lhist()', '# TYPE jsprobe_ms histogram',
    'jsprobe_ms_bucket{le="0"} 1',
    'jsprobe_ms_bucket{le="10"} 2',
    'jsprobe_ms_bucket{le="20"} 3',
    'jsprobe_ms_bucket{le="30"} 4',
    'jsprobe_ms_bucket{le="+Inf"} 6',
    'jsprobe_ms_sum 1073',
    'jsprobe_ms_count 6',
    '',
  ].join('\n'));
});

test('stats: a summary with quantiles 0.5, 0.9 and 0.99, _sum and _count', () => {
  const values: [string, number][] = [];
  for (let i = 1; i <= 100; i++) values.push(['q', i]);
  const page = body([map('lat', 'stats', 1, values)]);
  assert.equal(page, [
    '# HELP jsprobe_lat jsprobe map @lat, stats()', '# TYPE jsprobe_lat summary',
    'jsprobe_lat{key="q",quantile="0.5"} 50',
    'jsprobe_lat{key="q",quantile="0.9"} 90',
    'jsprobe_lat{key="q",quantile="0.99"} 99',
    'jsprobe_lat_sum{key="q"} 5050',
    'jsprobe_lat_count{key="q"} 100',
    '',
  ].join('\n'));
});

test('values: NaN and the infinities as Go reads them; a map of strings has no samples; bigints as digits', () => {
  assert.deepEqual([NaN, Infinity, -Infinity, 1e21, -0.5, 2n ** 70n].map(sampleValue), ['NaN', '+Inf', '-Inf', '1e+21', '-0.5', '1180591620717411303424']);
  const v = AggMap.of(info('v', 'value'));
  v.set('a', 'text');
  v.set('b', 7);
  assert.equal(body([{ map: v, keys: 1 }]), '# HELP jsprobe_v jsprobe map @v, value()\n# TYPE jsprobe_v gauge\njsprobe_v{key="b"} 7\n');
});

test('the size cap: keys past it are left off, counted in jsprobe_dropped_series; updates dropped at the key limit have their own gauge', () => {
  const values: [string, number][] = [];
  for (let i = 0; i < 1000; i++) values.push([`key${i}`, 1]);
  const m = map('many', 'count', 1, values);
  m.map.dropped = 4;
  const page = exposition([m], { maxBytes: 4096 });
  assert.ok(Buffer.byteLength(page) <= 4096, `${Buffer.byteLength(page)} bytes`);
  const kept = page.split('\n').filter((l) => l.startsWith('jsprobe_many{')).length;
  assert.ok(kept > 50 && kept < 1000, `${kept} kept`);
  // The first keys are the ones kept.
  assert.match(page, /^jsprobe_many\{key="key0"\} 1$/m);
  assert.match(page, new RegExp(`^jsprobe_many\\{key="key${kept - 1}"\\} 1$`, 'm'));
  assert.match(page, new RegExp(`^jsprobe_dropped_series ${1000 - kept}$`, 'm'));
  assert.match(page, /^# TYPE jsprobe_dropped_updates gauge\njsprobe_dropped_updates\{map="@many"\} 4\n$/m);
  assert.match(exposition([map('few', 'count', 1, [['a', 1]])]), /^jsprobe_dropped_series 0$/m);
});
