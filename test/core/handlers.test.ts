// Entry and return handlers: what they see, their order, skipping, nesting and faults.

import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { list, setFaultHandler, type Call, type ProbeFault } from '../../src/index.js';
import { counters } from '../../src/core/index.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

function target() {
  return {
    add(a: number, b: number): number {
      return a + b;
    },
    fail(msg: string): never {
      throw new Error(msg);
    },
  };
}

describe('handlers', () => {
  test('onEntry sees this and args; onReturn sees retval and the data onEntry left', () => {
    const t = target();
    const seen: unknown[] = [];
    reg({
      target: { object: t, key: 'add' },
      onEntry(call) {
        seen.push(["entry", call.this === t, Array.from(call.args)]);
        call.data = { started: call.args[0] };
      },
      onReturn(call) {
        seen.push(['return', call.retval, call.data, call.threw, call.async, call.threadId]);
      },
    });
    assert.equal(t.add(2, 3), 5);
    assert.deepEqual(seen, [
      ['entry', true, [2, 3]],
      ['return', 5, { started: 2 }, false, false, 0],
    ]);
  });

  test('a handler with no use for the call still runs once per call', () => {
    const t = target();
    let entries = 0;
    let returns = 0;
    const p = reg({ target: { object: t, key: 'add' }, onEntry: () => { entries++; }, onReturn: () => { returns++; } });
    for (let i = 0; i < 100; i++) t.add(i, i);
    assert.equal(entries, 100);
    assert.equal(returns, 100);
    assert.equal(p.hits, 100);
  });

  test('a throw reaches onReturn as error/threw and the caller gets the same exception', () => {
    const t = target();
    const seen: Call[] = [];
    let error: unknown;
    reg({ target: { object: t, key: 'fail' }, onReturn(call) { error = call.error; seen.push({ ...call, threw: call.threw, retval: call.retval } as Call); } });
    let caught: unknown;
    try {
      t.fail('boom');
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof Error && caught.message === 'boom');
    assert.equal(error, caught, 'onReturn sees the very exception object');
    assert.equal(seen[0].threw, true);
    assert.equal(seen[0].retval, undefined);
  });

  test('a primitive thrown value is rethrown as it was', () => {
    const t = { f() { throw 42; } };
    let error: unknown;
    reg({ target: { object: t, key: 'f' }, onReturn(call) { error = call.error; } });
    assert.throws(() => t.f(), (e) => e === 42);
    assert.equal(error, 42);
  });

  test('probes on one function run in registration order, at entry and at return', () => {
    const t = target();
    const order: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      reg({ target: { object: t, key: 'add' }, onEntry: () => { order.push(`${name}>`); }, onReturn: () => { order.push(`<${name}`); } });
    }
    t.add(1, 1);
    assert.deepEqual(order, ['a>', 'b>', 'c>', '<a', '<b', '<c']);
    assert.equal(list().length, 3);
    assert.ok(list().every((i) => i.site === 'wrap'));
  });

  test('onEntry returning false leaves that call untracked, and only that call', () => {
    const t = target();
    const returns: unknown[] = [];
    const p = reg({
      target: { object: t, key: 'add' },
      onEntry: (call) => call.args[0] !== 0,
      onReturn: (call) => { returns.push(call.retval); },
    });
    t.add(0, 1);
    t.add(1, 1);
    assert.deepEqual(returns, [2]);
    assert.deepEqual({ ...counters(p), faults: undefined }, { hits: 2, missed: 0, faults: undefined, returns: 1, skipped: 1, gone: 0, pending: 0 });
  });

  test('a hit inside a handler of the same thread is missed, not handled', () => {
    const t = target();
    let handled = 0;
    const p = reg({
      target: { object: t, key: 'add' },
      onEntry: (call) => {
        handled++;
        if (call.args[0] === 1) t.add(100, 100); // nested hit: must not recurse into this handler
      },
    });
    assert.equal(t.add(1, 2), 3);
    assert.equal(handled, 1);
    assert.equal(p.hits, 2);
    assert.equal(p.missed, 1);
  });

  test('an exception thrown from onEntry is counted, reported once, and changes nothing', () => {
    const t = target();
    const faults: ProbeFault[] = [];
    setFaultHandler((f) => faults.push(f));
    let returns = 0;
    const p = reg({
      target: { object: t, key: 'add' },
      onEntry: () => { throw new Error('handler bug'); },
      onReturn: () => { returns++; },
    });
    assert.equal(t.add(1, 2), 3);
    assert.equal(t.add(2, 2), 4);
    assert.equal(p.faults, 2);
    assert.equal(faults.length, 1, 'reported once');
    assert.equal(faults[0].phase, 'entry');
    assert.equal(faults[0].probe, p);
    assert.equal((faults[0].error as Error).message, 'handler bug');
    assert.equal(returns, 0, 'a call whose onEntry faulted is not tracked');
    setFaultHandler(() => {});
  });

  test('an exception thrown from onReturn changes neither the result nor the exception', () => {
    const t = target();
    const faults: ProbeFault[] = [];
    setFaultHandler((f) => faults.push(f));
    reg({ target: { object: t, key: 'add' }, onReturn: () => { throw new TypeError('bad'); } });
    reg({ target: { object: t, key: 'fail' }, onReturn: () => { throw new TypeError('bad'); } });
    assert.equal(t.add(1, 2), 3);
    assert.throws(() => t.fail('original'), { message: 'original' });
    assert.deepEqual(faults.map((f) => f.phase), ['return', 'return']);
    setFaultHandler(() => {});
  });

  test('a handler that reads a field out of the analyser\'s sight gets it from the next call on, and is told once', () => {
    const t = target();
    const faults: ProbeFault[] = [];
    setFaultHandler((f) => faults.push(f));
    const seen: unknown[] = [];
    let saved: Call | undefined;
    reg({
      target: { object: t, key: 'add' },
      onEntry: (call) => { saved = call; },
      // Reads the call it saved at entry: its own source shows no use of a call at all.
      onReturn: () => { seen.push(Array.from(saved!.args)); },
    });
    t.add(1, 2);
    t.add(3, 4);
    t.add(5, 6);
    assert.deepEqual(seen, [[], [3, 4], [5, 6]]);
    assert.equal(faults.length, 1);
    assert.equal((faults[0].error as { code?: string }).code, 'JSPROBE_E_UNSEEN_READ');
    setFaultHandler(() => {});
  });
});
