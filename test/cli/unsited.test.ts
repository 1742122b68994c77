// A function whose body a site's try block cannot hold (it declares a name both as a function
// and as a var) gets no site: the program loads and runs as it would, its other functions are
// probed, and a probe naming it says why it never fires.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe } from './run.js';

const FILE = 'test/fixtures/cli/unsited.cjs';

test('a return probe on every function of the file: the program runs, and the functions with sites count', () => {
  const r = jsprobe(['-q', '-e', `fnret:${FILE}:* { @[func] = count() }`, '-c', `node ${FILE}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^total 15$/m);
  assert.match(r.stdout, /^@\[helper\]: 5$/m);
  assert.doesNotMatch(r.stdout, /^@\[f\]/m);
  // Said before the program starts: the pattern fires in the others, and never in this one.
  assert.match(r.stderr, /fnret:test\/fixtures\/cli\/unsited\.cjs:\*: f \(\/.*\/unsited\.cjs:4\) has no probe site, so it never fires there: /);
  assert.match(r.stderr, /never fires there: its body declares g twice/);
});

test('-l and --dry-run mark the function without a site; a name pattern that matches only it says why at the end', () => {
  const l = jsprobe(['-l', `${FILE}:*`]);
  assert.equal(l.code, 0, l.stderr);
  assert.match(l.stdout, /^fn:test\/fixtures\/cli\/unsited\.cjs:f {2}\/.*unsited\.cjs:4 {2}\(no load site: its body declares g twice\)$/m);
  assert.match(l.stdout, /^fn:test\/fixtures\/cli\/unsited\.cjs:helper {2}\/.*unsited\.cjs:11$/m);
  const dry = jsprobe(['--dry-run', '-e', `fnret:${FILE}:* { @ = count() }`, '-c', `node ${FILE}`]);
  assert.match(dry.stdout, /^ {4}test\/fixtures\/cli\/unsited\.cjs:f \(\/.*unsited\.cjs:4\) \(no probe site\)$/m);
  // Under -p such a function, loaded already, gets a breakpoint site: nothing to say.
  const attach = jsprobe(['--dry-run', '-p', String(process.pid), '-e', `fnret:${FILE}:* { @ = count() }`]);
  assert.equal(attach.code, 0, attach.stderr);
  assert.match(attach.stdout, /^ {4}test\/fixtures\/cli\/unsited\.cjs:f \(\/.*unsited\.cjs:4\)$/m);
  assert.doesNotMatch(attach.stderr, /no probe site/);
  const r = jsprobe(['-q', '-e', `fnret:${FILE}:*f { @ = count() }`, '-c', `node ${FILE}`]);
  assert.equal(r.code, 0, r.stderr);
  const why = /fnret:test\/fixtures\/cli\/unsited\.cjs:\*f never matched a function that ran \(f \(test\/fixtures\/cli\/unsited\.cjs:4\) has no probe site/;
  assert.match(r.stderr, why);
});

test('a probe naming that function says why it has no site', () => {
  const r = jsprobe(['-q', '-e', `fnret:${FILE}:f { @ = count() }`, '-c', `node ${FILE}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^total 15$/m);
  assert.match(r.stderr, /f \(test\/fixtures\/cli\/unsited\.cjs:4\) has no probe site: its body declares g as a function at its top level and again/);
  // A pattern of files: the note names the file the function is in.
  const glob = jsprobe(['-q', '-e', 'fnret:test/fixtures/cli/unsit*.cjs:f { @ = count() }', '-c', `node ${FILE}`]);
  assert.equal(glob.code, 0, glob.stderr);
  assert.match(glob.stderr, /f \(\/.*\/test\/fixtures\/cli\/unsited\.cjs:4\) has no probe site/);
});

test('counted alone at entry, its body is not wrapped, and it is counted', () => {
  const r = jsprobe(['-q', '-e', `fn:${FILE}:* { @[func] = count() }`, '-c', `node ${FILE}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@\[f\]: 5$/m);
  assert.match(r.stdout, /^@\[helper\]: 5$/m);
  assert.doesNotMatch(r.stderr, /no probe site/);
});

const KINDS = 'test/fixtures/cli/unsited-kinds.cjs';

test('an entry count that reaches the sync functions without a site, counted alone, is warned only of the async one', () => {
  const r = jsprobe(['-q', '-e', `fn:${KINDS}:* { @[func] = count() }`, '-c', `node ${KINDS}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@\[sf\]: 3$/m);
  assert.match(r.stdout, /^@\[A\.prototype\.m\]: 3$/m);
  assert.match(r.stderr, /: af \(\/.*unsited-kinds\.cjs:11\) has no probe site, so it never fires there: its body declares h twice/);
  assert.doesNotMatch(r.stderr, /sf \(|A\.prototype\.m \(/);
  // Another probe wants the file: it is rewritten with whole sites, and none of the three is counted.
  const both = jsprobe(['-q', '-e', `fn:${KINDS}:* { @[func] = count() } fnret:${KINDS}:ok { @r = count() }`, '-c', `node ${KINDS}`]);
  assert.equal(both.code, 0, both.stderr);
  assert.doesNotMatch(both.stdout, /^@\[sf\]/m);
  assert.match(both.stderr, /3 of the \d+ functions it matches have no probe site, so it never fires in them: A\.prototype\.m .*, af .*, sf /);
});

test('a probe naming a method without a site by its other name says why at the end', () => {
  const r = jsprobe(['-q', '-e', `fnret:${KINDS}:A.m { @ = count() }`, '-c', `node ${KINDS}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /fnret:test\/fixtures\/cli\/unsited-kinds\.cjs:A\.m never matched a function that ran \(A\.prototype\.m \(.*:5\) has no probe site/);
});
