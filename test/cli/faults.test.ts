// A fault in BEGIN, END or an interval is isolated as a probe handler's is: counted, reported once
// on jsprobe's stderr, and the program runs and exits as it would have.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe } from './run.js';

const APP = 'test/fixtures/cli/app.cjs';
const run = (program: string) => jsprobe(['-q', '-e', `${program} fn:${APP}:work { @n = count() }`, '-c', `node ${APP} run`]);
// printf's %x of Infinity throws inside the runtime: a fault of jsprobe's, never of the program's.
const THROWS = 'printf("%x\\n", 1/0)';

for (const block of ['BEGIN', 'END']) {
  test(`a ${block} block that throws: reported once, the maps still print, the program's exit code is its own`, () => {
    const r = run(`${block} { ${THROWS} }`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '@n: 6\n\n');
    assert.match(r.stderr, new RegExp(`jsprobe: ${block} threw \\(reported once\\)`));
    assert.match(r.stderr, /caught boom/); // the program's own output, unchanged
    assert.doesNotMatch(r.stderr, /at formatPrintf|Node\.js v/);
  });
}

test('an interval that throws on every tick: one report, a count at the end, the program unharmed', () => {
  const r = run(`interval:ms:1 { ${THROWS} }`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '@n: 6\n\n');
  assert.equal(r.stderr.match(/threw \(reported once\)/g)?.length, 1, r.stderr);
});
