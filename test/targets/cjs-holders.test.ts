// Which functions of a CommonJS file its exports hold, read from the text alone (what --dry-run -p
// says would get a wrap site where the target makes no live edit), and when the text cannot say.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cjsHolders } from '../../src/targets/cjs-holders.js';

const root = mkdtempSync(join(tmpdir(), 'jsprobe-cjs-holders-'));
after(() => rmSync(root, { recursive: true, force: true }));

function holders(name: string, src: string): ReturnType<typeof cjsHolders> {
  const file = join(root, name);
  writeFileSync(file, src);
  return cjsHolders(file);
}

test('the forms read: module.exports = {…}, module.exports.K = …, exports.K = …, classes and objects below them', () => {
  const h = holders('a.cjs', `
async function handleUser(req) { return req; }
function helper() {}
function inner() {}
class Store { get(k) { return k; } static make() {} }
async function other() {}
exports.x = async function (r) { return r; };
module.exports.direct = async function named() {};
module.exports.Store = Store;
module.exports.api = { other };
module.exports.handleUser = handleUser;
`);
  assert.equal(h.unsure, false);
  assert.equal(h.holderOf('handleUser'), 'module.exports.handleUser');
  assert.equal(h.holderOf('x'), 'module.exports.x');
  assert.equal(h.holderOf('direct'), 'module.exports.direct');
  assert.equal(h.holderOf('Store.prototype.get'), 'module.exports.Store.prototype.get');
  assert.equal(h.holderOf('Store.make'), 'module.exports.Store.make');
  assert.equal(h.holderOf('other'), 'module.exports.api.other');
  assert.equal(h.holderOf('helper'), undefined);
  assert.equal(h.holderOf('inner'), undefined);

  const b = holders('b.cjs', 'async function handleUser() {}\nfunction helper() {}\nmodule.exports = { handleUser, h: helper };\n');
  assert.equal(b.holderOf('handleUser'), 'module.exports.handleUser');
  assert.equal(b.holderOf('helper'), 'module.exports.h');
});

test('a function exported as the module itself is held by no property; nothing exported, none held, and sure of it', () => {
  const c = holders('c.cjs', 'async function handleUser() {}\nmodule.exports = handleUser;\n');
  assert.equal(c.holderOf('handleUser'), undefined);
  assert.equal(c.unsure, false);
  const d = holders('d.cjs', 'async function handle() {}\nsetInterval(handle, 20);\n');
  assert.equal(d.holderOf('handle'), undefined);
  assert.equal(d.unsure, false);
});

test('exports made another way, an ES module, a file that does not parse', () => {
  const e = holders('e.cjs', 'async function handle() {}\nObject.assign(module.exports, { handle });\n');
  assert.equal(e.holderOf('handle'), undefined);
  assert.equal(e.unsure, true);
  const m = holders('m.mjs', 'export async function handle() {}\n');
  assert.equal(m.holderOf('handle'), undefined);
  assert.equal(m.unsure, false);
  assert.equal(holders('bad.cjs', 'function (').unsure, true);
});

/** `text` as file `name`: its holders are unsure, and the value module.exports is given is said as `assigned`. */
function assertUnsure(name: string, text: string, assigned: string): void {
  const h = holders(name, text);
  assert.equal(h.unsure, true, text);
  assert.equal(h.assigned, assigned, text);
}

test('module.exports = a value only running the file gives (a re-export by require, a call): unsure, and the value said', () => {
  assertUnsure('r.cjs', "module.exports = require('./lib/express');\n", "require('./lib/express')");
  assertUnsure('f.cjs', 'function make() { return {}; }\nmodule.exports = make();\n', 'make()');
  // `exports = module.exports = f` names one value twice: read as module.exports = f.
  const c = holders('chain.cjs', 'function app() {}\nfunction handle() {}\nexports = module.exports = app;\nexports.handle = handle;\n');
  assert.equal(c.unsure, false);
  assert.equal(c.assigned, undefined);
  assert.equal(c.holderOf('handle'), 'module.exports.handle');
});

test('module.exports = a name bound to such a value (const lib = require(…)) is unsure too; a name of a function, class or object literal is not', () => {
  assertUnsure('named.cjs', "const lib = require('./lib/express');\nmodule.exports = lib;\n", "lib = require('./lib/express')");
  assertUnsure('later.cjs', "let lib;\nlib = require('./a');\nmodule.exports = lib;\n", 'lib');
  for (const text of ['const f = function () {};\n', 'const f = () => 1;\n', 'const f = class {};\n', 'const f = { a() {} };\n', 'function f() {}\n']) {
    const k = holders('known.cjs', `${text}module.exports = f;\n`);
    assert.equal(k.assigned, undefined, text);
    assert.equal(k.unsure, false, text);
  }
});
