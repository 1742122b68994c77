// profile:hz:N in the language: it parses to a profile probe with its rate, a bad rate is a
// positioned error, and what a sample has not (args, retval, this) is refused where it is named.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, isProgramError } from '../../src/lang/compile.js';

function fault(program: string): { where: string; message: string } {
  try {
    compile(program);
  } catch (e) {
    assert.ok(isProgramError(e), String(e));
    return { where: `${e.line}:${e.column}`, message: e.message };
  }
  assert.fail(`compiled: ${program}`);
}

test('profile:hz:N compiles to a profile probe, with func and ustack read from the sample', () => {
  const p = compile('profile:hz:99 { @[ustack] = count(); @f[func, tid, pid] = count(); @d[ustack(3), probe] = count() }');
  assert.equal(p.profiles.length, 1);
  assert.equal(p.probes.length, 0);
  assert.equal(p.profiles[0].probe.hz, 99);
  assert.equal(p.profiles[0].probe.text, 'profile:hz:99');
  const src = p.profiles[0].source;
  assert.match(src, /function \(\$c\)/);
  assert.match(src, /\$c\.stack\(16\)/);
  assert.match(src, /\$c\.stack\(3\)/);
  assert.match(src, /\$c\.func/);
  assert.match(src, /"profile:hz:99"/);
  assert.doesNotMatch(src, /\$rt\.stack/);
  // Two rates, each a probe of its own, beside the other kinds.
  const two = compile('profile:hz:1 { @a = count() } profile:hz:999 { @b = count() } interval:s:1 { print(@a) }');
  assert.deepEqual(two.profiles.map((c) => c.probe.hz), [1, 999]);
  assert.equal(two.intervals.length, 1);
});

test('a bad rate is an error at the rate', () => {
  for (const [program, where, message] of [
    ['profile:hz:0 { }', '1:12', /from 1 to 999, not 0/],
    ['profile:hz:1000 { }', '1:12', /from 1 to 999, not 1000/],
    ['profile:hz:1.5 { }', '1:12', /whole number .* not 1\.5/],
    ['profile:hz: { }', '1:12', /whole number of samples a second from 1 to 999, e\.g\./],
    ['profile:ms:10 { }', '1:9', /a profile probe is profile:hz:N/],
    ['profile { }', '1:8', /expected ':' after profile/],
    ['BEGIN { } profil:hz:99 { }', '1:11', /unknown probe type 'profil'; did you mean profile/],
  ] as const) {
    const f = fault(program);
    assert.equal(f.where, where, `${program}: ${f.message}`);
    assert.match(f.message, message, program);
  }
});

test('a sample has no arguments, return value or this: naming them is an error', () => {
  assert.match(fault('profile:hz:99 { @[arg0] = count() }').message, /'arg0' is not available at profile: probes; it is at fn:, fnret:/);
  assert.match(fault('profile:hz:99 { @ = hist(elapsed) }').message, /'elapsed' is not available at profile: probes; it is at fnret:/);
  assert.match(fault('profile:hz:99 { @[retval] = count() }').message, /'retval' is not available at profile: probes/);
  assert.match(fault('profile:hz:99 { @[this] = count() }').message, /'this' is only available at fn:, fnret: and line: probes/);
});
