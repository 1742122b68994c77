// builtinsIntact: what lets oxc's raw route (its own JavaScript) parse a big module only while the
// built-ins it may reach are those of jsprobe's load (sites/rewrite/builtins-intact.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinsIntact } from '../../src/sites/rewrite/builtins-intact.js';

/** Run `f` with `holder[key]` replaced by a function of the same behaviour, then put it back. */
function replaced(holder: object, key: PropertyKey, f: () => void): void {
  const d = Object.getOwnPropertyDescriptor(holder, key)!;
  const orig = d.value as (...a: unknown[]) => unknown;
  Object.defineProperty(holder, key, { ...d, value: function (this: unknown, ...a: unknown[]) { return Reflect.apply(orig, this, a); } });
  try {
    f();
  } finally {
    Object.defineProperty(holder, key, d);
  }
}

// Node 20 has no raw route, and no snapshot: never intact.
const RAW = Number(process.versions.node.split('.')[0]) >= 22;

test('intact as loaded; a replaced method, iterator or global says not, and putting it back says intact again', () => {
  assert.equal(builtinsIntact(), RAW);
  if (!RAW) return;
  const arrayIterator = Object.getPrototypeOf([][Symbol.iterator]()) as object;
  for (const [holder, key] of [[Array.prototype, 'push'], [String.prototype, 'slice'], [arrayIterator, 'next'], [globalThis, 'setTimeout']] as const) {
    replaced(holder, key, () => assert.equal(builtinsIntact(), false, String(key)));
    assert.equal(builtinsIntact(), true, String(key));
  }
});

test("what a program sets as a matter of course leaves the built-ins intact: Error's stack settings, a global of its own", () => {
  const limit = Error.stackTraceLimit;
  const g = globalThis as Record<string, unknown>;
  try {
    Error.stackTraceLimit = 50;
    Error.prepareStackTrace = (_e, frames) => frames;
    g.someGlobalOfTheProgram = () => 1;
    assert.equal(builtinsIntact(), RAW);
  } finally {
    Error.stackTraceLimit = limit;
    Reflect.deleteProperty(Error, 'prepareStackTrace');
    delete g.someGlobalOfTheProgram;
  }
});

test("the check reads no field a descriptor lacks: getters the program put on Object.prototype's 'value', 'get' and 'set' never run", () => {
  let ran = 0;
  const keys = ['value', 'get', 'set'];
  for (const key of keys) Object.defineProperty(Object.prototype, key, { __proto__: null, configurable: true, get: () => ++ran } as PropertyDescriptor);
  try {
    assert.equal(builtinsIntact(), RAW);
  } finally {
    for (const key of keys) Reflect.deleteProperty(Object.prototype, key);
  }
  assert.equal(ran, 0);
});
