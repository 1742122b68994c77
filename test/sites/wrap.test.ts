// Wrap sites: a transparent wrapper in the property, and the original back when it is done.

import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import shimmer from 'shimmer';
import { isJsprobeError, list, register, unregister } from '../../src/index.js';
import { fixture, reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

const require = createRequire(import.meta.url);

describe('what the wrapper keeps', () => {
  test('length, name, prototype, own symbols and the property\'s attributes', () => {
    const custom = Symbol('custom');
    function original(this: unknown, a: number, b: number, c: number): number { return a + b + c; }
    (original as unknown as Record<symbol, unknown>)[custom] = 'kept';
    (original as unknown as Record<symbol, unknown>)[promisify.custom] = () => Promise.resolve(1);
    const holder = {};
    Object.defineProperty(holder, 'fn', { value: original, enumerable: false, writable: true, configurable: true });
    reg({ target: { object: holder, key: 'fn' }, onEntry: () => {} });
    const wrapped = (holder as { fn: typeof original }).fn;
    assert.notEqual(wrapped, original);
    assert.equal(wrapped.length, 3);
    assert.equal(wrapped.name, 'original');
    assert.equal(wrapped.prototype, original.prototype);
    assert.equal((wrapped as unknown as Record<symbol, unknown>)[custom], 'kept');
    assert.equal((wrapped as unknown as Record<symbol, unknown>)[promisify.custom], (original as unknown as Record<symbol, unknown>)[promisify.custom]);
    const d = Object.getOwnPropertyDescriptor(holder, 'fn')!;
    assert.deepEqual({ enumerable: d.enumerable, writable: d.writable, configurable: d.configurable },
      { enumerable: false, writable: true, configurable: true });
    assert.equal(Object.getPrototypeOf(wrapped), Object.getPrototypeOf(original));
  });

  test('sloppy-mode this and arguments aliasing behave as unprobed', () => {
    const db = require('../../../test/fixtures/db.cjs') as { sloppyThis(): unknown; alias(a: string): string };
    const plain = (f: () => unknown): unknown => f();
    const bare = { self: plain(db.sloppyThis), prim: typeof db.sloppyThis.call(5), alias: db.alias('kept') };
    reg({ target: { object: db, key: 'sloppyThis' }, onReturn: () => {} });
    reg({ target: { object: db, key: 'alias' }, onReturn: () => {} });
    assert.notEqual(db.sloppyThis, bare.self);
    assert.equal(plain(db.sloppyThis), bare.self, 'plain call: this is globalThis in sloppy code');
    assert.equal(bare.self, globalThis);
    assert.equal(typeof db.sloppyThis.call(5), bare.prim, 'a primitive this is boxed by the original');
    assert.equal(db.alias('kept'), bare.alias);
  });

  test('non-constructors stay non-constructors', () => {
    const t = { method() { return 1; }, arrow: () => 2, async af() { return 3; } };
    for (const key of ['method', 'arrow', 'af'] as const) reg({ target: { object: t, key }, onEntry: () => {} });
    for (const f of [t.method, t.arrow, t.af]) assert.throws(() => new (f as unknown as new () => unknown)(), TypeError);
  });

  test('unregistering the last probe puts the very original back', async () => {
    const t = { f() { return 1; } };
    const orig = t.f;
    const a = register({ target: { object: t, key: 'f' } });
    const b = register({ target: { object: t, key: 'f' } });
    await unregister(a);
    assert.notEqual(t.f, orig);
    await unregister(b);
    assert.equal(t.f, orig);
  });

  test('an inherited method is shadowed on the instance only, and the shadow removed after', async () => {
    class Svc { ping() { return 'pong'; } }
    const one = new Svc();
    const other = new Svc();
    let n = 0;
    const p = register({ target: { object: one, key: 'ping' }, onEntry: () => { n++; } });
    one.ping();
    other.ping();
    assert.equal(n, 1);
    await unregister(p);
    assert.equal(Object.prototype.hasOwnProperty.call(one, 'ping'), false);
  });
});

describe('other wrappers', () => {
  test('a shimmer wrapper applied before jsprobe keeps working, and is what comes back', async () => {
    const t = { f(x: number) { return x; } };
    const orig = t.f;
    const order: string[] = [];
    shimmer.wrap(t, 'f', (o) => function (this: unknown, ...a: unknown[]) { order.push('shimmer'); return o.apply(this, a as [number]); });
    const shimmered = t.f;
    const p = register({ target: { object: t, key: 'f' }, onEntry: () => { order.push('jsprobe'); } });
    assert.equal(t.f(5), 5);
    assert.deepEqual(order, ['jsprobe', 'shimmer']);
    await unregister(p);
    assert.equal(t.f, shimmered);
    shimmer.unwrap(t, 'f');
    assert.equal(t.f, orig);
  });

  test('a shimmer wrapper applied after jsprobe keeps working; unwrapping both restores the original', async () => {
    const t = { f(x: number) { return x * 2; } };
    const orig = t.f;
    const order: string[] = [];
    const p = register({ target: { object: t, key: 'f' }, onEntry: () => { order.push('jsprobe'); } });
    shimmer.wrap(t, 'f', (o) => function (this: unknown, ...a: unknown[]) { order.push('shimmer'); return o.apply(this, a as [number]); });
    assert.equal(t.f(5), 10);
    assert.deepEqual(order, ['shimmer', 'jsprobe']);
    shimmer.unwrap(t, 'f');
    await unregister(p);
    assert.equal(t.f, orig);
  });

  test('when another wrapper sits on top at unregister, jsprobe\'s stays in place and calls straight through', async () => {
    const t = { f(x: number) { return x + 1; } };
    let probed = 0;
    const p = register({ target: { object: t, key: 'f' }, onEntry: () => { probed++; } });
    shimmer.wrap(t, 'f', (o) => function (this: unknown, ...a: unknown[]) { return o.apply(this, a as [number]); });
    await unregister(p);
    assert.equal(t.f(1), 2);
    assert.equal(probed, 0);
  });
});

describe('module#export targets', () => {
  test('a builtin: node:fs#readFileSync, seen through the ES module import too', () => {
    const files: unknown[] = [];
    reg({ target: 'node:fs#readFileSync', onEntry: (call) => { files.push(call.args[0]); } });
    const path = new URL(import.meta.url).pathname;
    readFileSync(path);
    fs.readFileSync(path);
    assert.deepEqual(files, [path, path]);
  });

  test('a CommonJS class method by path, with a static and a getter', async () => {
    const target = fixture('db.cjs');
    const seen: unknown[] = [];
    reg({ target: `${target}#Db.prototype.query`, onReturn: (call) => { seen.push([call.args[0], call.retval]); } });
    reg({ target: `${target}#Db.create`, onReturn: (call) => { seen.push(['create', (call.retval as { name: string }).name]); } });
    const { Db } = require('../../../test/fixtures/db.cjs') as { Db: { create(n: string): { query(s: string): Promise<unknown>; queries: number } } };
    const db = Db.create('main');
    const r = await db.query('SELECT 1');
    assert.deepEqual(seen, [['create', 'main'], ['SELECT 1', r]]);
    assert.equal(db.queries, 1, '#private state is untouched');
    assert.deepEqual(list().map((i) => i.name), [`${target}#Db.prototype.query`, `${target}#Db.create`]);
  });

  test('misses name the closest names', () => {
    assert.throws(() => register({ target: 'node:fs#readFiel' }),
      (e) => isJsprobeError(e, 'JSPROBE_E_TARGET_NOT_FOUND') && /Did you mean .*readFile/.test(e.message));
    assert.throws(() => register({ target: 'node:fz#readFile' }), (e) => isJsprobeError(e, 'JSPROBE_E_TARGET_NOT_FOUND') && /node:fs/.test(e.message));
    assert.throws(() => register({ target: `${fixture('db.cjs')}#Db.prototype.qeury` }),
      (e) => isJsprobeError(e, 'JSPROBE_E_TARGET_NOT_FOUND') && /query/.test(e.message));
    assert.throws(() => register({ target: `${fixture('db.cjs')}#Db.version` }), (e) => isJsprobeError(e, 'JSPROBE_E_TARGET_NOT_FOUND'));
  });
});

describe('what cannot be wrapped', () => {
  test('a frozen object, an ES module namespace, and a value that is not a function', async () => {
    const frozen = Object.freeze({ f() { return 1; } });
    assert.throws(() => register({ target: { object: frozen, key: 'f' } }), (e) => isJsprobeError(e, 'JSPROBE_E_NOT_WRAPPABLE'));
    const ns = await import('node:path');
    assert.throws(() => register({ target: { object: ns, key: 'join' } }), (e) => isJsprobeError(e, 'JSPROBE_E_NOT_WRAPPABLE') && /ES module/.test(e.message));
    assert.throws(() => register({ target: { object: { n: 1 }, key: 'n' } }), (e) => isJsprobeError(e, 'JSPROBE_E_NOT_A_FUNCTION'));
    assert.equal(list().length, 0);
  });

  test('jsprobe itself is off limits', async () => {
    const self = await import('../../src/index.js');
    const mutable = { register: self.register };
    assert.throws(() => register({ target: { object: mutable, key: 'register' } }), (e) => isJsprobeError(e, 'JSPROBE_E_BLACKLISTED'));
    assert.throws(() => register({ target: 'jsprobe#register' }), (e) => isJsprobeError(e, 'JSPROBE_E_BLACKLISTED'));
  });
});
