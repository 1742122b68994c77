// jsprobe's own formatter and JSON: util.inspect's shape, exact strings, and nothing of the
// value's own code runs (getters, traps, hooks), within the stated limits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { FORMAT_LIMITS, formatValue } from '../../src/agg/safe-format.js';
import { jsonCopy, stringifyJson } from '../../src/agg/safe-json.js';
import { resetStrlen } from '../../src/agg/safe-strlen.js';

const trapped = (ran: string[]) => new Proxy({}, Object.fromEntries(
  ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf'].map((t) => [t, () => { ran.push(t); throw new Error(t); }]),
));

/** [1, <hole>, 'x'] */
function holey(): unknown[] {
  const a: unknown[] = [1];
  a[2] = 'x';
  return a;
}

test('plain values in util.inspect\'s shape', () => {
  class Point { constructor(public x = 1, public y = 2) {} }
  const cases: [unknown, string][] = [
    ['as is', 'as is'], [-0, '-0'], [10n, '10n'], [Symbol('s'), 'Symbol(s)'], [null, 'null'], [undefined, 'undefined'],
    [{ a: 1, 'b-c': "it's\n" }, "{ a: 1, 'b-c': \"it's\\n\" }"], [holey(), "[ 1, <1 empty item>, 'x' ]"], [new Point(), 'Point { x: 1, y: 2 }'],
    [Object.create(null), '[Object: null prototype] {}'], [new Map([[1, [2]]]), 'Map(1) { 1 => [ 2 ] }'], [new Set(['a']), "Set(1) { 'a' }"],
    [new Date(0), '1970-01-01T00:00:00.000Z'], [new Date(NaN), 'Invalid Date'], [/a+/gu, '/a+/gu'], [new RangeError('far'), '[RangeError: far]'],
    [new Uint8Array([1, 2]), 'Uint8Array(2) [ 1, 2 ]'], [new ArrayBuffer(4), 'ArrayBuffer { byteLength: 4 }'], [new String('s'), "[String: 's']"],
    [function named() {}, '[Function: named]'], [class K {}, '[class K]'], [{ deep: { a: { b: { c: 1 } } } }, '{ deep: { a: { b: [Object] } } }'],
  ];
  for (const [v, s] of cases) assert.equal(formatValue(v), s);
  const self: Record<string, unknown> = { x: 1 };
  self.me = self;
  assert.equal(formatValue(self), '{ x: 1, me: [Circular] }');
});

test('a string holding quotes is quoted as util.inspect quotes it: unambiguous, its own quote escaped only where it must be', () => {
  const strings = ["SELECT 'hang' AS h", 'say "hi"', `a"b'c`, 'a"b\'c`d', 'a"b\'c${x}', 'back\\slash\ttab'];
  for (const v of strings) assert.equal(formatValue([v]), inspect([v]), v);
  assert.equal(formatValue(["SELECT 'hang' AS h"]), '[ "SELECT \'hang\' AS h" ]');
});

