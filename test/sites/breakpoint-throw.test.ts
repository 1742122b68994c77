// Breakpoint sites and sync calls that throw: a throw passes no breakpoint, so the site ends such a
// call when it can tell the call has left the stack (a return of a call that entered before it, or
// a microtask), as thrown with a value it could not see. Before, each stayed pending, and past
// maxActive the site missed every later call.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { list, type Call } from '../../src/index.js';
import { formatValue } from '../../src/agg/safe-format.js';
import { jsonCopy } from '../../src/agg/safe-json.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

// Hundreds of hits in one synchronous stretch are counted exactly here: the site's budget of the
// thread's time (50 ms a second, read when a site is made) would make it rest on a loaded machine.
process.env.JSPROBE_BREAKPOINT_BUDGET_MS = '1000000';

const require = createRequire(import.meta.url);
const FILE = 'test/fixtures/live/throws.cjs';
const fx = require(new URL(`../../../${FILE}`, import.meta.url).pathname) as {
  check(x: number): number; inner(x: number): number; outer(x: number): number; rec(n: number): number; boom(x: number): never;
};
const UNSEEN = Symbol.for('jsprobe.thrownValueNotSeen');

interface Ended { fn: string; arg: unknown; threw: boolean; error: unknown; elapsed: number }

function recorder(ended: Ended[]) {
  return (c: Call): void => void ended.push({ fn: c.func, arg: c.args[0], threw: c.threw, error: c.error, elapsed: c.elapsed });
}

function info(id: number) {
  const i = list().find((p) => p.id === id);
  assert.ok(i !== undefined);
  return i;
}

test('200 throws, past maxActive, each end as thrown (value not seen); the site still sees the returns after them', async () => {
  const ended: Ended[] = [];
  const p = reg({ target: fx.check, site: 'breakpoint', maxActive: 64, onReturn: recorder(ended) });
  assert.equal(p.site, 'breakpoint');
  for (let i = 0; i < 200; i++) {
    assert.throws(() => fx.check(-1 - i), /negative/);
    // The thrown call is noticed when a microtask runs: after this call has left the stack.
    assert.equal(info(p.id).pending, 1);
    await null;
    assert.equal(info(p.id).pending, 0, `call ${i}`);
  }
  assert.equal(fx.check(21), 42);
  assert.equal(ended.length, 201);
  for (let i = 0; i < 200; i++) {
    const e = ended[i];
    assert.deepEqual([e.arg, e.threw, e.error], [-1 - i, true, UNSEEN], `call ${i}`);
    assert.ok(e.elapsed >= 0 && Number.isFinite(e.elapsed), `elapsed ${e.elapsed}`);
  }
  assert.deepEqual([ended[200].arg, ended[200].threw, ended[200].error], [21, false, undefined]);
  const { hits, returns, missed, pending } = info(p.id);
  assert.deepEqual({ hits, returns, missed, pending }, { hits: 201, returns: 201, missed: 0, pending: 0 });
});

test('nested: an outer call that returns ends the inner call that threw and was caught, before any microtask', () => {
  const ended: Ended[] = [];
  const pi = reg({ target: fx.inner, site: 'breakpoint', maxActive: 64, onReturn: recorder(ended) });
  const po = reg({ target: fx.outer, site: 'breakpoint', maxActive: 64, onReturn: recorder(ended) });
  for (let x = 0; x < 200; x++) assert.equal(fx.outer(x), x % 2 === 1 ? -1 : x);
  // All in one synchronous run: nothing waits for the microtask.
  assert.equal(ended.length, 400);
  for (let x = 0; x < 200; x++) {
    const [i, o] = ended.slice(2 * x, 2 * x + 2);
    const odd = x % 2 === 1;
    assert.deepEqual([i.fn, i.arg, i.threw, i.error], ['inner', x, odd, odd ? UNSEEN : undefined], `inner(${x})`);
    assert.deepEqual([o.fn, o.arg, o.threw], ['outer', x, false], `outer(${x})`);
  }
  for (const p of [pi, po]) {
    const { hits, returns, missed, pending } = info(p.id);
    assert.deepEqual({ hits, returns, missed, pending }, { hits: 200, returns: 200, missed: 0, pending: 0 });
  }
});

