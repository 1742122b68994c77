// Modules rewritten for counting alone (docs/hot-path.md): once registration is sealed with only
// counts registered (at entry, or at returns), a file that one of them alone wants loads with a counter in each
// sync function and nothing else, and its counts reach the probe exactly. Nothing can be sealed
// beside a probe of another kind, and nothing can be registered once sealed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture } from './fixture-run.js';

function run(mode: string): Record<string, unknown> {
  return runFixture('count-only-run.mjs', mode);
}

test('sealed for counts, a module is rewritten for counting alone, and counts every call exactly; later probes are refused', () => {
  // twice calls add: 2,000 entries, each a hit and a return of the count, none through its handler.
  assert.deepEqual(run('sealed'), {
    sealed: true, countOnly: true, cell: 2000, hits: 2000, handled: 0, returns: 0, later: 'JSPROBE_E_UNSUPPORTED', again: 2020, after: 2020,
  });
});

test('sealed for counts at returns, each call is counted as it ends, by a return or a throw, and not while it runs', () => {
  // 2,000 calls, a thrown one, and twice and add of the last call, counted once they have ended.
  assert.deepEqual(run('return'), {
    sealed: true, countOnly: true, threw: true, inFlight: 2001, cell: 2003, hits: 2003, handled: 0, returns: 0,
    later: 'JSPROBE_E_UNSUPPORTED', again: 2023, after: 2023,
  });
});

test('beside a return probe nothing is sealed: the module gets its whole sites, and both probes their calls', () => {
  assert.deepEqual(run('refused'), {
    sealed: false, countOnly: false, cell: 2000, hits: 2000, handled: 1000, returns: 1000, later: 'registered', again: 2020, after: 2020,
  });
});

test('sealed, a module loaded for counting alone is credited at every read, with counting mode off in the thread', () => {
  // Two counts on lib.cjs's main: its site is no entry-only count, and the mode goes off; pick.cjs's
  // calls, counted in place all the same, are credited by each read after them.
  assert.deepEqual(run('off'), {
    sealed: true, counting: false, both: 2, countOnly: true, cell: 2000, hits: 2000, handled: 0, returns: 0,
    later: 'JSPROBE_E_UNSUPPORTED', again: 2020, after: 2020,
  });
});
