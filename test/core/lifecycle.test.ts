// Registration over time: unregister and its grace period, all-or-none registerAll, enable,
// disable, the global switch, and probes that come and go while calls are in flight.

import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { disable, enable, isJsprobeError, list, pending, register, setArmed, unregister, type Probe } from '../../src/index.js';
import { counters } from '../../src/core/index.js';
import { reg, regAll, unregisterAll } from '../helpers.js';

afterEach(async () => {
  setArmed(true);
  await unregisterAll();
});

function target() {
  return { add(a: number, b: number): number { return a + b; }, other(): number { return 1; } };
}

describe('unregister', () => {
  test('resolves after the grace period; afterwards no handler runs and the original is back', async () => {
    const t = target();
    const orig = t.add;
    let n = 0;
    const p = register({ target: { object: t, key: 'add' }, onEntry: () => { n++; } });
    assert.notEqual(t.add, orig);
    t.add(1, 1);
    await unregister(p);
    assert.equal(t.add, orig);
    t.add(1, 1);
    assert.equal(n, 1);
    assert.equal(p.state, 'gone');
    assert.equal(list().length, 0);
  });

  test('called from inside its own handler: this call completes, no later call is handled', async () => {
    const t = target();
    let entries = 0;
    let returns = 0;
    let done: Promise<void> | undefined;
    const p: Probe = reg({
      target: { object: t, key: 'add' },
      onEntry: () => {
        entries++;
        done = unregister(p);
      },
      onReturn: () => { returns++; },
    });
    assert.equal(t.add(1, 2), 3);
    assert.equal(t.add(1, 2), 3);
    await done;
    assert.equal(entries, 1);
    assert.equal(returns, 1, 'the call in flight at unregister still sees its return');
    assert.equal(t.add(1, 2), 3);
    assert.equal(entries, 1);
  });

  test('twice is harmless', async () => {
    const p = register({ target: { object: target(), key: 'add' } });
    await Promise.all([unregister(p), unregister(p)]);
    await unregister(p);
    assert.equal(p.state, 'gone');
  });

  test('keeps another probe on the same function working', async () => {
    const t = target();
    const a: string[] = [];
    const p1 = register({ target: { object: t, key: 'add' }, onEntry: () => { a.push('p1'); } });
    reg({ target: { object: t, key: 'add' }, onEntry: () => { a.push('p2'); } });
    await unregister(p1);
    t.add(1, 1);
    assert.deepEqual(a, ['p2']);
  });
});

describe('registerAll', () => {
  test('all or none: one bad spec leaves nothing registered and nothing wrapped', () => {
    const t = target();
    const orig = t.add;
    assert.throws(
      () => regAll([
        { target: { object: t, key: 'add' }, onEntry: () => {} },
        { target: { object: t, key: 'missing' }, onEntry: () => {} },
      ]),
      (e) => isJsprobeError(e, 'JSPROBE_E_TARGET_NOT_FOUND'),
    );
    assert.equal(list().length, 0);
    assert.equal(t.add, orig);
  });

  test('registers every spec in order', () => {
    const t = target();
    const ps = regAll([{ target: { object: t, key: 'add' } }, { target: { object: t, key: 'other' } }]);
    assert.deepEqual(ps.map((p) => p.name), ['Object.add', 'Object.other']);
  });
});

