// The string methods safe mode writes out (split, replace, replaceAll: the built-ins dispatch
// through Symbol.split/Symbol.replace, which a program can define on String.prototype) agree
// with the built-ins on every input; arrays are copied before their methods run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { safeMethod } from '../../src/program/safe-methods.js';

const text = fc.string({ unit: fc.constantFrom('a', 'b', ',', '$', '&', '`', "'", '1', '') , maxLength: 12 });

test('split, replace and replaceAll agree with String.prototype on random strings', () => {
  fc.assert(fc.property(text, text, text, fc.option(fc.integer({ min: -1, max: 5 }), { nil: undefined }), (s, p, r, limit) => {
    assert.deepEqual(safeMethod(s, 'split', [p, limit]), s.split(p, limit));
    assert.deepEqual(safeMethod(s, 'split', [undefined]), s.split(undefined as unknown as string));
    assert.equal(safeMethod(s, 'replace', [p, r]), s.replace(p, r));
    assert.equal(safeMethod(s, 'replaceAll', [p, r]), s.replaceAll(p, r));
  }), { numRuns: 500 });
});

test('array methods run on a copy: no species, constructor or element getter, and a Proxy array is refused', () => {
  const ran: string[] = [];
  class Species extends Array { static override get [Symbol.species]() { ran.push('species'); return Array; } }
  const a = Species.from([1, 2, 3]);
  const b = [1, 2, 3] as unknown[] & { constructor?: unknown };
  b.constructor = { get [Symbol.species]() { ran.push('ctor'); return Array; } };
  Object.defineProperty(b, 1, { get() { ran.push('element'); return 2; } });
  for (const arr of [a, b]) {
    assert.equal(Object.getPrototypeOf(safeMethod(arr, 'slice', [1])), Array.prototype);
    safeMethod(arr, 'join', ['+']);
    safeMethod(arr, 'includes', [2]);
    safeMethod(arr, 'at', [1]);
  }
  assert.deepEqual(safeMethod(b, 'slice', [0]), [1, undefined, 3]);
  assert.deepEqual(ran, []);
  assert.throws(() => safeMethod(new Proxy([1], {}), 'slice', []), /not a pure method.*--unsafe/);
  assert.throws(() => safeMethod(new String('a,b'), 'split', [',']), /not a pure method of an object/);
});
