// -f folded: stack keys (stack's shape and ustack's) as root-first folded lines; other maps as text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldedLine, stackFrames } from '../../src/agg/folded.js';
import { AggMap } from '../../src/agg/maps.js';
import { printMaps, type Output } from '../../src/agg/print.js';

const STACK = '    at leaf (/app/a.js:3:9)\n    at mid (/app/a.js:7:3)\n    at Object.<anonymous> (/app/a.js:10:1)';
const USTACK = '\n        leaf (/app/a.js:3:9)\n        mid (/app/a.js:7:3)\n';

test('the frames of a stack key, innermost first, in either shape', () => {
  assert.deepEqual(stackFrames(STACK), ['leaf (/app/a.js:3:9)', 'mid (/app/a.js:7:3)', 'Object.<anonymous> (/app/a.js:10:1)']);
  assert.deepEqual(stackFrames(USTACK), ['leaf (/app/a.js:3:9)', 'mid (/app/a.js:7:3)']);
  assert.deepEqual(stackFrames(''), []);
  for (const notStack of ['n1', 'at x', '    at a\nplain', '\n        a', '\n\n', '    at a\n']) assert.equal(stackFrames(notStack), undefined, notStack);
});

test('a folded line: root first, ; between frames, ; inside a frame replaced', () => {
  assert.equal(foldedLine(['c', 'b', 'a'], '7'), 'a;b;c 7');
  assert.equal(foldedLine(['f (/x;y.js:1:1)'], '2'), 'f (/x_y.js:1:1) 2');
  assert.equal(foldedLine([], '3'), '[unknown] 3');
});

test('printMaps -f folded: stack maps folded, other maps as text', () => {
  const info = (name: string, agg: 'count' | 'hist' | 'sum', keys = 1) => ({ name, index: 0, agg, keys, at: 0 });
  const stacks = AggMap.of(info('s', 'count'));
  stacks.add(STACK, 1);
  stacks.add(STACK, 1);
  stacks.add(USTACK, 1);
  const lat = AggMap.of(info('lat', 'hist'));
  lat.add(STACK, 5);
  const plain = AggMap.of(info('n', 'sum'));
  plain.add('k', 4);
  const lines: string[] = [];
  const out: Output = { format: 'folded', text: (s) => void lines.push(s), json: () => assert.fail('no JSON') };
  printMaps(out, [stacks, lat, plain]);
  assert.deepEqual(lines, [
    'mid (/app/a.js:7:3);leaf (/app/a.js:3:9) 1\nObject.<anonymous> (/app/a.js:10:1);mid (/app/a.js:7:3);leaf (/app/a.js:3:9) 2\n',
    'Object.<anonymous> (/app/a.js:10:1);mid (/app/a.js:7:3);leaf (/app/a.js:3:9) 1\n',
    '@n[k]: 4\n\n',
  ]);
});
