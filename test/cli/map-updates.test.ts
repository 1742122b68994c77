// Maps start from zero, and ++, --, += and the other compound assignments update maps and $
// variables, as in bpftrace: checked end to end on the command's fixture (work() runs 6 times,
// with arg0 1, 2, 3, 10, 100, 1000 and arg1 "n" + arg0).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe } from './run.js';

const APP = 'test/fixtures/cli/app.cjs';

test('a map entry read before it is set is 0; ++, --, += and -= update maps and $ variables', () => {
  const program = [
    `fn:${APP}:work {`,
    '  @x = @x + 1; @m[arg1] = @m[arg1] + 1; @i++; --@d; @s += arg0; @p[arg1] -= arg0;',
    '  $v = 2; $v *= 3; $v **= 2; @v = $v; @sh <<= 1; @c = count(); @q += @c',
    '}',
  ].join('\n');
  const r = jsprobe(['-q', '-e', program, '-c', `node ${APP} run`]);
  assert.equal(r.code, 0, r.stderr);
  const keyed = (name: string, values: number[]) => values.map((v, i) => `@${name}[n${[1, 2, 3, 10, 100, 1000][i]}]: ${v}`);
  assert.equal(r.stdout, [
    '@x: 6', '',
    ...keyed('m', [1, 1, 1, 1, 1, 1]), '',
    '@i: 6', '',
    '@d: -6', '',
    '@s: 1116', '',
    ...keyed('p', [-1, -2, -3, -10, -100, -1000]).reverse(), '',
    '@v: 36', '',
    '@sh: 0', '',
    '@c: 6', '',
    // @c is 1, 2, … 6 when it is added.
    '@q: 21', '', '',
  ].join('\n'));
});
