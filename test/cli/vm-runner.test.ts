// A module that a test runner compiles itself with node:vm (jest's module loader, vitest's module
// evaluator) never comes through jsprobe's load hooks, so it gets no probe sites: the program runs
// as it would without jsprobe, and the probe's "never matched" says why and where the docs say
// what to do (docs/cli.md, "Test runners"). Until 2026-12 it said only "never matched a function
// that ran", which read as though the suite had not called the function at all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { jsprobe, ROOT } from './run.js';

const RUNNER = 'test/fixtures/cli/vm-runner/runner.cjs';
const MATH = 'test/fixtures/cli/vm-runner/math.cjs';

test('a module compiled with node:vm by a runner: the program runs unchanged, and "never matched" says why', () => {
  const plain = spawnSync(process.execPath, [RUNNER], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(plain.status, 0, plain.stderr);
  const r = jsprobe(['-q', '-e', `fn:${MATH}:add { @n = count() }`, '-c', `node ${RUNNER}`]);
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, detail);
  assert.equal(r.stdout, plain.stdout, detail);
  assert.equal(r.stderr, `jsprobe: fn:${MATH}:add never matched a function that ran (no file it names was loaded by require or import in a `
    + 'traced process; a test runner that compiles modules itself with node:vm (jest, vitest) runs them out of jsprobe\'s sight: '
    + 'see "Test runners" in docs/cli.md)\n', detail);
});
