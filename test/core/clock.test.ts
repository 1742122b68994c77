// Core's clock (src/core/clock.ts): process.hrtime's monotonic ms, not performance.now()'s, and the
// coarse clock that another thread keeps in absolute ms read on the same base.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { now, probeNow, setProbeClock } from '../../src/core/clock.js';

test('now() counts ms as performance.now() does: the same intervals, sub-ms, never backwards', () => {
  // Each read of now() between two of performance.now(): the interval between two reads of now()
  // lies between what the brackets allow, whatever the scheduler does in between.
  const p0 = performance.now();
  const a = now();
  const p1 = performance.now();
  // Busy for a few ms, so that both clocks move.
  while (performance.now() - p1 < 5);
  const q0 = performance.now();
  const b = now();
  const q1 = performance.now();
  assert.ok(b > a);
  const slack = 0.01;
  assert.ok(b - a >= q0 - p1 - slack && b - a <= q1 - p0 + slack, `${b - a} not within ${q0 - p1}..${q1 - p0}`);
  assert.notEqual(b % 1, 0, 'a fraction of a ms');
});

test('a coarse clock in absolute ms reads on now()\'s base', () => {
  const view = new Float64Array(1);
  const absolute = performance.timeOrigin + performance.now();
  view[0] = absolute;
  const before = now();
  setProbeClock(view, absolute);
  try {
    // As the clock thread would: the absolute time moves on by 7 ms.
    view[0] = absolute + 7;
    const t = probeNow();
    assert.ok(t - before >= 7 && t - before < 7 + 1000, `${t - before}`);
  } finally {
    setProbeClock(null);
  }
  // Back on the precise clock.
  const t = probeNow();
  assert.ok(Math.abs(t - now()) < 1000);
});
