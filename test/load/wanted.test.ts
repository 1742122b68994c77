// What the load hooks are asked to instrument: one entry however many probes want the same file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentWanted, want } from '../../src/sites/load/wanted.js';

test('a file wanted by many probes is listed once, until the last of them lets go', () => {
  const file = '/nowhere/wanted-test.js';
  const listed = () => currentWanted().filter((w) => w.file === file);
  const a = want({ file, lines: [] });
  const b = want({ file, lines: [] });
  const c = want({ file, lines: [3] });
  assert.deepEqual(listed(), [{ file, lines: [] }, { file, lines: [3] }]);
  a();
  a(); // letting go twice counts once
  assert.deepEqual(listed(), [{ file, lines: [] }, { file, lines: [3] }]);
  b();
  assert.deepEqual(listed(), [{ file, lines: [3] }]);
  c();
  assert.deepEqual(listed(), []);
});
