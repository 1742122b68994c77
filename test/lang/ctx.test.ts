// `ctx` and `tid` in the compiler: where ctx may be read, that only a program that reads it asks
// the runtime to track async chains, and that both compile to reads of the runtime.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, isProgramError } from '../../src/lang/compile.js';

function report(program: string): string {
  try {
    compile(program);
  } catch (e) {
    assert.ok(isProgramError(e), String(e));
    return e.report;
  }
  return assert.fail(`compiled: ${program}`);
}

test('usesCtx: set by a read of ctx anywhere (predicate, key, value, printf), and only then', () => {
  assert.equal(compile('fn:a.js:f { @[tid] = count() }').usesCtx, false);
  assert.equal(compile('fn:a.js:f { @n = count() } fnret:a.js:f { @[arg0] = count() } BEGIN { printf("%d\\n", tid) }').usesCtx, false);
  for (const p of [
    'fn:a.js:f { @s[ctx] = arg0 }',
    'fnret:a.js:f /ctx != 0/ { @n = count() }',
    'fn:a.js:f { @n = count() } fn:a.js:g { printf("%d\\n", ctx) }',
    'line:a.js:3 { $c = ctx + 1; @[$c] = count() }',
  ]) assert.equal(compile(p).usesCtx, true, p);
});

test('ctx compiles to the runtime\'s read, and tid to the runtime\'s constant, in every probe kind', () => {
  const p = compile('fn:a.js:f { @s[ctx] = tid } interval:s:1 { printf("%d\\n", tid) }');
  assert.match(p.probes[0].source, /\$rt\.ctx\(\)/);
  assert.match(p.probes[0].source, /\$rt\.tid/);
  assert.doesNotMatch(p.probes[0].source, /\$c\.threadId/);
  assert.match(p.intervals[0].source, /\$rt\.tid/);
});

test('ctx is a call probe\'s: refused at BEGIN, END and interval, and not a function', () => {
  assert.match(report('BEGIN { printf("%d\\n", ctx) }'), /'ctx' is not available at BEGIN probes; it is at fn:, fnret:, line:/);
  assert.match(report('interval:s:1 { @[ctx] = count() }'), /'ctx' is not available at interval probes/);
  assert.match(report('fn:a.js:f { @[ctx()] = count() }'), /'ctx' is a value, not a function/);
  // A number: a string aggregation of it is fine, and %s of it too.
  assert.doesNotThrow(() => compile('fn:a.js:f { @h = hist(ctx); printf("%d %s\\n", ctx, ctx) }'));
});

test('a misspelt ctx is pointed at it', () => {
  assert.match(report('fn:a.js:f { @[ctz] = count() }'), /unknown name 'ctz'; did you mean ctx/);
});
