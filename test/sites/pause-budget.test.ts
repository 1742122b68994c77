// The pause budget of live patches: the prediction from the heap, the report a
// session prints once, and the choice register() makes over the budget (maxPauseMs: 0 puts any
// heap over it): a wrap site where a property holds the function, else a breakpoint site; site
// 'live' is refused with JSPROBE_E_MAX_PAUSE; within the budget, a live patch as before.

import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { isJsprobeError, list, register } from '../../src/index.js';
import {
  DEFAULT_MAX_PAUSE_MS, LIVE_EDIT_MS_PER_MB, livePatchNow, passOver, predictPause, takePauseReport,
} from '../../src/sites/pause-budget.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);
afterEach(() => void takePauseReport(1, 1000));

const require = createRequire(import.meta.url);
const FILE = 'test/fixtures/live/budget.cjs';
const lib = require(new URL('../../../test/fixtures/live/budget.cjs', import.meta.url).pathname) as {
  Store: new () => { get(key: number): number };
  exported(n: number): number;
  callInner(n: number): number;
};

function info(id: number) {
  const i = list().find((x) => x.id === id);
  assert.ok(i, `probe ${id} is listed`);
  return i;
}

describe('the prediction', () => {
  test('heap MB times the per-MB cost: 6 ms a MB by default, ~6 s at 1 GB; the default budget is 100 ms', () => {
    assert.equal(LIVE_EDIT_MS_PER_MB, 6);
    assert.equal(DEFAULT_MAX_PAUSE_MS, 100);
    assert.deepEqual(predictPause(1000), { heapMb: 1000, pauseMs: 6000 });
    assert.deepEqual(predictPause(100, 2), { heapMb: 100, pauseMs: 200 });
  });

  test('this heap fits an unbounded budget and not a zero one', () => {
    const big = livePatchNow(Infinity);
    assert.ok(big.heapMb > 1 && big.fits);
    assert.equal(livePatchNow(0).fits, false);
  });
});

describe('the report', () => {
  test('one line with the figures, then nothing until something else is passed over', () => {
    const p = predictPause(1034);
    passOver('breakpoint', 3, p, 100);
    passOver('wrap', 1, p, 100);
    assert.equal(takePauseReport(123, 4500),
      'jsprobe: the heap is 1,034 MB, so a live patch would pause process 123 for ~6,204 ms, over --max-pause 100 ms: ' +
      '3 functions get breakpoint sites (at most ~4,500 hits/s each) and 1 a wrap site. Raise --max-pause to get live patches.\n');
    assert.equal(takePauseReport(123, 4500), undefined);
    passOver('wrap', 2, p, 50);
    assert.match(takePauseReport(7, 1000)!, /over --max-pause 50 ms: 2 functions get wrap sites\. /);
  });
});

describe('register() over the budget', () => {
  test('a class method a property holds: a wrap site, no edit, the calls seen, the note says why', () => {
    const original = lib.Store.prototype.get;
    const before = original.toString();
    let n = 0;
    const p = reg({ target: `${FILE}:Store.prototype.get`, maxPauseMs: 0, onReturn: (c) => void (n += c.retval as number) });
    const i = info(p.id);
    assert.equal(i.site, 'wrap');
    assert.match(i.note ?? '', /over the pause budget of 0 ms \(maxPauseMs, --max-pause\), so it is a wrap site/);
    assert.equal(new lib.Store().get(5), 5);
    assert.equal(n, 5);
    assert.match(takePauseReport(1, 1000)!, /1 function gets a wrap site/);
    assert.equal(original.toString(), before, 'the script itself was not edited');
  });

  test('a function no property holds: a breakpoint site, calls seen', () => {
    let n = 0;
    const p = reg({ target: `${FILE}:inner`, maxPauseMs: 0, onEntry: () => void n++ });
    const i = info(p.id);
    assert.equal(i.site, 'breakpoint');
    assert.match(i.note ?? '', /over the pause budget of 0 ms.*so it is a breakpoint site/);
    lib.callInner(1);
    lib.callInner(2);
    assert.equal(n, 2);
    assert.match(takePauseReport(1, 1000)!, /1 function gets a breakpoint site \(at most ~1,000 hits\/s each\)/);
  });

  test('a Function object an export holds: a wrap site on that export', () => {
    let n = 0;
    const fn = lib.exported;
    const p = reg({ target: fn, maxPauseMs: 0, onEntry: () => void n++ });
    assert.equal(info(p.id).site, 'wrap');
    lib.exported(1);
    fn(2); // the original, called directly: a wrap site does not see it
    assert.equal(n, 1);
  });

  test("site 'live' over the budget is refused with JSPROBE_E_MAX_PAUSE, naming --max-pause", () => {
    assert.throws(() => register({ target: `${FILE}:inner`, site: 'live', maxPauseMs: 0, onEntry: () => {} }), (e: unknown) => {
      assert.ok(isJsprobeError(e, 'JSPROBE_E_MAX_PAUSE'));
      assert.match((e as Error).message, /raise --max-pause \(maxPauseMs\)/);
      return true;
    });
    assert.equal(list().length, 0);
  });

  test('within the budget: a live patch, as before, and nothing to report', () => {
    let n = 0;
    const p = reg({ target: `${FILE}:inner`, maxPauseMs: Infinity, onEntry: () => void n++ });
    assert.equal(info(p.id).site, 'live');
    lib.callInner(3);
    assert.equal(n, 1);
    assert.equal(takePauseReport(1, 1000), undefined);
  });

  test('maxPauseMs must be a number of ms >= 0', () => {
    for (const bad of [-1, Number.NaN, '100']) {
      assert.throws(() => register({ target: `${FILE}:inner`, maxPauseMs: bad as number }), (e: unknown) => isJsprobeError(e, 'JSPROBE_E_INVALID_SPEC'));
    }
  });
});
