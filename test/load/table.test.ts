// A module's table, decoded once where the main thread reads it: named records with the slot of
// each site, the line each line site was asked for, and each function's original source.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTable, functionAt, lineAt } from '../../src/sites/load/table.js';
import { functionRow, functionSlots, lineKey } from '../../src/sites/rewrite/abi.js';
import { instrument } from '../../src/sites/rewrite/instrument.js';

const src = 'function a() {}\nasync function b() { return 1 }\nfunction c(p) {\n  const x = 1\n  return x + p\n}\n';

test('a table decodes to named records: functions then lines, each with its slot', () => {
  const out = instrument(src, {
    url: 'file:///m.js',
    format: 'script',
    lines: [{ line: 5, column: 0, key: lineKey(1, 7) }],
    origin: (line) => ({ source: line === 2 ? -1 : 0, name: null }),
  });
  const t = decodeTable(JSON.stringify({ ...out.table, file: '/m.js', sources: ['/src/a.ts', '/src/b.ts'] }));
  assert.equal(t.file, '/m.js');
  assert.equal(t.slots, 4);
  assert.equal(t.mapped, true);
  assert.deepEqual(t.fns.map((f) => [f.name, f.kind, f.line, f.column, f.deferred, f.slot, f.source]), [
    ['a', 'function', 1, 0, false, 0, 0],
    ['b', 'function', 2, 0, true, 1, -1],
    ['c', 'function', 3, 0, false, 2, 0],
  ]);
  assert.deepEqual(t.lines.map((l) => [l.line, l.column, l.locals, l.slot, l.asked]), [[5, 2, ['x', 'p'], 3, { source: 1, line: 7 }]]);
  assert.equal(functionAt(t, 1)?.name, 'b');
  assert.equal(functionAt(t, 3), undefined);
  assert.equal(lineAt(t, 3)?.line, 5);
  assert.equal(lineAt(t, 2), undefined);
});

test('without a source map or a file, a table says so', () => {
  const out = instrument(src, { url: 'file:///tmp/m.js', format: 'script' });
  const t = decodeTable(JSON.stringify(out.table));
  assert.equal(t.mapped, false);
  assert.equal(t.file, '/tmp/m.js');
  assert.deepEqual(t.sources, []);
  assert.equal(t.fns[0].source, undefined);
});

test('a function row round-trips through its named record', () => {
  const row = functionRow({ name: 'A.prototype.m', aliases: ['A.m'], kind: 'method', line: 3, column: 2, deferred: true });
  assert.deepEqual(row, ['A.prototype.m', ['A.m'], 'method', 3, 2, 1]);
  const [slot] = functionSlots([row], [4]);
  assert.deepEqual(slot, { name: 'A.prototype.m', aliases: ['A.m'], kind: 'method', line: 3, column: 2, deferred: true, slot: 0, source: 4 });
  assert.deepEqual(functionRow(slot), row);
});
