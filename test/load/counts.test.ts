// The counters a rewritten module's sites add to in place (sites/load/counts.ts): kept in a list
// made without running the program's code, though modules load (and get their counters) while it
// runs, after it may have put a setter on Array.prototype.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counts } from '../../src/sites/load/counts.js';

test('a module\'s counters are listed without reaching a setter the program put on Array.prototype', () => {
  let reached = 0;
  // The first module of this process lists its counters at index 0 (a later one, at its own index).
  Object.defineProperty(Array.prototype, '0', { configurable: true, set: () => void reached++, get: () => 'program' });
  try {
    const k = counts([null, null, null]);
    assert.equal(k.length, 3);
    assert.equal(reached, 0);
  } finally {
    delete (Array.prototype as unknown as Record<string, unknown>)['0'];
  }
});
