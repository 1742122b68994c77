// A function of an ES module called before that module's body has run (through an import cycle),
// while a site elsewhere is armed: its rewritten code must call straight through. It once read
// the runtime that the module's prologue had not yet taken, and threw a TypeError into the program.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsprobe } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'jsprobe-cycle-'));
// main imports c (its g armed and called first), then a; a imports b, which calls a's functions
// before a's body runs: sync, async, a generator, and one that reads more than four arguments.
writeFileSync(join(dir, 'c.mjs'), 'export function g() { return 1; }\n');
writeFileSync(join(dir, 'a.mjs'), [
  "import { early } from './b.mjs';",
  'export function f(x) { return x + 1; }',
  'export async function fa(x) { return x + 2; }',
  'export function* fg(x) { yield x + 3; }',
  'export function many() { return arguments.length; }',
  'console.log(JSON.stringify({ early, late: [f(1), many(1, 2, 3, 4, 5, 6)] }));',
  '',
].join('\n'));
writeFileSync(join(dir, 'b.mjs'), [
  "import { f, fa, fg, many } from './a.mjs';",
  'export const early = [f(1), await fa(1), [...fg(1)][0], many(1, 2, 3, 4, 5, 6)];',
  '',
].join('\n'));
writeFileSync(join(dir, 'main.mjs'), "import { g } from './c.mjs';\ng();\nawait import('./a.mjs');\n");

test('functions of a module called through an import cycle before its body ran: the program runs as unprobed; later calls are seen', () => {
  const program = [
    `fn:${dir}/c.mjs:g { @g = count() }`,
    `fn:${dir}/a.mjs:f { @f = count() }`, `fn:${dir}/a.mjs:fa { @fa = count() }`, `fn:${dir}/a.mjs:fg { @fg = count() }`,
    `fnret:${dir}/a.mjs:many { @many = count() }`,
  ].join(' ');
  const r = jsprobe(['-e', program, '-c', `node ${join(dir, 'main.mjs')}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /TypeError/);
  assert.match(r.stdout, /^\{"early":\[2,3,4,6\],"late":\[2,6\]\}$/m, r.stdout);
  assert.match(r.stdout, /^@g: 1$/m, r.stdout);
  // The calls before a's body ran are not seen (its sites did not exist yet); those after are.
  assert.match(r.stdout, /^@f: 1$/m, r.stdout);
  assert.match(r.stdout, /^@many: 1$/m, r.stdout);
});
