// Leases (docs/design.md, "Leases for returns that take long"): a deferred call holds `this` and `args` strongly only for leaseMs, and a
// call that never settles cannot hold unregister hostage; its onReturn never runs afterwards.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { pending, unregister } from '../../src/index.js';
import { counters } from '../../src/core/index.js';
import { gc, reg, unregisterAll, waitFor } from '../helpers.js';

afterEach(unregisterAll);

test('past its lease a pending call holds this and args weakly; they can be collected', async () => {
  // A promise nothing else holds: only the suspended call (and jsprobe's record) keep the payload.
  const t = { async hang(_payload: object) { await new Promise<never>(() => {}); } };
  const p = reg({ target: { object: t, key: 'hang' }, leaseMs: 20, onReturn: (c) => { void c.args; } });
  let payload: object | undefined = { big: new Array(1000).fill(1) };
  const ref = new WeakRef(payload);
  void t.hang(payload);
  payload = undefined;
  assert.equal(pending(p)[0].leased, true);
  await waitFor(() => pending(p)[0]?.leased === false, 'the lease to run out');
  // pending() read the arguments through WeakRef.deref(), which keeps them alive to the end of
  // the current job (ECMA-262 KeepDuringJob): collect in the next one.
  await new Promise((r) => setImmediate(r));
  gc();
  assert.equal(ref.deref(), undefined, 'the argument was collected');
  assert.deepEqual(pending(p)[0].args, [undefined]);
});

test('unregister resolves although a call never settles; that call ends gone, its onReturn never runs', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const t = { async stuck() { await gate; return 'late'; } };
  let returns = 0;
  const p = reg({ target: { object: t, key: 'stuck' }, leaseMs: 30, onReturn: () => { returns++; } });
  const call = t.stuck();
  await unregister(p); // bounded by the lease; the test's own timeout is the failure bound
  assert.equal(counters(p).gone, 1);
  release();
  assert.equal(await call, 'late', 'the call itself still completes normally');
  assert.equal(returns, 0);
  assert.deepEqual(counters(p), { hits: 1, missed: 0, faults: 0, returns: 0, skipped: 0, gone: 1, pending: 0 });
});

test('unregister waits for a leased call that settles within its lease', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const t = { async soon() { await gate; return 'ok'; } };
  const seen: unknown[] = [];
  const p = reg({ target: { object: t, key: 'soon' }, leaseMs: 60_000, onReturn: (c) => { seen.push(c.retval); } });
  const call = t.soon();
  const done = unregister(p);
  setImmediate(release);
  await done;
  assert.deepEqual(seen, ['ok'], 'the call settled inside the grace period and was handled');
  assert.equal(await call, 'ok');
});
