// Every failure of register() and registerAll() is a JsprobeError with a code, whatever the layer
// below threw (core's own resolver is replaced here: this file runs in a process of its own).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJsprobeError, list, register, registerAll, setTargetResolver, ProbeSite } from '../../src/core/index.js';

test('a resolver or flush that throws a plain Error: register() throws a JsprobeError with the original as cause', () => {
  const boom = new TypeError('boom');
  setTargetResolver(() => {
    throw boom;
  });
  const coded = (e: unknown) => isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE') && e.cause === boom && /boom/.test(e.message);
  assert.throws(() => register({ target: 'x', onEntry() {} }), coded);
  assert.throws(() => registerAll([{ target: 'x', onEntry() {} }]), (e) => isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE') && e.cause === boom);
  const site = new ProbeSite({ kind: 'wrap', target: 'x', func: 'x', detach: () => undefined });
  setTargetResolver(() => ({ sites: [site], label: 'x', kind: 'wrap' }), () => {
    throw new Error('flush failed');
  });
  assert.throws(() => register({ target: 'x', onEntry() {} }), (e) => isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE') && /flush failed/.test(e.message));
  assert.deepEqual(list(), [], 'nothing stays registered');
});

test('a JsprobeError from below passes through as it is', () => {
  setTargetResolver(() => ({ sites: [], label: 'x', kind: 'wrap' }));
  assert.throws(() => register({ target: 'x', site: 'nonsense' as 'auto', onEntry() {} }), (e) => isJsprobeError(e, 'JSPROBE_E_INVALID_SPEC'));
});
