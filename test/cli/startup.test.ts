// Probes on code that loads and runs in the program's first milliseconds still fire when the
// agent does the least it can before the program's first line: a top-level call in an ES module,
// a CommonJS module required at start (load sites), and a file a --require preload loaded before
// the agent (a live site: the agent must not take it for not loaded yet).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe } from './run.js';

const START = 'test/fixtures/cli/start.mjs';

test('a top-level call of the main ES module and a require at start are counted', () => {
  const program = `fn:${START}:first { @first = count() } fn:test/fixtures/cli/start-dep.cjs:dep { @dep[arg0] = count() }`;
  const r = jsprobe(['-q', '-e', program, '-c', `node ${START}`]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '@first: 1\n\n@dep[2]: 1\n\n');
  assert.equal(r.code, 0);
});

test('a file a --require preload loaded before the agent is probed where it is', () => {
  const program = 'fn:test/fixtures/cli/start-pre.cjs:preloaded { @pre[arg0] = count() }';
  const r = jsprobe(['-q', '-e', program, '-c', `node -r ./test/fixtures/cli/start-pre.cjs ${START} preloaded`]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '@pre[3]: 1\n\n');
  assert.equal(r.code, 0);
});
