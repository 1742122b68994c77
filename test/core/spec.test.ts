// Every mistake in a ProbeSpec is refused before anything is touched, with a code and a hint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJsprobeError, list, register, unregister, type ProbeSpec } from '../../src/index.js';

const t = { f() { return 1; } };
const target = { object: t, key: 'f' };

test('bad specs are refused with JSPROBE_E_INVALID_SPEC and a message that says what to write', () => {
  const cases: [unknown, RegExp][] = [
    [null, /must be an object/],
    [{ target, onExit() {} }, /unknown probe spec field 'onExit'. Did you mean onReturn\?/],
    [{ target, onEntyr() {} }, /Did you mean onEntry\?/],
    [{ target: 42 }, /target must be/],
    [{ target: '  ' }, /empty/],
    [{ target, onEntry: 'yes' }, /onEntry must be a function/],
    [{ target, maxActive: 0 }, /maxActive must be a whole number >= 1/],
    [{ target, maxActive: 1.5 }, /maxActive/],
    [{ target, leaseMs: -1 }, /leaseMs/],
    [{ target, site: 'wrapp' }, /Did you mean wrap\?/],
    [{ target, threads: 'some' }, /threads must be/],
    [{ target, disabled: 'no' }, /disabled must be a boolean/],
    [{ target: { object: null, key: 'f' } }, /object must be an object/],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => register(spec as ProbeSpec), (e) => isJsprobeError(e, 'JSPROBE_E_INVALID_SPEC') && message.test(e.message), String(message));
  }
  assert.equal(list().length, 0);
  assert.equal(t.f(), 1);
});

test("threads: 'all' takes a string target only (an object or function belongs to one thread), and registers nothing otherwise", () => {
  const before = list().length;
  assert.throws(() => register({ target, threads: 'all', onEntry() {} }),
    (e) => isJsprobeError(e, 'JSPROBE_E_INVALID_SPEC') && /needs a string target/.test(e.message));
  assert.throws(() => register({ target: () => 1, threads: 'all', onEntry() {} }), /needs a string target/);
  assert.equal(list().length, before);
});

test("a spec's fields are its own and its prototypes' (a class instance's, an Object.create(base)), never Object.prototype's", () => {
  const seen: string[] = [];
  class Spec {
    get target() {
      return target;
    }
    onReturn() {
      seen.push('class');
    }
  }
  const base = { onReturn() { seen.push('base'); } };
  const probes = [register(new Spec() as ProbeSpec), register(Object.assign(Object.create(base) as object, { target }) as ProbeSpec)];
  // The library's reads of a spec look past Object.prototype: a field there is no one's (the program may have put it).
  const proto = Object.prototype as Record<string, unknown>;
  proto.onEntry = () => {
    seen.push('Object.prototype');
  };
  try {
    probes.push(register({ target, onReturn() { seen.push('plain'); } }));
  } finally {
    delete proto.onEntry;
  }
  t.f();
  assert.deepEqual(seen.sort(), ['base', 'class', 'plain']);
  for (const p of probes) unregister(p);
});
