// The pause budget: the prediction from the heap, the choice of a site by heap size (a pure
// function), the report a session prints once, and the choice register() makes over the budget
// (maxPauseMs: 0 puts any heap over it): a wrap site where a property holds the function, else a
// breakpoint site where one fits, else JSPROBE_E_MAX_PAUSE; site 'live' is refused with it too;
// within the budget, a live patch as before.

import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { isJsprobeError, list, register } from '../../src/index.js';
import {
  BREAKPOINT_MS_PER_MB, DEBUGGER_ENABLE_MS_PER_MB, DEFAULT_MAX_PAUSE_MS, LIVE_EDIT_MS_PER_MB, livePatchNow, notPlacedWhy, passOver, predictPause,
  siteWithinBudget, takePauseReport, usedHeapMb, type SiteOptions,
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

describe('the choice by heap size (siteWithinBudget)', () => {
  const any: SiteOptions = { live: true, wrap: true, breakpoint: true, debuggerOn: false };
  const noHolder: SiteOptions = { ...any, wrap: false };

  test('a small heap: the live patch, within the default budget', () => {
    assert.deepEqual(siteWithinBudget(10, DEFAULT_MAX_PAUSE_MS, any), { kind: 'live', pauseMs: 60 });
    assert.equal(siteWithinBudget(16, 100, noHolder).kind, 'live');
  });

  test('past the live patch: a wrap site where a property holds the function, with no stall', () => {
    assert.deepEqual(siteWithinBudget(100, 100, any), { kind: 'wrap', pauseMs: 0 });
    assert.deepEqual(siteWithinBudget(1000, 100, any), { kind: 'wrap', pauseMs: 0 });
  });

  test('no holder: a breakpoint site while enabling the Debugger and one breakpoint fit', () => {
    assert.equal(DEBUGGER_ENABLE_MS_PER_MB + BREAKPOINT_MS_PER_MB, 3.5);
    assert.deepEqual(siteWithinBudget(20, 100, noHolder), { kind: 'breakpoint', pauseMs: 70 });
    // The domain already on: only the breakpoint's walk.
    assert.deepEqual(siteWithinBudget(60, 100, { ...noHolder, debuggerOn: true }), { kind: 'breakpoint', pauseMs: 90 });
  });

  test('no holder, 100 MB and 1 GB under the default budget: nothing, and the least stall it would take', () => {
    assert.deepEqual(siteWithinBudget(100, 100, noHolder), { kind: null, pauseMs: 350 });
    assert.deepEqual(siteWithinBudget(1000, 100, noHolder), { kind: null, pauseMs: 3500 });
    // A line has no live patch; a budget raised to the stall allows the breakpoint site.
    const line = { ...noHolder, live: false };
    assert.deepEqual(siteWithinBudget(1000, 3500, line), { kind: 'breakpoint', pauseMs: 3500 });
    assert.deepEqual(siteWithinBudget(1000, 6000, noHolder), { kind: 'live', pauseMs: 6000 });
  });

  test('site \'live\' alone over the budget: nothing, with the live patch\'s stall', () => {
    assert.deepEqual(siteWithinBudget(100, 100, { live: true, wrap: false, breakpoint: false, debuggerOn: false }), { kind: null, pauseMs: 600 });
  });

  test('the line names the probe, the stall, the heap and the --max-pause that allows it', () => {
    assert.equal(notPlacedWhy('app.js:handle', { kind: null, pauseMs: 3512.4 }, 1003.5, 100),
      'app.js:handle: not attached: its site would pause this thread ~3,512 ms (heap 1,004 MB, walked to enable the Debugger and to set a breakpoint), ' +
      'over --max-pause 100 ms, and no property holds it for a wrap site; --max-pause 3520 allows it');
  });
});

describe('the report', () => {
  test('one line with the figures, then nothing until something else is passed over; a function with several probes counts once', () => {
    const p = predictPause(1034);
    passOver('breakpoint', ['s1:0', 's1:1', 's2:0'], p, 100);
    // Another probe on functions already counted.
    passOver('breakpoint', ['s1:1', 's2:0'], p, 100);
    passOver('wrap', ['s3:4'], p, 100);
    assert.equal(takePauseReport(123, 4500),
      'jsprobe: the heap is 1,034 MB, so a live patch would pause process 123 for ~6,204 ms, over --max-pause 100 ms: ' +
      '3 functions get breakpoint sites (at most ~4,500 hits/s each) and 1 a wrap site. Raise --max-pause to get live patches.\n');
    assert.equal(takePauseReport(123, 4500), undefined);
    passOver('wrap', ['s3:4', 's3:5'], p, 50);
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

  test('a function no property holds: a breakpoint site where it fits the budget and the live patch does not, calls seen', () => {
    let n = 0;
    // Between a breakpoint site's 3.5 ms a MB and a live patch's 6, with room for the heap to grow.
    const budget = Math.ceil(usedHeapMb() * 4.5);
    const p = reg({ target: `${FILE}:inner`, maxPauseMs: budget, onEntry: () => void n++ });
    const i = info(p.id);
    assert.equal(i.site, 'breakpoint');
    assert.match(i.note ?? '', new RegExp(`over the pause budget of [\\d,]+ ms.*so it is a breakpoint site`));
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

  test('a function no property holds, and no site within the budget: refused with JSPROBE_E_MAX_PAUSE, before any stall', () => {
    assert.throws(() => register({ target: `${FILE}:inner`, maxPauseMs: 0, onEntry: () => {} }), (e: unknown) => {
      assert.ok(isJsprobeError(e, 'JSPROBE_E_MAX_PAUSE'));
      assert.match((e as Error).message, /:inner: not attached: its site would pause this thread ~[\d,]+ ms /);
      assert.match((e as Error).message, /over --max-pause 0 ms, and no property holds it for a wrap site; --max-pause \d+ allows it$/);
      return true;
    });
    assert.equal(list().length, 0);
    assert.equal(takePauseReport(1, 1000), undefined);
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
