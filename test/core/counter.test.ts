// A probe whose one handler only counts (countsLike) is counted by the hot path itself: the
// handler is not called while a cell is to be had, and is again when none is.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { callCounter, counters, countsLike, type CountCell } from '../../src/core/index.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

/** A counter over cells it hands out while `room` lasts, one per function name (the key of `@[func] = count()`). */
function fakeMap(room: number) {
  const cells = new Map<string, CountCell>();
  let asked = 0;
  return {
    cells,
    get asked() { return asked; },
    counter: {
      cell: (c: unknown) => {
        asked++;
        // A wrap site's function is named by its property (`Object.f`): the key is the property.
        const key = (c as { func: string }).func.split('.').at(-1)!;
        let cell = cells.get(key);
        if (cell === undefined) {
          if (cells.size >= room) return null;
          cells.set(key, (cell = { n: 0, live: true }));
        }
        return cell;
      },
    },
  };
}

test('a counting return probe counts into its cell and never calls its handler', () => {
  const t = { f: (x: number) => x + 1, g: (x: number) => { if (x < 0) throw new Error('neg'); return x; } };
  const m = fakeMap(10);
  let called = 0;
  const handler = (c: { func: string }) => { called++; void c.func; };
  countsLike(handler, m.counter);
  const pf = reg({ target: { object: t, key: 'f' }, onReturn: handler });
  const pg = reg({ target: { object: t, key: 'g' }, onReturn: handler });
  for (let i = 0; i < 1000; i++) t.f(i);
  for (let i = 0; i < 10; i++) t.g(i);
  assert.throws(() => t.g(-1), /neg/);
  assert.equal(called, 0);
  assert.equal(m.cells.get('f')?.n, 1000);
  assert.equal(m.cells.get('g')?.n, 11, 'a throw is a return, as for the handler');
  assert.equal(m.asked, 2, 'one cell asked for per site, at its first hit');
  assert.deepEqual(counters(pf), { hits: 1000, missed: 0, faults: 0, returns: 1000, skipped: 0, gone: 0, pending: 0 });
  assert.equal(counters(pg).returns, 11);
});

test('an entry-only counting probe counts at entry, with no return to track', () => {
  const t = { f: (x: number) => x * 2 };
  const m = fakeMap(10);
  let called = 0;
  const handler = (c: { func: string }) => { called++; void c.func; };
  countsLike(handler, m.counter);
  const p = reg({ target: { object: t, key: 'f' }, onEntry: handler });
  for (let i = 0; i < 500; i++) assert.equal(t.f(i), i * 2);
  assert.equal(called, 0);
  assert.equal(m.cells.get('f')?.n, 500);
  assert.deepEqual(counters(p), { hits: 500, missed: 0, faults: 0, returns: 500, skipped: 0, gone: 0, pending: 0 });
});

test('a cell its map let go of is asked for again; no cell (a full map) means the handler runs', () => {
  const t = { f: (x: number) => x, g: (x: number) => x };
  const m = fakeMap(1);
  let called = 0;
  const handler = (c: { func: string }) => { called++; void c.func; };
  countsLike(handler, m.counter);
  reg({ target: { object: t, key: 'f' }, onReturn: handler });
  reg({ target: { object: t, key: 'g' }, onReturn: handler });
  t.f(1);
  t.f(2);
  t.g(1);
  t.g(2);
  assert.equal(m.cells.get('f')?.n, 2);
  assert.equal(m.cells.has('g'), false);
  assert.equal(called, 2, 'g found the map full: its handler ran for each hit');
  // clear(@): the entry dies; the next hit of f asks for a new cell rather than counting into the dead one.
  const dead = m.cells.get('f')!;
  dead.live = false;
  m.cells.clear();
  t.f(3);
  assert.equal(dead.n, 2);
  assert.equal(m.cells.get('f')?.n, 1);
});

test('a counter that throws leaves the handler to run: the call is not disturbed', () => {
  const t = { f: (x: number) => x + 1 };
  let called = 0;
  const handler = (c: { func: string }) => { called++; void c.func; };
  countsLike(handler, { cell: () => { throw new Error('broken counter'); } });
  const p = reg({ target: { object: t, key: 'f' }, onReturn: handler });
  assert.equal(t.f(1), 2);
  assert.equal(t.f(2), 3);
  assert.equal(called, 2);
  assert.equal(counters(p).faults, 0);
});

test('callCounter: wrap sites counted by the site, by function or in total, and bad options refused', () => {
  const t = { f: (x: number) => x + 1, g: (x: number) => x - 1 };
  const byFunc = callCounter();
  const total = callCounter({ by: 'total' });
  reg({ target: { object: t, key: 'f' }, onReturn: byFunc });
  reg({ target: { object: t, key: 'g' }, onEntry: byFunc });
  reg({ target: { object: t, key: 'g' }, onReturn: total });
  for (let i = 0; i < 300; i++) t.f(i);
  for (let i = 0; i < 200; i++) t.g(i);
  assert.deepEqual([...byFunc.counts()].map(([k, n]) => [k.split('.').at(-1), n]).sort(), [['f', 300], ['g', 200]]);
  assert.equal(byFunc.total, 500);
  assert.deepEqual([...total.counts()], [['', 200]]);
  // Called as a plain handler (what a worker's relayed call gets), it counts the same way.
  total({ func: 'x' } as never);
  assert.equal(total.total, 201);
  assert.throws(() => callCounter({ by: 'file' as never }), { code: 'JSPROBE_E_INVALID_SPEC', message: /by must be 'function' or 'total'/ });
  assert.throws(() => callCounter({ maxKeys: 0 }), { code: 'JSPROBE_E_INVALID_SPEC', message: /maxKeys/ });
});

test("callCounter: bad options are named; a program's getters on Object.prototype run neither when it is made nor at a hit", () => {
  assert.throws(() => callCounter(null as never), { code: 'JSPROBE_E_INVALID_SPEC', message: /options must be an object, got null/ });
  assert.throws(() => callCounter({ maxkeys: 10 } as never), { code: 'JSPROBE_E_INVALID_SPEC', message: /unknown option 'maxkeys'\. Did you mean maxKeys\?/ });
  assert.throws(() => callCounter({ maxKeys: 'lots' as never }), { code: 'JSPROBE_E_INVALID_SPEC', message: /maxKeys must be a whole number >= 1, got 'lots'/ },
  );
  const ran: string[] = [];
  const keys = ['func', 'credit', 'setLive', 'get', 'set'];
  // What a wrap site's backend leaves out, and what a property descriptor may inherit.
  for (const k of keys) Object.defineProperty(Object.prototype, k, { get() { ran.push(k); return undefined; }, configurable: true });
  try {
    const t = { m: () => 1, n: () => 2 };
    const c = callCounter({ maxKeys: 1 });
    reg({ target: { object: t, key: 'm' }, onReturn: c });
    reg({ target: { object: t, key: 'n' }, onReturn: c });
    for (let i = 0; i < 100; i++) {
      t.m();
      t.n();
    }
    assert.equal(c.total, 100);
    assert.equal(c.dropped, 100);
  } finally {
    for (const k of keys) delete (Object.prototype as Record<string, unknown>)[k];
  }
  assert.deepEqual(ran, []);
});
