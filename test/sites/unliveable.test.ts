// Which loaded functions a live patch can reach, and the reason given for those it cannot: V8's
// LiveEdit diffs a changed run of lines of 800 characters or more as one block (tsx's one-line
// output), and needs white space before a function's closing brace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { functionsIn, instrument, liveable, unliveable } from '../../src/sites/rewrite/instrument.js';
import { sitesTrailer } from '../../src/sites/rewrite/abi.js';
import { compareSources, unmappedFunctions } from '../../src/sites/rewrite/liveedit-diff.js';

function only(src: string) {
  const fns = functionsIn(src, 'script', 'file:///x.js');
  assert.equal(fns.length, 1);
  return fns[0];
}

test('unliveable: formatted code can be patched', () => {
  const src = 'function f(n) {\n  return n * 2;\n}\n';
  assert.equal(unliveable(src, only(src)), undefined);
  assert.equal(liveable(src, only(src)), true);
});

test('unliveable: a function on a line of 800+ characters cannot, and the reason says so', () => {
  const src = `var pad = ${JSON.stringify('x'.repeat(800))}; function f(n) { return n * 2; }\n`;
  assert.match(unliveable(src, only(src)) ?? '', /800 characters or longer/);
  // As the port of V8's diff predicts: any edit of that line leaves the function unmapped.
  const edited = src.replace('return n * 2;', 'return n * 3;');
  assert.equal(compareSources(src, edited).length, 1);
  assert.deepEqual([...unmappedFunctions(src, [only(src)], edited, [only(edited)])], [0]);
});

test('unliveable: a body that declares a name both as a function and as a var cannot, and the reason names it', () => {
  const src = 'function f(n) {\n  var g = n;\n  function g() {}\n  return g;\n}\n';
  assert.match(unliveable(src, functionsIn(src, 'script', 'file:///x.js')[0]) ?? '', /declares g as a function at its top level and again/);
});

test('unliveable: minified code under 800 characters still needs white space before the closing brace', () => {
  const src = 'function f(n){return n*2}\n';
  assert.match(unliveable(src, only(src)) ?? '', /white space or a comment/);
});

test('unliveable: a long function of short lines can be patched: only the lines its site changes count', () => {
  const body = Array.from({ length: 60 }, (_, i) => `  const v${i} = n + ${i};`).join('\n');
  const src = `function f(n) {\n${body}\n  return n;\n}\n`;
  assert.ok(src.length > 800);
  assert.equal(unliveable(src, only(src)), undefined);
});

test('unliveable: a module jsprobe rewrote as it loaded cannot be patched, even where its functions end with their own text', () => {
  const src = 'function f(n) {\n  return n * 2;\n}\n';
  // Rewritten for counting alone, as the load hook ends it (sites/hooks/rewrite-module.ts): `f`
  // keeps its own last statement and the white space before its brace.
  const out = instrument(src, { url: 'file:///x.js', format: 'script', countOnly: 'entry' }).code + sitesTrailer(1);
  assert.match(out, /function f\(n\) \{\$jpOn&&\$jpK\[0\]\+\+;\n {2}return n \* 2;\n\}/);
  const f = functionsIn(out, 'script', 'file:///x.js').find((fn) => fn.name === 'f')!;
  assert.match(unliveable(out, f) ?? '', /rewritten with probe sites as it loaded/);
  // The same function as written can be.
  assert.equal(unliveable(src, only(src)), undefined);
});