test('recursion that throws and catches inside one function: the counts are exact', async () => {
  const ended: Ended[] = [];
  const p = reg({ target: fx.rec, site: 'breakpoint', onReturn: recorder(ended) });
  for (let i = 0; i < 100; i++) assert.equal(fx.rec(3), -1);
  await null;
  // rec(0) and rec(1) threw, rec(2) and rec(3) returned, each time.
  assert.equal(ended.length, 400);
  assert.equal(ended.filter((e) => e.threw).length, 200);
  assert.ok(ended.every((e) => e.threw ? e.error === UNSEEN : e.error === undefined));
  const { hits, returns, missed, pending } = info(p.id);
  assert.deepEqual({ hits, returns, missed, pending }, { hits: 400, returns: 400, missed: 0, pending: 0 });
});

test('a function that only throws (no return position at all): each call ends as thrown, not entries alone', async () => {
  // Its site took entries only, as for an async function, so fnret never fired for it.
  const ended: Ended[] = [];
  let entries = 0;
  const p = reg({ target: fx.boom, site: 'breakpoint', onEntry: () => void entries++, onReturn: recorder(ended) });
  assert.equal(p.site, 'breakpoint');
  for (let i = 0; i < 50; i++) {
    assert.throws(() => fx.boom(i), /boom/);
    await null;
  }
  assert.equal(entries, 50);
  assert.deepEqual(ended.map((e) => [e.arg, e.threw, e.error]), Array.from({ length: 50 }, (_, i) => [i, true, UNSEEN]));
  const { hits, returns, missed, pending } = info(p.id);
  assert.deepEqual({ hits, returns, missed, pending }, { hits: 50, returns: 50, missed: 0, pending: 0 });
});

test('a call made inside a microtask, that throws, ends too', async () => {
  const ended: Ended[] = [];
  const p = reg({ target: fx.check, site: 'breakpoint', onReturn: recorder(ended) });
  await Promise.resolve().then(() => {
    assert.throws(() => fx.check(-5));
    assert.equal(fx.check(2), 4);
  });
  await null;
  // The throw is noticed once that microtask has ended: after the return that followed it.
  assert.deepEqual(ended.map((e) => [e.arg, e.threw]), [[2, false], [-5, true]]);
  assert.equal(info(p.id).pending, 0);
});

test('a call whose throw is not seen prints as <thrown, value not seen>, in text and in JSON', () => {
  assert.equal(formatValue(UNSEEN), '<thrown, value not seen>');
  assert.equal(formatValue({ error: UNSEEN }), '{ error: <thrown, value not seen> }');
  assert.equal(jsonCopy(UNSEEN), '<thrown, value not seen>');
});

test('in a worker thread, its own breakpoint sites end its thrown calls (its own microtask)', async () => {
  const w = new Worker(new URL('../../../test/fixtures/live/throws-worker.mjs', import.meta.url));
  const got = await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  assert.deepEqual(got, { site: 'breakpoint', thrown: 50, returned: 1, pending: 0, missed: 0 });
});

test("a derived class's constructor with a return: its entries only, never a call taken for a throw", async () => {
  // Node 24's V8 passes no return position where such a constructor falls off its end, and an
  // explicit return's is no 'return' location either: its calls were ended as thrown.
  const d = require(new URL('../../../test/fixtures/live/derived.cjs', import.meta.url).pathname) as { Made: new (x: number) => { late?: true; early?: true } };
  const ended: Ended[] = [];
  let entries = 0;
  const p = reg({ target: d.Made, site: 'breakpoint', onEntry: () => void entries++, onReturn: recorder(ended) });
  assert.equal(p.site, 'breakpoint');
  assert.equal(new d.Made(0).late, true);
  assert.equal(new d.Made(1).early, true);
  await null;
  assert.equal(entries, 2);
  assert.deepEqual(ended, []);
  assert.equal(info(p.id).pending, 0);
  assert.match(info(p.id).note ?? '', /a derived class's constructor with a return only onEntry runs/);
});
