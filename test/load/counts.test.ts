// The counters a rewritten module's sites add to in place (sites/load/counts.ts): one a site,
// zeros, made without running the program's code, and exact past the small-integer range.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counts } from '../../src/sites/load/counts.js';

test('a module gets one zero a site, made without reaching a setter the program put on Array.prototype', () => {
  let reached = 0;
  Object.defineProperty(Array.prototype, '0', { configurable: true, set: () => void reached++, get: () => 'program' });
  try {
    const k = counts([null, null, null]);
    assert.deepEqual([k[0], k[1], k[2]], [0, 0, 0]);
    assert.equal(Object.getOwnPropertyDescriptor(k, '0')?.value, 0);
    assert.equal(reached, 0);
  } finally {
    delete (Array.prototype as unknown as Record<string, unknown>)['0'];
  }
  assert.equal(counts([]).length, 0);
});

test('a counter stays exact past the small integers', () => {
  const k = counts([null, null]);
  k[1] = 2 ** 30 - 2;
  for (let i = 0; i < 4; i++) k[1]++;
  assert.equal(k[1], 2 ** 30 + 2);
  k[0]++;
  assert.equal(k[0], 1);
});
