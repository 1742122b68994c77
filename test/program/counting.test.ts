// Handlers that only count (program/counting.ts): which blocks are marked, and that counting by the
// site gives the maps what the handler would have, with --max-map-keys and clear() holding.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/lang/compile.js';
import { instantiate, makeRuntime, type Runtime } from '../../src/program/runtime.js';
import { countingHandler } from '../../src/program/counting.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

const out = { format: 'text' as const, text: () => {}, json: () => {} };

test('one `@m[k] = count()` keyed by what a site fixes is marked; anything more is not', () => {
  const marked = (program: string) => compile(program).probes.map((p) => p.counts !== undefined);
  assert.deepEqual(marked('fnret:a.js:* { @[func] = count() }'), [true]);
  assert.deepEqual(marked('fn:a.js:f { @ = count() }'), [true]);
  assert.deepEqual(marked('fn:a.js:* { @[probe, tid, "x", 1] = count() }'), [true]);
  assert.deepEqual(marked('fnret:a.js:* { @[arg0] = count() }'), [false], 'an argument differs per call');
  assert.deepEqual(marked('fnret:a.js:* /arg0 > 1/ { @ = count() }'), [false], 'a predicate');
  assert.deepEqual(marked('fnret:a.js:* { @ = count(); @n = count() }'), [false], 'two statements');
  assert.deepEqual(marked('fnret:a.js:* { @ = sum(1) }'), [false]);
  assert.deepEqual(marked('fnret:a.js:* { @[retval] = count() }'), [false]);
  assert.deepEqual(marked('fnret:a.js:* { @[elapsed] = count() }'), [false]);
});

/** `program`'s one probe on t.f and t.g, as the command registers it; `adds`: the handler's map updates. */
function probeBoth(program: string, t: object, maxMapKeys?: number): { rt: Runtime; adds: () => number } {
  const compiled = compile(program);
  const rt = makeRuntime(compiled, out, () => {}, maxMapKeys === undefined ? {} : { maxMapKeys });
  const m = rt.maps[0] as unknown as { add: (k: string, v: number) => void };
  const add = m.add;
  let adds = 0;
  m.add = (k, v) => { adds++; add(k, v); };
  const probe = compiled.probes[0];
  const handler = instantiate(rt, probe.source);
  countingHandler(rt, probe, handler);
  for (const key of ['f', 'g']) reg({ target: { object: t, key }, ...(probe.probe.kind === 'fnret' ? { onReturn: handler } : { onEntry: handler }) });
  return { rt, adds: () => adds };
}

test('@[func] = count() counted by the site: the map holds each function\'s calls', () => {
  const t = { f: (x: number) => x + 1, g: (x: number) => x * 2 };
  const { rt, adds } = probeBoth('fnret:bench.js:* { @[func] = count() }', t);
  for (let i = 0; i < 300; i++) t.f(i);
  for (let i = 0; i < 7; i++) t.g(i);
  assert.equal(adds(), 0, 'no handler ran');
  const m = rt.maps[0];
  assert.deepEqual([...m.entries].map(([k, v]) => [k.split('.').at(-1), (v as { n: number }).n]).sort(), [['f', 300], ['g', 7]]);
  assert.equal(m.dropped, 0);
  rt.close();
});

test('fn: @ = count(): one entry for every site, counted at entry', () => {
  const t = { f: (x: number) => x + 1, g: (x: number) => x * 2 };
  const { rt, adds } = probeBoth('fn:bench.js:* { @ = count() }', t);
  for (let i = 0; i < 100; i++) t.f(i);
  for (let i = 0; i < 50; i++) t.g(i);
  assert.equal(adds(), 0);
  assert.equal(rt.maps[0].get(''), 150);
  rt.close();
});

test('--max-map-keys holds: the key that does not fit is dropped at every hit, and counted', () => {
  const t = { f: (x: number) => x + 1, g: (x: number) => x * 2 };
  const { rt, adds } = probeBoth('fnret:bench.js:* { @[func] = count() }', t, 1);
  for (let i = 0; i < 10; i++) t.f(i);
  for (let i = 0; i < 4; i++) t.g(i);
  const m = rt.maps[0];
  assert.equal(m.entries.size, 1);
  assert.equal(m.dropped, 4);
  assert.equal(adds(), 4, 'the site that found the map full ran its handler, which counted the drop');
  rt.close();
});

test('clear() empties the map; the next hits count into new entries, not the ones cleared', () => {
  const t = { f: (x: number) => x + 1, g: (x: number) => x * 2 };
  const { rt } = probeBoth('fnret:bench.js:* { @[func] = count() }', t);
  for (let i = 0; i < 10; i++) t.f(i);
  const m = rt.maps[0];
  m.clear();
  assert.equal(m.entries.size, 0);
  t.f(1);
  t.f(2);
  assert.deepEqual([...m.entries.values()].map((v) => (v as { n: number }).n), [2]);
  m.delete([...m.entries.keys()][0]);
  t.f(3);
  assert.deepEqual([...m.entries.values()].map((v) => (v as { n: number }).n), [1]);
  rt.close();
});
