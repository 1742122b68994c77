// Histograms print exactly as bpftrace prints them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketOf, formatHist, Log2Hist, powerLabel } from '../../src/agg/hist.js';

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
