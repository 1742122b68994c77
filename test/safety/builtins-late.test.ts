// A child process that replaces JavaScript's built-ins before the file a probe names loads. Where
// Node runs module hooks in the loading thread (module.registerHooks, Node >= 22.15), such a child
// loads jsprobe's runtime only at its first matching source (cli/child-watch.ts): after the
// program's code. The runtime takes the built-ins as it loads, and would have taken the program's
// and called them (JSON.stringify at every printf): it runs untraced instead, and says why
// (cli/late-builtins.ts), unless JSPROBE_CHILD_LAZY=0 has it load at the child's start. Where the
// runtime loads at the child's start (Node 20, older 22), the child is traced and calls none of
// them. A child that replaced nothing is traced either way.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { jsprobe } from '../cli/run.js';

const DIR = 'test/fixtures/safety/late';
const PROGRAM = `fnret:${DIR}/target.cjs:work { @[retval] = count(); printf("%d\\n", retval) }`;
const late = typeof (createRequire(import.meta.url)('node:module') as { registerHooks?: unknown }).registerHooks === 'function';

/**
 * A run of kid.cjs in `mode`, which replaces before its probed file loads what `named` matches
 * among the names the line gives: untraced, and saying so, where the runtime loads late; traced
 * where it loads at the child's start. jsprobe calls none of the replacements either way.
 */
function replacedBefore(mode: string, named: string, untilLoaded = ''): void {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${DIR}/parent.cjs ${mode}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^kid: sum 6; built-ins of the program's called by jsprobe: none$/m);
  if (late) {
    const why = `its program replaced built-ins that jsprobe's runtime would call \\([^)]*(${named})[^)]*\\) before`;
    assert.match(r.stderr, new RegExp(`^jsprobe: process \\d+ runs untraced: ${why}${untilLoaded}`, 'm'));
    assert.doesNotMatch(r.stdout, /^@\[/m);
  } else {
    assert.match(r.stdout, /^@\[4\]: 1$/m);
    assert.doesNotMatch(r.stderr, /runs untraced/);
  }
}

test('a child that replaced built-ins before its probed file loaded: none called by jsprobe; untraced where its runtime loads late, and says so', () => {
  replacedBefore('replace', 'Array\\.prototype|JSON|Object|String\\.prototype', ' the first file a probe names loaded');
});

test("a child that replaced Node's functions the runtime takes as it loads (timers, queueMicrotask, hrtime…): untraced where it loads late", () => {
  replacedBefore('node', 'setInterval|queueMicrotask|process\\.hrtime');
});

test("a child whose program replaced Module.prototype.require (require-in-the-middle's way) first: traced, its require not called", () => {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${DIR}/parent.cjs require`]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /runs untraced/);
  assert.match(r.stdout, /^@\[4\]: 1$/m);
  assert.match(r.stdout, /^kid: sum 6; built-ins of the program's called by jsprobe: none$/m);
});

test('a child that replaced nothing is traced, its runtime loaded at its first matching source where Node can', () => {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${DIR}/parent.cjs clean`]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /runs untraced/);
  assert.match(r.stdout, /^@\[0\]: 1$/m);
  assert.match(r.stdout, /^@\[4\]: 1$/m);
  assert.match(r.stdout, /^kid: sum 6; built-ins of the program's called by jsprobe: none$/m);
});

test('JSPROBE_CHILD_LAZY=0: the child loads the runtime at its start, before its program replaces built-ins, and is traced, calling none of them', () => {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${DIR}/parent.cjs replace`], 120_000, { JSPROBE_CHILD_LAZY: '0' });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /runs untraced/);
  assert.match(r.stdout, /^@\[4\]: 1$/m);
  assert.match(r.stdout, /^kid: sum 6; built-ins of the program's called by jsprobe: none$/m);
});
