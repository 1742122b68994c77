// Calls in flight, at every moment: pending() and list()'s pending count include synchronous calls
// on the stack, light probes' (which keep no record) as well as tracked ones', so that
// hits = returns + pending + gone + missed + skipped holds inside a call and at a process.exit().

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { list, pending, type Probe, type ProbeInfo } from '../../src/index.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

function infoOf(p: Probe): ProbeInfo {
  return list().find((i) => i.id === p.id)!;
}

function balanced(i: ProbeInfo): boolean {
  return i.hits === i.returns + i.pending + i.gone + i.missed + i.skipped;
}

test('a light probe: its synchronous calls in flight are pending, nested ones included', () => {
  const seen: { hits: number; returns: number; pending: number; listed: number; balanced: boolean }[] = [];
  const t = {
    fact(n: number): number {
      if (n <= 1) {
        const i = infoOf(p);
        seen.push({ hits: i.hits, returns: i.returns, pending: i.pending, listed: pending(p).length, balanced: balanced(i) });
        return 1;
      }
      return n * t.fact(n - 1);
    },
  };
  const p = reg({ target: { object: t, key: 'fact' }, onReturn: () => {} });
  assert.equal(t.fact(2), 2);
  assert.deepEqual(seen, [{ hits: 2, returns: 0, pending: 2, listed: 2, balanced: true }]);
  const after = infoOf(p);
  assert.deepEqual([after.hits, after.returns, after.pending, pending(p).length], [2, 2, 0, 0]);
  // No record, so nothing of the call is known but that it is on the stack.
  let inside: unknown[] = [];
  const u = { f(): void { inside = pending(q); } };
  const q = reg({ target: { object: u, key: 'f' }, onReturn: () => {} });
  u.f();
  assert.deepEqual(inside, [{ func: 'Object.f', age: NaN, threadId: 0, async: false, leased: false, this: undefined, args: [] }]);
});

test('a tracked probe: a call in flight is pending with its arguments, inside the call and inside its onEntry', () => {
  const seen: { pending: number; args: unknown[]; balanced: boolean }[] = [];
  const look = (): void => {
    const i = infoOf(p);
    seen.push({ pending: i.pending, args: pending(p).map((c) => c.args), balanced: balanced(i) });
  };
  const t = { add(a: number, b: number): number { look(); return a + b; } };
  const p = reg({ target: { object: t, key: 'add' }, onEntry: () => { look(); }, onReturn: (c) => { void c.args; } });
  assert.equal(t.add(1, 2), 3);
  assert.deepEqual(seen, [{ pending: 1, args: [[1, 2]], balanced: true }, { pending: 1, args: [[1, 2]], balanced: true }]);
  assert.equal(infoOf(p).pending, 0);
});

test('an entry-only probe: pending while its onEntry runs, done once it has', () => {
  const seen: number[] = [];
  const t = { f(): void { seen.push(infoOf(p).pending); } };
  const p = reg({ target: { object: t, key: 'f' }, onEntry: () => { seen.push(infoOf(p).pending); } });
  t.f();
  assert.deepEqual(seen, [1, 0]);
  assert.ok(balanced(infoOf(p)));
});

test('process.exit() inside probed calls: at exit the calls are pending, and every probe balances', () => {
  const fixture = fileURLToPath(new URL('../../../test/fixtures/core/exit-inside.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [fixture], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const zero = { gone: 0, missed: 0, skipped: 0 };
  assert.deepEqual(JSON.parse(r.stdout), [
    { name: 'light', hits: 1, returns: 0, pending: 1, ...zero },
    { name: 'tracked', hits: 1, returns: 0, pending: 1, ...zero },
    // An entry-only probe's call is done when its onEntry has run.
    { name: 'entry', hits: 1, returns: 1, pending: 0, ...zero },
  ]);
});
