// Call records come from a per-probe pool bounded by maxActive: calls beyond it run untracked and
// are counted in `missed`, so memory stays bounded however many calls are in flight.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { pending, unregister } from '../../src/index.js';
import { counters } from '../../src/core/index.js';
import { gc, reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

test('10k concurrent pending async calls with maxActive 100: exactly 9900 missed, 100 tracked', async () => {
  const gates: (() => void)[] = [];
  const t = { async wait(i: number) { await new Promise<void>((r) => gates.push(r)); return i; } };
  let returns = 0;
  const p = reg({ target: { object: t, key: 'wait' }, maxActive: 100, onReturn: () => { returns++; } });
  const calls = Array.from({ length: 10_000 }, (_, i) => t.wait(i));
  assert.equal(pending(p).length, 100);
  assert.deepEqual(counters(p), { hits: 10_000, missed: 9_900, faults: 0, returns: 0, skipped: 0, gone: 0, pending: 100 });
  gates.forEach((g) => g());
  const results = await Promise.all(calls);
  assert.deepEqual(results, Array.from({ length: 10_000 }, (_, i) => i), 'untracked calls behave as tracked ones');
  assert.equal(returns, 100);
  assert.deepEqual(counters(p), { hits: 10_000, missed: 9_900, faults: 0, returns: 100, skipped: 0, gone: 0, pending: 0 });
});

test('memory stays bounded: 100k pending calls cost the probe no more than its 100 records', async () => {
  const never = new Promise<never>(() => {});
  const make = () => ({ async wait(x: object) { await never; return x; } });
  const heapFor = async (probed: boolean): Promise<number> => {
    const t = make();
    const p = probed ? reg({ target: { object: t, key: 'wait' }, maxActive: 100, onReturn: (c) => { void c.args; } }) : undefined;
    gc();
    const before = process.memoryUsage().heapUsed;
    const calls = Array.from({ length: 100_000 }, () => t.wait({ payload: 'x'.repeat(10) }));
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(calls.length, 100_000);
    if (p !== undefined) {
      assert.equal(p.missed, 99_900);
      await unregister(p);
    }
    return grown;
  };
  const bare = await heapFor(false);
  const probed = await heapFor(true);
  const extra = probed - bare;
  // 100 records, their derived promises and closures: tens of KB; 100k untracked calls add
  // nothing. Heap readings move by a few MB between runs, against ~100 bytes a pending call.
  const bound = Math.max(4 * 1024 * 1024, bare * 0.05);
  assert.ok(extra < bound, `probe added ${extra} bytes for 100k pending calls (the calls themselves: ${bare})`);
});

test('sync recursion deeper than maxActive: the deepest calls are missed, the rest tracked', () => {
  const t = { down(n: number): number { return n === 0 ? 0 : t.down(n - 1) + 1; } };
  const p = reg({ target: { object: t, key: 'down' }, maxActive: 10, onReturn: (c) => { void c.args; } });
  assert.equal(t.down(49), 49);
  assert.deepEqual(counters(p), { hits: 50, missed: 40, faults: 0, returns: 10, skipped: 0, gone: 0, pending: 0 });
});

test('hits = returns + pending + gone + missed + skipped, at every step', async () => {
  const gates: (() => void)[] = [];
  const t = {
    async op(kind: string) {
      if (kind === 'wait') await new Promise<void>((r) => gates.push(r));
      if (kind === 'throw') throw new Error(kind);
      return kind;
    },
  };
  const p = reg({
    target: { object: t, key: 'op' },
    maxActive: 3,
    onEntry: (c) => c.args[0] !== 'skip',
    onReturn: () => {},
  });
  const check = () => {
    const c = counters(p);
    assert.equal(c.hits, c.returns + c.pending + c.gone + c.missed + c.skipped, JSON.stringify(c));
  };
  const calls: Promise<unknown>[] = [];
  for (const kind of ['wait', 'skip', 'ok', 'wait', 'throw', 'wait', 'wait', 'ok']) {
    calls.push(t.op(kind).catch(() => 'caught'));
    check();
  }
  gates.forEach((g) => g());
  await Promise.all(calls);
  check();
  assert.equal(counters(p).pending, 0);
});
