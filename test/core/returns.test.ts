// Return tracking for every kind of call: async settle, other thenables, generators, constructors,
// accessors and recursion. One onReturn per tracked onEntry, always.

import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { counters } from '../../src/core/index.js';
import type { Call } from '../../src/index.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

interface Seen { retval: unknown; error: unknown; threw: boolean; async: boolean; elapsed: number }

function recorder(): { seen: Seen[]; onReturn(call: Call): void } {
  const seen: Seen[] = [];
  return {
    seen,
    onReturn(call) {
      seen.push({ retval: call.retval, error: call.error, threw: call.threw, async: call.async, elapsed: call.elapsed });
    },
  };
}

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('async functions', () => {
  test('onReturn runs when the promise settles, with async: true and elapsed covering the awaits', async () => {
    const gate = deferred<void>();
    let waited = 0;
    const t = {
      async work(x: number) {
        const t0 = performance.now();
        await gate.promise;
        waited = performance.now() - t0;
        return x * 2;
      },
    };
    const r = recorder();
    reg({ target: { object: t, key: 'work' }, onReturn: r.onReturn });
    const p = t.work(21);
    assert.equal(r.seen.length, 0, 'not at the synchronous return');
    setTimeout(() => gate.resolve(), 20);
    assert.equal(await p, 42);
    assert.equal(r.seen.length, 1);
    assert.equal(r.seen[0].async, true);
    assert.equal(r.seen[0].retval, 42);
    assert.ok(r.seen[0].elapsed >= waited * 1e6, `elapsed ${r.seen[0].elapsed} ns covers the await of ${waited} ms`);
  });

  test('a rejection reaches onReturn and the caller alike', async () => {
    const t = { async fail() { await null; throw new RangeError('no'); } };
    const r = recorder();
    reg({ target: { object: t, key: 'fail' }, onReturn: r.onReturn });
    await assert.rejects(t.fail(), RangeError);
    assert.equal(r.seen[0].threw, true);
    assert.ok(r.seen[0].error instanceof RangeError);
  });

  test('an unhandled rejection is still reported as one, as it is unprobed', () => {
    const fixture = fileURLToPath(new URL('../../../test/fixtures/unhandled.mjs', import.meta.url));
    const run = (mode: string) => spawnSync(process.execPath, [fixture, mode], { encoding: 'utf8' });
    const bare = run('bare');
    const probed = run('probed');
    assert.equal(bare.status, 1);
    assert.equal(probed.status, bare.status);
    assert.match(probed.stderr, /Error: nobody listens/);
  });

  test('a plain function that returns a promise is tracked to its settling', async () => {
    const gate = deferred<string>();
    const t = { later: () => gate.promise };
    const r = recorder();
    reg({ target: { object: t, key: 'later' }, onReturn: r.onReturn });
    const p = t.later();
    gate.resolve('done');
    assert.equal(await p, 'done');
    assert.deepEqual(r.seen.map((s) => [s.retval, s.async]), [['done', true]]);
  });
});

describe('handlers that read nothing', () => {
  test('a handler that reads nothing from the call runs at the return, and the promise is left alone', async () => {
    let release!: (v: number) => void;
    const gate = new Promise<number>((r) => { release = r; });
    const t = { later: () => gate };
    let returns = 0;
    reg({ target: { object: t, key: 'later' }, onReturn: () => { returns++; } });
    const p = t.later();
    assert.equal(p, gate, 'the very promise the function returned');
    assert.equal(returns, 1, 'it cannot tell a settle from a return, so it is not made to wait for one');
    release(1);
    assert.equal(await p, 1);
    assert.equal(returns, 1);
  });
});