describe('in-flight calls', () => {
  test('a probe added while a call is in flight does not see that call\'s return', () => {
    const t = {
      f(): number {
        if (added === undefined) added = reg({ target: { object: t, key: 'f' }, onReturn: () => { lateReturns++; } });
        return 1;
      },
    };
    let added: Probe | undefined;
    let lateReturns = 0;
    let earlyReturns = 0;
    reg({ target: { object: t, key: 'f' }, onReturn: (call) => { if (call.retval === 1) earlyReturns++; } });
    t.f();
    assert.equal(lateReturns, 0);
    assert.equal(earlyReturns, 1);
    t.f();
    assert.equal(lateReturns, 1);
    assert.equal(earlyReturns, 2);
  });

  test('a probe removed while a call is in flight makes no other probe miss it', async () => {
    let unregistering: Promise<void> | undefined;
    const t = { async f(): Promise<number> { await null; unregistering = unregister(victim); await null; return 7; } };
    const survivor: unknown[] = [];
    const victim = reg({ target: { object: t, key: 'f' }, onReturn: () => {} });
    reg({ target: { object: t, key: 'f' }, onEntry: () => { survivor.push('entry'); }, onReturn: (call) => { survivor.push(call.retval); } });
    assert.equal(await t.f(), 7);
    await unregistering;
    assert.deepEqual(survivor, ['entry', 7]);
  });
});

describe('enable, disable and the global switch', () => {
  test('a disabled probe sees nothing and costs nothing: the original is in place', () => {
    const t = target();
    const orig = t.add;
    let n = 0;
    const p = reg({ target: { object: t, key: 'add' }, onEntry: () => { n++; }, disabled: true });
    assert.equal(p.state, 'disabled');
    assert.equal(t.add, orig);
    t.add(1, 1);
    enable(p);
    assert.equal(p.state, 'armed');
    t.add(1, 1);
    disable(p);
    assert.equal(t.add, orig);
    t.add(1, 1);
    assert.equal(n, 1);
  });

  test('disabling keeps calls already tracked: they still get onReturn', async () => {
    let release!: () => void;
    const t = { f: () => new Promise<void>((r) => { release = r; }) };
    let returns = 0;
    const p = reg({ target: { object: t, key: 'f' }, onReturn: () => { returns++; } });
    const call = t.f();
    disable(p);
    release();
    await call;
    assert.equal(returns, 1);
  });

  test('setArmed(false) disarms every site and keeps each probe\'s state', () => {
    const t = target();
    const orig = t.add;
    let n = 0;
    const p = reg({ target: { object: t, key: 'add' }, onEntry: () => { n++; } });
    setArmed(false);
    assert.equal(t.add, orig);
    t.add(1, 1);
    assert.equal(p.state, 'armed');
    setArmed(true);
    t.add(1, 1);
    assert.equal(n, 1);
  });

  test('enable on a probe that is gone is an error with a code', async () => {
    const p = register({ target: { object: target(), key: 'add' } });
    await unregister(p);
    assert.throws(() => enable(p), (e) => isJsprobeError(e, 'JSPROBE_E_GONE'));
  });
});

describe('list and pending', () => {
  test('list() shows target, kind, site, state and counters', () => {
    const t = target();
    reg({ target: { object: t, key: 'add' }, name: 'adder', onEntry: () => {}, onReturn: () => {} });
    t.add(1, 2);
    const [info] = list();
    assert.deepEqual(
      { ...info, id: 0 },
      {
        id: 0, name: 'adder', target: 'Object.add', kind: 'entry+return', site: 'wrap', state: 'armed',
        hits: 1, missed: 0, faults: 0, returns: 1, skipped: 0, pending: 0, gone: 0,
      },
    );
  });

  test('pending() lists the calls in flight, oldest first, with their arguments', async () => {
    const gates: (() => void)[] = [];
    const t = { wait: async (id: string) => { await new Promise<void>((r) => gates.push(r)); return id; } };
    const p = reg({ target: { object: t, key: 'wait' }, onReturn: () => {} });
    const a = t.wait('first');
    const b = t.wait('second');
    const inFlight = pending(p);
    assert.equal(inFlight.length, 2);
    assert.deepEqual(inFlight.map((c) => c.args), [['first'], ['second']]);
    assert.ok(inFlight.every((c) => c.async && c.leased && c.threadId === 0 && c.age >= 0));
    gates.forEach((g) => g());
    await Promise.all([a, b]);
    assert.equal(pending(p).length, 0);
    assert.equal(counters(p).returns, 2);
  });
});
