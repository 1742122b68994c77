// A module's sync entry is picked when it loads, by what is armed in it then (the runtime's pick,
// sites/load/runtime.ts): the entry with a counting probe's path alone where only counting probes
// are armed. A probe of another kind added afterwards must still see every call, with its
// arguments, and the counting must go on, through the picked entry's way into dispatch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture } from './fixture-run.js';
import { runtime } from '../../src/sites/load/runtime.js';
import type { Snapshot } from '../../src/core/index.js';

function run(mode: 'return' | 'entry'): Record<string, unknown> {
  return runFixture('pick-run.mjs', mode);
}

for (const mode of ['return', 'entry'] as const) {
  test(`a module armed with ${mode} counts as it loads: a probe added later sees its calls, and the counts go on`, () => {
    const out = run(mode);
    // 1,000 calls of twice, each calling add; then one more of each, under both probes. Entry-only
    // counts alone armed: the sites count in place, and the cell has them once they are credited.
    const inPlace = mode === 'entry' ? 0 : 2000;
    assert.deepEqual(out, { sum: 999000 + 10, inPlace, before: 2000, after: 2002, args: [5, 5], hits: 2002, readerHits: 1, armed: 'armed' });
  });
}

test('pick: the entry for counting return probes, for entry-only counts, or e for anything else or nothing', () => {
  const quick = { quick: {}, entryCount: null } as unknown as Snapshot;
  const counted = { quick: null, entryCount: {} } as unknown as Snapshot;
  const other = { quick: null, entryCount: null } as unknown as Snapshot;
  const deferred = { quick: null, entryCount: null, deferred: true } as unknown as Snapshot;
  const eq = runtime.pick([null, quick, quick]);
  const ec = runtime.pick([counted, null]);
  assert.notEqual(eq, runtime.e);
  assert.notEqual(ec, runtime.e);
  assert.notEqual(eq, ec);
  assert.equal(runtime.pick([quick, counted]), runtime.e);
  assert.equal(runtime.pick([quick, other]), runtime.e);
  assert.equal(runtime.pick([counted, other]), runtime.e);
  assert.equal(runtime.pick([null, null]), runtime.e);
  // An async function's or a generator's site does not call the sync entry.
  assert.equal(runtime.pick([quick, deferred]), eq);
  assert.equal(runtime.pick([deferred, counted]), ec);
  assert.equal(runtime.pick([deferred]), runtime.e);
  assert.equal(runtime.pick([]), runtime.e);
});