describe('thenables and promises that are not plain native ones', () => {
  test('a thenable counts as returned at once: its then is neither read nor run, and the object is left as it was', async () => {
    let ran = 0;
    let read = 0;
    const lazy = {
      get then() {
        read++;
        return (resolve: (v: string) => void) => {
          ran++;
          resolve('rows');
        };
      },
    };
    const t = { query: () => lazy };
    const r = recorder();
    reg({ target: { object: t, key: 'query' }, onReturn: r.onReturn });
    const q = t.query();
    assert.equal(q, lazy, 'the same object');
    assert.deepEqual([read, ran], [0, 0], 'its then getter did not run');
    assert.deepEqual(r.seen.map((s) => [s.retval, s.async]), [[lazy, false]]);
    assert.deepEqual(Object.getOwnPropertyNames(lazy), ['then'], 'no own then added');
    assert.equal(await q, 'rows');
  });

  test('a promise with an own then, a Promise subclass and a Proxy of a promise are sync returns, and no trap runs', async () => {
    const traps: string[] = [];
    const proxied = new Proxy(Promise.resolve(1), {
      get(target, k) { traps.push(`get ${String(k)}`); return Reflect.get(target, k) as unknown; },
      getPrototypeOf(target) { traps.push('getPrototypeOf'); return Reflect.getPrototypeOf(target); },
      getOwnPropertyDescriptor(target, k) { traps.push(`gopd ${String(k)}`); return Reflect.getOwnPropertyDescriptor(target, k); },
    });
    class Sub extends Promise<number> {}
    const own = Promise.resolve(2);
    Object.defineProperty(own, 'then', { value: Promise.prototype.then.bind(own) });
    const values: unknown[] = [proxied, Sub.resolve(3), own];
    for (const v of values) {
      const t = { f: () => v };
      const r = recorder();
      reg({ target: { object: t, key: 'f' }, onReturn: r.onReturn });
      assert.equal(t.f(), v, 'returned as it is');
      assert.deepEqual(r.seen.map((s) => s.async), [false]);
    }
    assert.deepEqual(traps, []);
  });

  test('a native promise is still tracked to its settle', async () => {
    const t = { f: () => Promise.resolve('done') };
    const r = recorder();
    reg({ target: { object: t, key: 'f' }, onReturn: r.onReturn });
    assert.equal(await t.f(), 'done');
    assert.deepEqual(r.seen.map((s) => [s.retval, s.async]), [['done', true]]);
  });
});

describe('generators', () => {
  test('a generator is tracked to completion, with its return value', () => {
    const t = { *count(n: number) { for (let i = 0; i < n; i++) yield i; return 'end'; } };
    const proto = Object.getPrototypeOf(t.count);
    const orig = t.count;
    const r = recorder();
    reg({ target: { object: t, key: 'count' }, onReturn: r.onReturn });
    const g = t.count(3);
    assert.ok(g instanceof orig, 'instanceof the generator function');
    assert.equal(Object.getPrototypeOf(t.count), proto);
    assert.equal(r.seen.length, 0, 'not done at the call');
    assert.deepEqual([...g], [0, 1, 2]);
    assert.deepEqual(r.seen.map((s) => [s.retval, s.threw]), [['end', false]]);
  });

  test('closing a generator early with return() completes it', () => {
    const t = { *naturals() { for (let i = 0; ; i++) yield i; } };
    const r = recorder();
    reg({ target: { object: t, key: 'naturals' }, onReturn: r.onReturn });
    for (const n of t.naturals()) if (n === 5) break;
    assert.equal(r.seen.length, 1);
    assert.equal(r.seen[0].threw, false);
  });

  test('a generator that throws reports the error', () => {
    const t = { *bad() { yield 1; throw new SyntaxError('x'); } };
    const r = recorder();
    reg({ target: { object: t, key: 'bad' }, onReturn: r.onReturn });
    assert.throws(() => [...t.bad()], SyntaxError);
    assert.equal(r.seen[0].threw, true);
  });

  test('next(value) and throw() reach the generator as before', () => {
    const t = {
      *echo(): Generator<unknown, string, unknown> {
        const got = yield 'ready';
        try {
          yield got;
        } catch (e) {
          return `caught ${String(e)}`;
        }
        return 'no';
      },
    };
    const r = recorder();
    reg({ target: { object: t, key: 'echo' }, onReturn: r.onReturn });
    const g = t.echo();
    assert.deepEqual(g.next(), { value: 'ready', done: false });
    assert.deepEqual(g.next('hello'), { value: 'hello', done: false });
    assert.deepEqual(g.throw('oops'), { value: 'caught oops', done: true });
    assert.equal(r.seen[0].retval, 'caught oops');
  });

  test('an async generator is tracked to completion', async () => {
    const t = {
      async *pages(n: number) {
        for (let i = 0; i < n; i++) {
          await null;
          yield i;
        }
        return 'last';
      },
    };
    const r = recorder();
    reg({ target: { object: t, key: 'pages' }, onReturn: r.onReturn });
    const got: number[] = [];
    for await (const p of t.pages(3)) got.push(p);
    assert.deepEqual(got, [0, 1, 2]);
    assert.deepEqual(r.seen.map((s) => [s.retval, s.async]), [['last', true]]);
  });
});

