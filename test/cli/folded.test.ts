// -f folded end to end: a real program whose leaf is reached by two call paths; its stack map
// prints as folded stacks (root first, one line per path, with its count), other maps as text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe } from './run.js';

const PATHS = 'test/fixtures/cli/paths.cjs';

test('-f folded: a map keyed by stack as flamegraph.pl reads it, the others as text', () => {
  const r = jsprobe(['-q', '-f', 'folded', '-e', `fn:${PATHS}:leaf { @[stack] = count(); @calls = count() }`, '-c', `node ${PATHS}`]);
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, detail);
  const lines = r.stdout.split('\n');
  const frame = (name: string) => `${name} \\(/[^;]*/paths\\.cjs:\\d+:\\d+\\)`;
  // Sorted by count, smallest first, as every map prints: viaA's 3 calls, then viaB's 5.
  assert.match(lines[0], new RegExp(`^([^;]+;)*${frame('viaA')};${frame('leaf')} 3$`), detail);
  assert.match(lines[1], new RegExp(`^([^;]+;)*${frame('viaB')};${frame('leaf')} 5$`), detail);
  assert.deepEqual(lines.slice(2), ['@calls: 8', '', ''], detail);
});

test('-f json and text are unchanged by a stack key; -f takes folded', () => {
  const r = jsprobe(['-q', '-e', `fn:${PATHS}:leaf { @[stack] = count() }`, '-c', `node ${PATHS}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@\[[^]*viaA[^]*\]: 3\n/, r.stdout);
  assert.doesNotMatch(r.stdout, /;leaf/, r.stdout);
  const bad = jsprobe(['-f', 'flame', '-e', 'BEGIN { exit() }']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /-f is text, json, folded or html, not 'flame'/);
});
