// The library's counting (docs/api.md, "Counting calls"): a callCounter() as a probe's one handler
// counts every call by function, exactly, with no handler call; seal() closes registration, so
// that modules loaded after it count in place as under `jsprobe -c`. Through the public API alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture } from './fixture-run.js';

function run(mode: string): Record<string, unknown> {
  return runFixture('counter-run.mjs', mode);
}

// twice calls add: 1,000 calls of twice are 1,000 of each. Then 10 calls while disabled (not
// counted) and 5 of add once enabled again; after clear(), one call of twice; after unregister, none.
const SEALED = {
  sealed: true, countOnly: true, counts: { add: 1000, twice: 1000 }, total: 2000, dropped: 0, hits: 2000,
  afterDisable: 2005, afterClear: { add: 1, twice: 1 }, later: 'JSPROBE_E_UNSUPPORTED', afterUnregister: 2,
};

test('sealed, a callCounter on returns counts each function exactly, in a module loaded for counting alone', () => {
  assert.deepEqual(run('return'), SEALED);
});

test('sealed, a callCounter on entries does the same', () => {
  assert.deepEqual(run('entry'), SEALED);
});

test("by: 'total' keeps one count", () => {
  assert.deepEqual(run('total'), { ...SEALED, counts: { '': 2000 }, afterClear: { '': 2 } });
});

test('not sealed, the module keeps its whole sites and the counts are the same; registration stays open', () => {
  const { sealed, ...rest } = SEALED;
  assert.equal(sealed, true);
  assert.deepEqual(run('open'), { ...rest, countOnly: false, later: 'registered' });
});

test('maxKeys bounds the functions counted: the calls of one more are dropped, and counted as dropped', () => {
  // add returns first, so it takes the one key; twice's 1,000 calls are dropped (still hits of the probe).
  assert.deepEqual(run('full'), {
    ...SEALED, counts: { add: 1000 }, total: 1000, dropped: 1000, afterDisable: 1005, afterClear: { add: 1 }, afterUnregister: 1,
  });
});

test('seal() beside a probe that does more than count throws, names the probe, and seals nothing', () => {
  const out = run('refused');
  assert.match(String(out.sealed), /^JSPROBE_E_UNSUPPORTED: seal\(\): probe '.*pick\.cjs:add' does more than count/);
  assert.equal(out.countOnly, false);
  assert.deepEqual(out.counts, { add: 1000, twice: 1000 });
  assert.equal(out.later, 'registered');
});
