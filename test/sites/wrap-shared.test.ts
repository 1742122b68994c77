// Wrap sites share compiled code (a wrapper factory per copy of the hot path and shape, copies by
// what the handlers are): each site must still count its own calls, whatever copy it got.

import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { unregister } from '../../src/index.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

function holders(n: number): { fn: (a: number) => number }[] {
  return Array.from({ length: n }, (_, i) => ({ fn: new Function('a', `return a + ${i}`) as (a: number) => number }));
}

describe('wrap sites sharing compiled code', () => {
  test('100 sites, 70 handler sources (past the copies kept apart): each counts its own calls', () => {
    const hs = holders(100);
    const counts = new Array<number>(100).fill(0);
    for (let k = 0; k < 100; k++) {
      // Sites 0-69 each get a handler of its own source; 70-99 share one source, closures apart.
      const onReturn = k < 70
        ? new Function('counts', `return () => { counts[${k}]++; }`)(counts) as () => void
        : () => { counts[k]++; };
      reg({ target: { object: hs[k], key: 'fn' }, onReturn });
    }
    for (let k = 0; k < 100; k++) for (let i = 0; i <= k % 7; i++) assert.equal(hs[k].fn(1), 1 + k);
    assert.deepEqual(counts, Array.from({ length: 100 }, (_, k) => 1 + (k % 7)));
  });

  test('sites of one shape on different copies keep their names, lengths and new.target', () => {
    class Base { v: number; constructor(v: number) { this.v = v; } }
    const a = { Base };
    const b = { f: function named(x: number, y: number) { return x + y; } };
    let entries = 0;
    let returns = 0;
    reg({ target: { object: a, key: 'Base' }, onEntry: (c) => { if (c.newTarget !== undefined) entries++; } });
    reg({ target: { object: b, key: 'f' }, onReturn: () => { returns++; } });
    const o = new a.Base(3);
    assert.equal(o.v, 3);
    assert.ok(o instanceof Base);
    assert.equal(b.f(2, 3), 5);
    assert.equal(b.f.name, 'named');
    assert.equal(b.f.length, 2);
    assert.deepEqual([entries, returns], [1, 1]);
  });

  test('a return probe that reads nothing of the call at entry: a call inside a handler is missed, a throw is a return', () => {
    const [inner, outer] = holders(2);
    const thrower = { fn: (): never => { throw new Error('boom'); } };
    let innerReturns = 0;
    let thrownReturns = 0;
    const p = reg({ target: { object: inner, key: 'fn' }, onReturn: () => { innerReturns++; } });
    reg({ target: { object: outer, key: 'fn' }, onEntry: () => { inner.fn(0); } });
    reg({ target: { object: thrower, key: 'fn' }, onReturn: () => { thrownReturns++; } });
    assert.equal(inner.fn(1), 1);
    assert.equal(outer.fn(1), 2);
    assert.throws(() => thrower.fn(), /boom/);
    assert.deepEqual([innerReturns, p.hits, p.missed, thrownReturns], [1, 2, 1, 1]);
  });

  test('sites called from a hot loop, their probes closures of one literal: each hit reaches its own site\'s handler', () => {
    // A wrapper inlined into its caller calls the probe it was made for as a constant (dispatch's
    // callReturn): enough calls that V8 optimizes the loop, and each site must still count its own.
    const hs = holders(3);
    const returns = [0, 0, 0];
    const seen: unknown[] = [];
    for (let k = 0; k < 3; k++) {
      reg({ target: { object: hs[k], key: 'fn' }, onReturn: k === 2 ? (c) => { returns[k]++; seen[0] = c.retval; } : () => { returns[k]++; } });
    }
    const loop = (h: { fn: (a: number) => number }, n: number): number => {
      let s = 0;
      for (let i = 0; i < n; i++) s += h.fn(i);
      return s;
    };
    for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) loop(hs[k], 20_000 * (k + 1));
    assert.deepEqual(returns, [60_000, 120_000, 180_000]);
    assert.equal(seen[0], 59_999 + 2);
  });

  test('a site whose one probe changed after its wrapper was made runs the probe it has now', async () => {
    const [h] = holders(1);
    const counts = [0, 0];
    const handler = (k: number) => (): void => { counts[k]++; };
    const a = reg({ target: { object: h, key: 'fn' }, onReturn: handler(0) });
    for (let i = 0; i < 5000; i++) h.fn(i);
    const b = reg({ target: { object: h, key: 'fn' }, onReturn: handler(1) });
    h.fn(0);
    assert.deepEqual(counts, [5001, 1]);
    await unregister(a);
    // The wrapper stayed (b kept the site armed); it was made for a, and b is the site's one probe now.
    for (let i = 0; i < 5000; i++) h.fn(i);
    assert.deepEqual(counts, [5001, 5001]);
    assert.equal(b.hits, 5001);
  });
});
