// Counting mode end to end (docs/hot-path.md, "Counting mode"): the command's entry-only counts,
// with an interval that prints and clears the map between batches of calls. Every call is counted
// once, in the interval that saw it or at the end, whether the sites count in place (only
// entry-only counts armed) or call their entries (a return probe on a function never called
// keeps counting mode off): the same totals either way.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe } from './run.js';

const APP = 'test/fixtures/cli/count-batches.cjs';
const BATCHES = 40;

/** Every `@[name]: n` line the run printed, summed by name. */
function totals(stdout: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of stdout.matchAll(/^@\[(\w+)\]: (\d+)$/gm)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  return out;
}

for (const mode of ['in place', 'through the entries'] as const) {
  test(`entry-only counts cleared by an interval add up to every call, ${mode}`, () => {
    const off = mode === 'through the entries' ? ` fnret:${APP}:h { @h = count() }` : '';
    const program = `fn:${APP}:* { @[func] = count() } interval:ms:5 { print(@); clear(@) }${off}`;
    const r = jsprobe(['-q', '-e', program, '-c', `node ${APP} ${BATCHES}`]);
    assert.equal(r.code, 0, r.stderr);
    // Per batch: step once, g twice (each calling f), f once.
    assert.deepEqual(totals(r.stdout), { f: 3 * 100 * BATCHES, g: 2 * 100 * BATCHES, step: BATCHES });
    // The interval ran between batches at least once, so some counts were cleared before the end.
    assert.ok((r.stdout.match(/^@\[g\]: /gm) ?? []).length >= 2, r.stdout);
  });
}

test('a probe that is not a count, armed while counting, sees every call counted before it', () => {
  // g's module loads after f's 5 calls, counted in place; g's handler clears the map at its hit.
  const later = 'test/fixtures/cli/count-later.cjs';
  const clear = jsprobe(['-q', '-e', `fn:${later}:f { @[func] = count() } fn:test/fixtures/cli/count-later-g.cjs:g { clear(@) }`, '-c', `node ${later}`]);
  assert.equal(clear.code, 0, clear.stderr);
  assert.equal(clear.stdout, '@[f]: 3\n\n');
  const print = jsprobe(['-q', '-e', `fn:${later}:f { @[func] = count() } fn:test/fixtures/cli/count-later-g.cjs:g { print(@) }`, '-c', `node ${later}`]);
  assert.equal(print.code, 0, print.stderr);
  assert.equal(print.stdout, '@[f]: 5\n\n@[f]: 8\n\n');
});

test('a program that froze the global object runs as it would, counted or not', () => {
  const r = jsprobe(['-q', '-e', 'fn:test/fixtures/cli/count-later-g.cjs:* { @[func] = count() }', '-c', 'node test/fixtures/cli/count-frozen.cjs']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ran to the end$/m);
});
