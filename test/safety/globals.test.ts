// A program that guesses jsprobe's global keys (a getter at each, defined before jsprobe loads)
// and replaces queueMicrotask, Symbol.for, JSON (the object and its methods), BigInt and RegExp
// once jsprobe has loaded: registering probes on a breakpoint site and a live site (which parses
// the script), their hits and their removal call none of its versions, and the probes run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { jsprobe, ROOT } from '../cli/run.js';

test('breakpoint and live sites in a program with getters at guessable keys and its own queueMicrotask, Symbol.for, JSON, BigInt and RegExp', () => {
  const api = pathToFileURL(join(ROOT, 'build/src/index.js')).href;
  const r = spawnSync(process.execPath, [join(ROOT, 'test/fixtures/safety/globals.mjs'), api], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /program's .* called/, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { bp: 5, live: 5, calls: 0 });
});

test('jsprobe\'s own globals are not enumerable: the traced program\'s Object.keys(globalThis) is what it is without jsprobe', () => {
  const F = 'test/fixtures/safety/global-keys.cjs';
  const plain = spawnSync(process.execPath, [F], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(plain.status, 0, plain.stderr);
  // A count alone (the counting flag) and a probe that takes the call (the armed flag).
  for (const program of [`fn:${F}:keys { @n = count() }`, `fn:${F}:keys { @n[probe] = count() }`]) {
    const r = jsprobe(['-q', '-e', program, '-c', `node ${F}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], plain.stdout.trim(), program);
  }
});
