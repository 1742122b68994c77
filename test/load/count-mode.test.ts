// Counting mode (core/count-mode.ts): while every probe armed is an entry-only count, a loaded
// module's sync sites count in place, and core credits the counts to their cells before anything
// reads them. What a reader sees must be what the entries would have counted, through a probe of
// another kind armed and taken off, a block that lets a cell go, and a map with no room.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture } from './fixture-run.js';

function run(mode: string): Record<string, unknown> {
  return runFixture('count-mode-run.mjs', mode);
}

test('entry-only counts counted in place are credited, exactly, through a change of mode and a cell let go', () => {
  const out = run('switch');
  // twice calls add: 2 entries a call. 1,000 calls counting in place (the cell untouched until
  // credited), 500 through the entries while a return probe is armed (add's through the handler,
  // as the two probes share its site), 300 in place again: the block sees all 3,600; the 100 calls
  // after it go to the cell asked for then.
  assert.deepEqual(out, {
    modes: [true, false, true], inPlace: 0, inBlock: 3600, hits: 3800, cells: [3600, 200], returns: 500, handled: 500,
  });
});

test('with no cell to be had (a full map), every call counted in place runs the handler, as it would have', () => {
  const out = run('full');
  assert.deepEqual(out, { modes: [true], inPlace: 0, handled: 2000, hits: 2000 });
});

test('counts made in place for a probe taken off are its own, not the next one\'s', () => {
  const out = run('swap');
  assert.deepEqual(out, { modes: [true, true], inPlace: 0, a: 2000, cellA: [2000], b: 200, cellB: 200 });
});

test('counts credited from inside a handler are hits, not misses', () => {
  const out = run('busy');
  assert.deepEqual(out, { modes: [true], inPlace: 0, hits: 2000, missed: 0, cells: [2000] });
});