describe('constructors and accessors', () => {
  test('new keeps new.target, prototype and instanceof; a class still needs new', () => {
    class Point {
      made: unknown;
      constructor(public x: number) {
        this.made = new.target;
      }
    }
    const ns = { Point };
    const seen: unknown[] = [];
    reg({ target: { object: ns, key: 'Point' }, onEntry: (call) => { seen.push(call.newTarget); }, onReturn: (call) => { seen.push(call.retval); } });
    const p = new ns.Point(3);
    assert.ok(p instanceof Point && p instanceof ns.Point);
    assert.equal(p.made, Point, 'new.target inside is the class itself');
    assert.equal(Object.getPrototypeOf(p), Point.prototype);
    assert.equal(seen[0], Point);
    assert.equal(seen[1], p);
    assert.throws(() => (ns.Point as unknown as (x: number) => unknown)(1), TypeError);
    class Sub extends ns.Point {}
    const s = new Sub(4);
    assert.ok(s instanceof Sub && s instanceof Point);
    assert.equal(s.made, Sub, 'a subclass sees itself as new.target');
  });

  test('a getter and a setter are probed through their property', () => {
    class Box {
      #v = 0;
      get value() { return this.#v; }
      set value(v: number) { this.#v = v; }
    }
    const seen: unknown[] = [];
    reg({ target: { object: Box.prototype, key: 'value' }, onReturn: (call) => { seen.push([Array.from(call.args), call.retval]); } });
    const b = new Box();
    b.value = 7;
    assert.equal(b.value, 7);
    assert.deepEqual(seen, [[[7], undefined], [[], 7]]);
  });
});

describe('recursion', () => {
  test('a function that re-enters itself gets one onReturn per call, innermost first', () => {
    const t = { fib(n: number): number { return n < 2 ? n : t.fib(n - 1) + t.fib(n - 2); } };
    const rets: unknown[] = [];
    const p = reg({ target: { object: t, key: 'fib' }, onReturn: (call) => { rets.push([call.args[0], call.retval]); } });
    assert.equal(t.fib(10), 55);
    assert.equal(rets.length, 177);
    assert.deepEqual(rets[rets.length - 1], [10, 55]);
    assert.ok(rets.every((r) => {
      const [n, v] = r as [number, number];
      const fib = (k: number): number => (k < 2 ? k : fib(k - 1) + fib(k - 2));
      return fib(n) === v;
    }));
    assert.deepEqual(counters(p), { hits: 177, missed: 0, faults: 0, returns: 177, skipped: 0, gone: 0, pending: 0 });
  });

  test('deep recursion keeps every level\'s own arguments and data', () => {
    const t = { depth(n: number): number { return n === 0 ? 0 : 1 + t.depth(n - 1); } };
    let ok = 0;
    reg({
      target: { object: t, key: 'depth' },
      maxActive: 5000,
      onEntry: (call) => { call.data = call.args[0]; },
      onReturn: (call) => { if (call.data === call.args[0] && call.retval === call.args[0]) ok++; },
    });
    assert.equal(t.depth(2000), 2000);
    assert.equal(ok, 2001);
  });
});
