// The line and caret Node prints above an uncaught exception, where they come from the error's own
// stack (docs/load-sites.md, "What stays the same"): an error that ends an ES module's evaluation
// and an async function's unhandled rejection print the same under jsprobe -c as without, though
// the error passed through sites that caught and rethrew it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { jsprobe, ROOT } from './run.js';

/** What stderr holds before its first empty line: the file and line, the source line, the caret. */
function head(stderr: string): string {
  return stderr.slice(0, stderr.indexOf('\n\n'));
}

function plain(args: string[]): string {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  return r.stderr;
}

for (const [file, mode] of [['uncaught-esm.mjs', 'sync'], ['uncaught-esm.mjs', 'async'], ['uncaught-async.cjs', 'async']]) {
  test(`${file} ${mode}: the line Node prints is the program's, under jsprobe -c as without`, () => {
    const path = `test/fixtures/cli/${file}`;
    const want = head(plain([path, mode]));
    assert.match(want, /throw new Error\('too many'\);\n +\^/);
    const r = jsprobe(['-q', '-e', `fnret:${path}:* { @[func, threw] = count() }`, '-c', `node ${path} ${mode}`]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(head(r.stderr), want);
    // The sites were there: the call that threw was seen ending so.
    assert.match(r.stdout, /^@\[check, true\]: 1$/m);
  });
}
