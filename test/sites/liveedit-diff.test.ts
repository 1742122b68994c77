// The port of V8's LiveEdit diff must agree with V8: for edits that add probe sites to a batch of
// functions, the functions it predicts LiveEdit leaves unpatched are exactly the ones V8 leaves
// running their old code. Checked against the real thing, in this process.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { knownScripts, liveEditOffWhy, post, withDebugger } from '../../src/sites/inspector.js';
import { ARMED_GLOBAL, LIVE_SLOTS } from '../../src/sites/rewrite/abi.js';
import { functionsIn, instrumentLive } from '../../src/sites/rewrite/instrument.js';
import { compareSources, unmappedFunctions } from '../../src/sites/rewrite/liveedit-diff.js';

const require = createRequire(import.meta.url);
// Edits made here directly, as live.ts makes them: V8 >= 14 needs its LiveEdit flag on first.
assert.equal(liveEditOffWhy(), null);
const dir = mkdtempSync(join(tmpdir(), 'jsprobe-liveedit-'));
let files = 0;

/** A script of `n` functions; `same` makes their bodies identical but for a constant. */
function load(n: number, same: boolean): { fns: Function[]; scriptId: string; src: string } {
  const body = (i: number) => (same ? `  const s = a + b;\n  return s * ${i + 1};` : `  const s${i} = a * ${i} + b;\n  return s${i} - ${i};`);
  const text = `'use strict';\n${Array.from({ length: n }, (_, i) => `function f${i}(a, b) {\n${body(i)}\n}\n`).join('')}` +
    `module.exports = [${Array.from({ length: n }, (_, i) => `f${i}`).join(', ')}];\n`;
  const file = join(dir, `gen${files++}.cjs`);
  writeFileSync(file, text);
  const fns = require(file) as Function[];
  const url = pathToFileURL(file).href;
  const scriptId = withDebugger(() => [...knownScripts()].find((s) => s.url === url)?.scriptId);
  assert.ok(scriptId !== undefined);
  return { fns, scriptId, src: text };
}

function predictAndApply(n: number, same: boolean, chosen: number[]): { predicted: number[]; actual: number[] } {
  const { fns, scriptId, src } = load(n, same);
  const sites = functionsIn(src, 'script', 'gen');
  const code = instrumentLive(src, sites, LIVE_SLOTS, new Map(chosen.map((i) => [i, i])));
  const lost = unmappedFunctions(src, sites, code, functionsIn(code, 'script', 'gen'));
  const g = globalThis as Record<string, unknown>;
  g[LIVE_SLOTS] ??= [];
  g[ARMED_GLOBAL] ??= false;
  const status = withDebugger(() => post<{ status: string }>('Debugger.setScriptSource', { scriptId, scriptSource: code }).status);
  assert.equal(status, 'Ok');
  const actual = chosen.filter((i) => !Function.prototype.toString.call(fns[i]).includes(LIVE_SLOTS));
  withDebugger(() => post('Debugger.setScriptSource', { scriptId, scriptSource: src }));
  return { predicted: chosen.filter((i) => lost.has(i)), actual };
}

test('the diff of a pure insertion is that insertion', () => {
  const d = compareSources('a\nbc\nd\n', 'a\nbXc\nd\n');
  assert.deepEqual(d, [{ start: 3, end: 3, newStart: 3, newEnd: 4 }]);
});

test('predicted unpatched functions are the ones V8 leaves unpatched, over many batches', () => {
  const cases: [number, boolean, number[]][] = [
    [12, true, [2]],
    [12, true, [0, 1, 2, 3, 4]],
    [12, true, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    [12, true, [0, 2, 4, 6, 8]],
    [12, true, [5, 6, 7, 8, 9]],
    [30, true, Array.from({ length: 30 }, (_, i) => i)],
    [30, false, Array.from({ length: 30 }, (_, i) => i)],
  ];
  let someLost = 0;
  for (const [n, same, chosen] of cases) {
    const { predicted, actual } = predictAndApply(n, same, chosen);
    assert.deepEqual(predicted, actual, `${n} functions (${same ? 'alike' : 'distinct'}), sites on ${chosen.join(',')}`);
    someLost += actual.length;
  }
  // The cases include batches V8 does not fully patch: the prediction is not trivially "all fine".
  assert.ok(someLost > 0);
});

test('a generator (its entry in its parameter list) and a function with a finally, each on one line, are patched alone', () => {
  // A live site's generator entry goes in its parameter list, as a tag: a call's `(` there, with
  // the parameters' names after it, made V8's diff take the list's `(` for the entry's. And the
  // epilogue holds no space: `$jpV=void 0` took the space before a one-line body's `}`.
  const shapes = [
    'function* e(n) { yield n; }', 'function* g(n) { for (let i = 0; i < n; i++) yield i; }', 'function* ag() { yield 1; }',
    'async function* t(a, b) { yield a + b; }', 'const o = { *e({ x }) { yield x; } };', 'function f(a) { try { return a; } finally { a++; } }',
  ];
  const text = `${shapes.join('\n')}\nmodule.exports = [e, g, ag, t, o.e, f];\n`;
  const file = join(dir, `gen${files++}.cjs`);
  writeFileSync(file, text);
  const fns = require(file) as Function[];
  const url = pathToFileURL(file).href;
  const scriptId = withDebugger(() => [...knownScripts()].find((s) => s.url === url)?.scriptId);
  assert.ok(scriptId !== undefined);
  const sites = functionsIn(text, 'script', 'gen');
  const g = globalThis as Record<string, unknown>;
  g[LIVE_SLOTS] ??= [];
  g[ARMED_GLOBAL] ??= false;
  fns.forEach((fn, i) => {
    const index = sites.findIndex((s) => s.name === ['e', 'g', 'ag', 't', 'o.e', 'f'][i]);
    const code = instrumentLive(text, sites, LIVE_SLOTS, new Map([[index, index]]));
    assert.deepEqual([...unmappedFunctions(text, sites, code, functionsIn(code, 'script', 'gen'))], [], `predicted: ${shapes[i]}`);
    assert.equal(withDebugger(() => post<{ status: string }>('Debugger.setScriptSource', { scriptId, scriptSource: code }).status), 'Ok');
    assert.ok(Function.prototype.toString.call(fn).includes(LIVE_SLOTS), `patched: ${shapes[i]}`);
    withDebugger(() => post('Debugger.setScriptSource', { scriptId, scriptSource: text }));
  });
});
