// The analysis of what a handler reads: exact where it can be, "everything" where it cannot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handlerUses } from '../../src/core/handler-use.js';

const uses = (f: Function): string[] => [...handlerUses(f)].sort();

test('member reads of the call parameter are found', () => {
  assert.deepEqual(uses((c: { elapsed: number }) => c.elapsed), ['elapsed']);
  assert.deepEqual(uses(function (call: { retval: unknown; args: unknown[] }) { return [call.retval, call.args[0]]; }), ['args', 'retval']);
  assert.deepEqual(uses(({ args, elapsed }: { args: unknown; elapsed: number }) => [args, elapsed]), ['args', 'elapsed']);
  assert.deepEqual(uses((c: { this: unknown } | undefined) => c?.this), ['this']);
});

test('handlers that take nothing read nothing', () => {
  let n = 0;
  assert.deepEqual(uses(() => { n++; }), []);
  assert.deepEqual(uses(function () { return n; }), []);
});

test('a call that escapes, or source that cannot be read, means everything', () => {
  const keep = (x: unknown): unknown => x;
  assert.deepEqual(uses((c: unknown) => keep(c)), ['all']);
  assert.deepEqual(uses((c: object) => { const { ...all } = c; return all; }), ['all']);
  assert.deepEqual(uses(({ ...rest }: object) => rest), ['all']);
  assert.deepEqual(uses(Math.max), ['all']);
  assert.deepEqual(uses(((c: unknown) => c).bind(null)), ['all']);
  // eslint-disable-next-line prefer-rest-params -- the point of the case
  assert.deepEqual(uses(function (this: unknown) { return arguments[0]; }), ["all"]);
  assert.deepEqual(uses((c: { args: unknown } = { args: 1 }) => c.args), ['all']);
});
