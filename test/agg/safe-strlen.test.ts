// The string bound's rules (agg/safe-strlen.ts): a string over the bound is cut to it, and one
// longer than UNREAD_FACTOR times the bound is not read at all, whatever it holds (the rule is on
// the length: a rope and a flat string of one length are alike); both counted apart, and said at
// the end in a line each (or a JSON object each).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clip, clipRead, cutsIn, cutText, printCut, resetStrlen, STRLEN, UNREAD_FACTOR, withCutRecord,
} from '../../src/agg/safe-strlen.js';
import { formatValue } from '../../src/agg/safe-format.js';
import { jsonCopy } from '../../src/agg/safe-json.js';
import type { MapData } from '../../src/agg/maps.js';
import { safeGet, safeMethod } from '../../src/program/runtime.js';

/** A string of `n` characters that V8 keeps as a rope (built by `+`): any read of a character would flatten it. */
function rope(n: number): string {
  return 'a'.repeat(n - 1) + 'b';
}

test('the limit is UNREAD_FACTOR times the bound: 262,144 characters at the default 4,096', () => {
  resetStrlen();
  assert.equal(UNREAD_FACTOR, 64);
  assert.equal(STRLEN.max * UNREAD_FACTOR, 262_144);
});

test('a string within the limit is cut to the bound and counted as cut', () => {
  resetStrlen();
  const s = clip('a'.repeat(262_144));
  assert.equal(s.length, 4096);
  assert.ok(s.endsWith('a...'));
  assert.deepEqual({ cut: STRLEN.cut, unread: STRLEN.unread }, { cut: 1, unread: 0 });
});

test('a string over the limit is the marker alone, counted as not read: a rope and a flat string alike', () => {
  resetStrlen();
  assert.equal(clip(rope(262_145)), '...');
  assert.equal(clipRead('a'.repeat(262_145)), '...');
  assert.equal(clip(rope(20e6)), '...');
  assert.deepEqual({ cut: STRLEN.cut, unread: STRLEN.unread }, { cut: 0, unread: 3 });
  // Uncounted, for a caller that counts: the same text.
  assert.equal(cutText(rope(20e6)), '...');
  assert.equal(STRLEN.unread, 3);
});

test('the limit follows --max-strlen; a bound under the marker keeps its first characters', () => {
  resetStrlen(10);
  assert.equal(clip('x'.repeat(640)), 'xxxxxxx...');
  assert.equal(clip('x'.repeat(641)), '...');
  resetStrlen(2);
  assert.equal(clip('x'.repeat(128)), 'xx');
  assert.equal(clip('x'.repeat(129)), '..');
  assert.deepEqual({ cut: STRLEN.cut, unread: STRLEN.unread }, { cut: 1, unread: 1 });
  resetStrlen();
});

test('the formatter and the JSON copy leave a nested string over the limit unread, and count it', () => {
  resetStrlen(50);
  assert.equal(formatValue({ body: rope(5000), n: 1 }), "{ body: ''... 5000 more characters, n: 1 }");
  assert.equal(formatValue(new Error(rope(5000))), '[Error: ...]');
  assert.equal(STRLEN.unread, 2);
  resetStrlen(50);
  assert.deepEqual({ ...(jsonCopy({ b: rope(5000) }) as object) }, { b: '...' });
  assert.deepEqual({ cut: STRLEN.cut, unread: STRLEN.unread }, { cut: 0, unread: 1 });
  resetStrlen();
});

test('safe mode\'s index reads and pure methods do not read a string over the limit either', () => {
  resetStrlen(50);
  const r = rope(5000);
  assert.equal(safeGet(r, 'length'), 5000);
  assert.equal(safeGet(r, '1'), '.');
  assert.equal(safeGet(r, '3'), undefined);
  assert.equal(safeMethod(r, 'slice', [0, 10]), '...');
  // An element of a joined array: the marker in its place.
  assert.equal(safeMethod(['x', r], 'join', ['-']), 'x-...');
  assert.deepEqual({ cut: STRLEN.cut, unread: STRLEN.unread }, { cut: 0, unread: 4 });
  resetStrlen();
});

test('the counts travel with the maps as records, add up, and are said at the end', () => {
  resetStrlen();
  clip('a'.repeat(5000));
  clip(rope(1e6));
  clip(rope(1e6));
  const data = withCutRecord([] as MapData[]);
  const n = cutsIn([...data, ...data]);
  assert.deepEqual(n, { cut: 2, unread: 4 });
  let text = '';
  printCut({ format: 'text', text: (s) => (text += s), json: () => {} }, n, 4096);
  assert.equal(text, '2 strings cut at --max-strlen (4096)\n' +
    '4 strings not read: longer than 262144 characters (64 × --max-strlen), whose read could stall the program\n');
  const json: unknown[] = [];
  printCut({ format: 'json', text: () => {}, json: (o) => json.push(o) }, { cut: 0, unread: 1 }, 4096);
  assert.deepEqual(json, [{ type: 'strings_unread', data: { count: 1, max_chars: 262144, max_strlen: 4096 } }]);
  resetStrlen();
});
