// A read that lands inside a handler (as an interrupt does: a detach, a stop) waits for the
// handler's end: whenNoHandler runs it when the outermost handler of the thread returns or
// throws, never between two of its updates. The tests call it from inside the handler, where an
// interrupt lands.

import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFaultHandler } from '../../src/index.js';
import { thread, whenNoHandler } from '../../src/core/index.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

function target() {
  return {
    work(n: number): number {
      return n + 1;
    },
    inner(n: number): number {
      return n * 2;
    },
  };
}

describe('whenNoHandler', () => {
  test('outside a handler, the work runs at once', () => {
    let ran = 0;
    assert.equal(whenNoHandler(() => ran++), true);
    assert.equal(ran, 1);
    assert.equal(thread.asked, false);
  });

  test('inside an onReturn, it runs once the handler has returned, with both updates seen', () => {
    const t = target();
    const m = { a: 0, b: 0 };
    const reads: { a: number; b: number }[] = [];
    let now: boolean | undefined;
    reg({
      target: { object: t, key: 'work' },
      onReturn() {
        m.a++;
        // Where a detach's interrupt lands: between the two updates.
        if (m.a === 2) now = whenNoHandler(() => reads.push({ ...m }));
        m.b++;
      },
    });
    t.work(1);
    t.work(2);
    assert.equal(now, false);
    assert.deepEqual(reads, [{ a: 2, b: 2 }]);
    assert.equal(thread.asked, false);
    t.work(3);
    assert.equal(reads.length, 1, 'run once');
  });

  test('inside an onEntry, and in order when asked twice', () => {
    const t = target();
    const m = { a: 0, b: 0 };
    const reads: string[] = [];
    reg({
      target: { object: t, key: 'work' },
      onEntry() {
        m.a++;
        whenNoHandler(() => reads.push(`first ${m.a} ${m.b}`));
        whenNoHandler(() => reads.push(`second ${m.a} ${m.b}`));
        m.b++;
      },
    });
    assert.equal(t.work(1), 2);
    assert.deepEqual(reads, ['first 1 1', 'second 1 1']);
  });

  test('a handler that throws: the work still runs, after it, and the fault is reported as ever', () => {
    const t = target();
    const faults: unknown[] = [];
    setFaultHandler((f) => faults.push(f.error));
    const m = { a: 0 };
    const reads: number[] = [];
    reg({
      target: { object: t, key: 'work' },
      onReturn() {
        m.a++;
        whenNoHandler(() => reads.push(m.a));
        m.a++;
        throw new Error('boom');
      },
    });
    assert.equal(t.work(1), 2);
    assert.deepEqual(reads, [2]);
    assert.equal(faults.length, 1);
    assert.equal(thread.busy, false);
    assert.equal(thread.asked, false);
  });

  test('work that throws is dropped: the probed call returns as ever, and later work runs', () => {
    const t = target();
    const reads: number[] = [];
    reg({
      target: { object: t, key: 'work' },
      onReturn() {
        whenNoHandler(() => {
          throw new Error('mine');
        });
        whenNoHandler(() => reads.push(1));
      },
    });
    assert.equal(t.work(1), 2);
    assert.deepEqual(reads, [1]);
  });

  test('a hit nested in the handler (missed) does not run the work early', () => {
    const t = target();
    const reads: string[] = [];
    let step = '';
    reg({ target: { object: t, key: 'inner' }, onReturn: () => void (step = 'inner ran') });
    reg({
      target: { object: t, key: 'work' },
      onReturn() {
        step = 'before';
        whenNoHandler(() => reads.push(step));
        t.inner(1);
        step = 'after';
      },
    });
    t.work(1);
    assert.deepEqual(reads, ['after']);
  });
});

// BEGIN, END, interval blocks and a profile slice's samples are no probe's handlers, but a read
// that lands in their middle sees maps as wrong: they run as one (program/end.ts guard).
describe('guarded blocks', () => {
  test('a read landing inside an interval block waits for its end; a throw is still reported once', async () => {
    const { guard } = await import('../../src/program/end.js');
    const m = { a: 3, x: 0 };
    const reads: { a: number; x: number }[] = [];
    const warned: string[] = [];
    const block = guard('interval:ms:1', () => {
      // `@x = @a; clear(@a)`, with a read landing between the two steps.
      m.x = m.a;
      assert.equal(whenNoHandler(() => reads.push({ ...m })), false);
      m.a = 0;
      if (reads.length > 5) throw new Error('never');
    }, (s) => warned.push(s));
    block.run();
    assert.deepEqual(reads, [{ a: 0, x: 3 }]);
    assert.equal(thread.busy, false);
    assert.equal(thread.asked, false);
    const throwing = guard('BEGIN', () => {
      whenNoHandler(() => reads.push({ ...m }));
      throw new Error('boom');
    }, (s) => warned.push(s));
    throwing.run();
    throwing.run();
    assert.equal(reads.length, 3);
    assert.equal(warned.length, 1);
    assert.match(warned[0], /BEGIN threw \(reported once\): .*boom/);
  });
});
