// Every malformed program, given to the command: the positioned error on stderr, and exit 2.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MALFORMED } from '../lang/malformed.js';
import { jsprobe } from './run.js';

test(`the command: ${MALFORMED.length} malformed programs, each a positioned error and exit 2`, () => {
  for (const [program, message, where] of MALFORMED) {
    const r = jsprobe(['-e', program, '-c', 'node -e 0']);
    assert.equal(r.code, 2, `${program}: ${r.stderr}`);
    const [head, text, caret] = r.stderr.split('\n');
    assert.ok(head.startsWith(`${where}: `), `${program}: ${r.stderr}`);
    assert.match(head, message);
    assert.equal(text, program.split('\n')[Number(where.split(':')[0]) - 1]);
    assert.equal(caret, `${' '.repeat(Number(where.split(':')[1]) - 1)}^`);
  }
});