test('no getter, trap or hook runs; each accessor is reported to the callback', () => {
  const ran: string[] = [];
  class StaticName { static get name() { ran.push('name'); return 'S'; } }
  class Tag { get [Symbol.toStringTag]() { ran.push('tag'); return 'T'; } }
  const hooks = { toString: () => ran.push('toString'), [Symbol.toPrimitive]: () => ran.push('prim'), toJSON: () => ran.push('toJSON') };
  const v = {
    get g() { ran.push('g'); return 1; },
    set s(_: unknown) { ran.push('s'); },
    proxy: trapped(ran),
    onChain: Object.create(trapped(ran)),
    staticName: new StaticName(),
    tag: new Tag(),
    hooks,
    err: Object.defineProperty(new Error('m'), 'name', { get() { ran.push('error name'); return 'E'; } }),
  };
  const seen: string[] = [];
  const s = formatValue(v, (k) => seen.push(k));
  assert.deepEqual(ran, []);
  assert.deepEqual(seen, ['g', 's']);
  assert.match(s, /^\{ g: \[Getter\], s: \[Setter\], proxy: \[Proxy\], onChain: \[Proxy prototype\] \{\}, staticName: \? \{\}, tag: Tag \{\}, hooks: \{ /);
  assert.match(s, /err: \[Error: m\] \}$/, 'the name getter is not run: the name is the default');
  assert.deepEqual(jsonCopy(v, () => {}) !== null, true);
  assert.deepEqual(ran, [], 'nor by jsonCopy');
});

test('limits: items, nested string length and the value budget', () => {
  const many = Array.from({ length: FORMAT_LIMITS.items + 5 }, (_, i) => i);
  assert.match(formatValue(many), /, 19, \.\.\. 5 more items \]$/);
  const wide = Object.fromEntries(many.map((i) => [`k${i}`, i]));
  assert.match(formatValue(wide), /k19: 19, \.\.\. 5 more properties \}$/);
  assert.equal(formatValue({ s: 'x'.repeat(FORMAT_LIMITS.string + 3) }), `{ s: '${'x'.repeat(FORMAT_LIMITS.string)}'... 3 more characters }`);
  assert.equal(formatValue('y'.repeat(1000)).length, 1000, 'a string on its own prints whole');
  // A key is cut as a string value is, a name-like one too: it was printed whole, 20 M characters of it looked at and printed.
  assert.equal(formatValue({ ['k'.repeat(FORMAT_LIMITS.string + 3)]: 1 }), `{ '${'k'.repeat(FORMAT_LIMITS.string)}'... 3 more characters: 1 }`);
  // A symbol's description too, and a key named in a warning: whole, one too long to read made the whole value unread.
  const long = 'd'.repeat(FORMAT_LIMITS.string + 3);
  const cut = `Symbol(${'d'.repeat(FORMAT_LIMITS.string)}...)`;
  const named: string[] = [];
  const withSymbols = { [Symbol(long)]: Symbol(long), get [Symbol(long)]() { return 1; }, a: 2 };
  assert.equal(formatValue(withSymbols, (k) => named.push(k)), `{ a: 2, [${cut}]: ${cut}, [${cut}]: [Getter] }`);
  assert.deepEqual(named, [cut]);
  assert.equal(JSON.stringify(jsonCopy({ s: Symbol(long) })), JSON.stringify({ s: cut }));
  let rope = 'r';
  for (let i = 0; i < 25; i++) rope += rope;
  assert.equal(formatValue({ [Symbol(rope)]: 1, a: 2 }), '{ a: 2, [Symbol(...)]: 1 }');
  const level = (n: number): unknown => (n === 0 ? 1 : Object.fromEntries(many.slice(0, FORMAT_LIMITS.items).map((i) => [`k${i}`, level(n - 1)])));
  // The value budget on its own: a string bound far above what it lets through (the bound is tested in test/safety/).
  resetStrlen(1e6);
  const out = formatValue(level(3));
  resetStrlen();
  assert.ok(out.split('k').length - 1 <= FORMAT_LIMITS.values + FORMAT_LIMITS.items, 'the budget bounds the values printed');
  assert.match(out, /, \.\.\. 17 more properties \}$/, 'what the budget left out is counted');
});

test('JSON: own data only, no toJSON (not even Object.prototype\'s), null prototypes', () => {
  const ran: string[] = [];
  const proto = Object.prototype as { toJSON?: unknown };
  proto.toJSON = () => { ran.push('Object.prototype.toJSON'); return 'x'; };
  try {
    const data = jsonCopy({
      a: [1, 'two', null], big: 3n, d: new Date(0), get g() { ran.push('g'); return 1; }, inf: Infinity, own: { toJSON() { ran.push('own'); } },
    });
    const text = stringifyJson({ type: 'value', data });
    assert.deepEqual(ran, []);
    assert.equal(text, '{"type":"value","data":{"a":[1,"two",null],"big":"3","d":"1970-01-01T00:00:00.000Z","g":"[Getter]","inf":"Infinity",'
      + '"own":{"toJSON":"[Function: toJSON]"}}}');
  } finally {
    delete proto.toJSON;
  }
});
