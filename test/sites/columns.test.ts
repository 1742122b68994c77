// Positions of rewritten code back to the original's (sites/load/columns.ts), as ustack reads
// them: the insertions a module hands over, and its own source map, decoded without a library.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import { originalColumn, originalPosition, parseMap, parseShifts } from '../../src/sites/load/columns.js';
import { instrument, shiftsText } from '../../src/sites/rewrite/instrument.js';

test('every marked token of one-line functions maps back to its original column', () => {
  const src = [
    "'use strict'",
    'function A(s) { return B(s) + C(s); } const B = (s) => s.M1, C = async (s) => { return s.M2 };',
    'class K { m(x) { if (x) return M3(x); return M4 } } function M3(v) { return v } const M4 = 1;',
  ].join('\n');
  const out = instrument(src, { url: 'file:///x.js', format: 'script' });
  const shifts = parseShifts(shiftsText(out.table.shifts));
  const code = out.code.split('\n');
  src.split('\n').forEach((line, i) => {
    for (const mark of line.match(/\bM\d\b/g) ?? []) {
      const original = line.indexOf(mark);
      const running = code[i].indexOf(mark);
      assert.ok(running > original || i === 0, `${mark}: the rewrite inserted text before it`);
      assert.equal(originalColumn(shifts, i, running), original, mark);
    }
  });
  // The module hands them over in a function after its last line, which moves no line.
  assert.equal(code.length, src.split('\n').length + 1);
});

test('a column inside inserted text is the column the text went before', () => {
  const shifts = parseShifts('3:5,10,8,2');
  assert.equal(originalColumn(shifts, 3, 4), 4);
  assert.equal(originalColumn(shifts, 3, 5), 5);
  assert.equal(originalColumn(shifts, 3, 14), 5);
  assert.equal(originalColumn(shifts, 3, 15), 5);
  assert.equal(originalColumn(shifts, 3, 18), 8);
  assert.equal(originalColumn(shifts, 3, 20), 8);
  assert.equal(originalColumn(shifts, 3, 21), 9);
  assert.equal(originalColumn(shifts, 2, 21), 21);
});

test('a module\'s own source map decodes as the codec encodes it, and positions map through it', () => {
  const lines: SourceMapSegment[][] = [
    [[0, 0, 0, 0], [7, 0, 0, 9], [20, 1, 40, 3, 0]],
    [],
    [[2], [4, 1, 3, 1000], [4000, 0, 2, 2]],
  ];
  const map = parseMap(JSON.stringify({ sources: ['/a.ts', '/b.ts'], mappings: encode(lines) }));
  assert.ok(map !== null);
  // A one-field segment (no source) keeps the running source position; only its source, -1, is read.
  assert.deepEqual(map.lines, [[0, 0, 0, 0, 7, 0, 0, 9, 20, 1, 40, 3], [], [2, -1, 40, 3, 4, 1, 3, 1000, 4000, 0, 2, 2]]);
  assert.deepEqual(originalPosition(map, 0, 8), { file: '/a.ts', line: 0, column: 9 });
  assert.deepEqual(originalPosition(map, 0, 25), { file: '/b.ts', line: 40, column: 3 });
  assert.equal(originalPosition(map, 2, 3), null);
  assert.deepEqual(originalPosition(map, 2, 4500), { file: '/a.ts', line: 2, column: 2 });
  assert.equal(originalPosition(map, 1, 0), null);
  assert.equal(parseMap('{"sources":[],"mappings":"A!"}'), null);
});
