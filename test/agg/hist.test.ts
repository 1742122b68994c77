// Histograms print as bpftrace prints them, but for the buckets of 0 and 1, which hold fractions here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketOf, bucketRange, formatHist, histBuckets, Log2Hist, powerLabel, TOP_BUCKET } from '../../src/agg/hist.js';

test('values land in power-of-two buckets', () => {
  assert.deepEqual([-5, 0, 0.5, 1, 2, 3, 4, 1023, 1024].map(bucketOf), [0, 1, 1, 2, 3, 3, 4, 11, 12]);
  assert.deepEqual([1, 512, 1024, 2048, 1048576, 3 * 1024].map(powerLabel), ['1', '512', '1K', '2K', '1M', '3K']);
});

test('rows run from the first non-empty bucket to the last, bars scaled to the largest', () => {
  const h = new Log2Hist();
  for (const v of [3, 5, 6, 7, 1500, 1500]) h.add(v);
  assert.deepEqual(formatHist(h), [
    '[2, 4)                 1 |@@@@@@@@@@@@@@@@@                                   |',
    '[4, 8)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
    '[8, 16)                0 |                                                    |',
    '[16, 32)               0 |                                                    |',
    '[32, 64)               0 |                                                    |',
    '[64, 128)              0 |                                                    |',
    '[128, 256)             0 |                                                    |',
    '[256, 512)             0 |                                                    |',
    '[512, 1K)              0 |                                                    |',
    '[1K, 2K)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |',
  ]);
  assert.deepEqual(formatHist(new Log2Hist()), []);
});

test('the buckets of 0 and 1 say what they hold: fractions too (elapsed / 1e6), not the integer alone', () => {
  const h = new Log2Hist();
  for (const v of [0.2, 0.9, 1.9, 3]) h.add(v);
  assert.deepEqual(formatHist(h), [
    '[0, 1)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
    '[1, 2)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |',
    '[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |',
  ]);
  assert.deepEqual(histBuckets(h).slice(0, 2), [{ min: 0, max: 1, count: 2 }, { min: 1, max: 2, count: 1 }]);
});

test('2^64 and past, Infinity too, share one last bucket: the rows stay few and aligned', () => {
  assert.deepEqual([2 ** 63, 2 ** 64 - 2048, 2 ** 64, 1e30, Infinity].map(bucketOf), [65, 65, TOP_BUCKET, TOP_BUCKET, TOP_BUCKET]);
  const h = new Log2Hist();
  for (const v of [-1e30, Infinity, 1e300]) h.add(v);
  const rows = formatHist(h);
  // The negatives, 0, 1, the 63 powers from [2, 4) to [8E, 16E), and [16E, ...).
  assert.equal(rows.length, 67);
  assert.equal(rows[0], '(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |');
  assert.equal(rows[65], '[8E, 16E)              0 |                                                    |');
  assert.equal(rows[66], '[16E, ...)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|');
  assert.ok(rows.every((r) => r.length === rows[0].length), 'aligned');
  assert.deepEqual(bucketRange(TOP_BUCKET), { min: 2 ** 64, max: null });
  assert.deepEqual(histBuckets(h).at(-1), { min: 2 ** 64, max: null, count: 2 });
});
