// The function name a target string ends with: what `func` is for a probe on one function.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { funcOf } from '../../src/core/func-of.js';

test('funcOf: an export\'s path, or a file target\'s name, # and all', () => {
  assert.equal(funcOf('node:fs#readFile'), 'readFile');
  assert.equal(funcOf('pg#Client.prototype.query'), 'Client.prototype.query');
  assert.equal(funcOf('src/db.js:Db.query'), 'Db.query');
  // A `#` after the file's `:` is the name's: a private method, a function with no name of its own.
  assert.equal(funcOf('src/db.js:Db.prototype.#count'), 'Db.prototype.#count');
  assert.equal(funcOf('/app/lib/router.js:proto.handle.anonymous#2'), 'proto.handle.anonymous#2');
});
