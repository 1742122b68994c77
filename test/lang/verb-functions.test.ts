// The language's functions the verbs need: detach(), pending(ms), table(@a, …), strftime(fmt, ns)
// and str(x, depth). Each is checked when compiling, with a positioned error for a wrong use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, isProgramError } from '../../src/lang/compile.js';

const OK = [
  'fnret:a.js:f { @n = count(); if (@n == 3) { detach() } }',
  'fnret:a.js:f { @ms = stats(elapsed) } END { pending(); pending(500) }',
  'fnret:a.js:f { @c[func] = count(); @ms[func] = stats(elapsed) } interval:s:1 { table(@c, @ms) }',
  'fnret:a.js:f { printf("%s %s\\n", strftime("%H:%M:%S.%f", nsecs), str(args, 4)) }',
  'fn:a.js:f { printf("%s\\n", str(arg0, 0)) }',
];

const BAD: [string, RegExp, string][] = [
  ['fn:a.js:f { detach(1) }', /detach takes no arguments/, '1:20'],
  ['END { pending("x") }', /pending takes the age, in ms/, '1:15'],
  ['END { pending(-1) }', /pending takes the age, in ms/, '1:15'],
  ['fn:a.js:f { @c[1] = count() } END { table(@c[1]) }', /table takes whole maps/, '1:37'],
  ['END { table() }', /table takes whole maps/, '1:7'],
  ['fn:a.js:f { printf("%s", strftime(nsecs)) }', /strftime takes a format string and a time in nsecs/, '1:26'],
  ['fn:a.js:f { printf("%s", str(arg0, 11)) }', /str\(x, N\) takes N, the levels of nesting to show, from 0 to 10/, '1:36'],
  ['fn:a.js:f { printf("%s", str(arg0, 1.5)) }', /str\(x, N\) takes N/, '1:36'],
  ['fn:a.js:f { printf("%s", str(arg0, arg1)) }', /str\(x, N\) takes N/, '1:36'],
  ['fn:a.js:f { @x = hist(strftime("%S", nsecs)) }', /takes a number/, '1:23'],
];

test('the verbs\' functions compile', () => {
  for (const p of OK) assert.doesNotThrow(() => compile(p), p);
});

test('pending() makes the program keep its calls\' arguments; a program without it does not', () => {
  assert.equal(compile(OK[1]).usesPending, true);
  assert.equal(compile('fnret:a.js:f { if (1) { pending() } }').usesPending, true);
  assert.equal(compile(OK[0]).usesPending, false);
});

for (const [program, message, where] of BAD) {
  test(`refused: ${program}`, () => {
    try {
      compile(program);
      assert.fail(`compiled: ${program}`);
    } catch (e) {
      assert.ok(isProgramError(e), String(e));
      assert.match(e.message, message, e.report);
      assert.equal(`${e.line}:${e.column}`, where, e.report);
    }
  });
}
