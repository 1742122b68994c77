// --max-map-keys end to end: the flag's checks, the drop line and JSON field, and a program that
// makes a million unique keys finishing with its maps' memory bounded and every drop counted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe } from './run.js';

const APP = 'test/fixtures/cli/app.cjs';
const KEYS = 'test/fixtures/cli/keys.cjs';

for (const bad of ['0', '-3', '1.5', 'many', '1e3', '99999999999999999999']) {
  test(`--max-map-keys ${bad} is a usage error`, () => {
    const r = jsprobe(['--max-map-keys', bad, '-e', `fn:${APP}:work { @n = count() }`, '-c', `node ${APP}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^jsprobe: --max-map-keys (takes a positive whole number|needs a value)/);
  });
}

test('a map at its key limit drops updates of new keys, keeps updating its keys, and says how many it dropped', () => {
  // work() runs with n1, n2, n3, n10, n100, n1000; then `run` calls nothing more.
  const r = jsprobe(['-q', '--max-map-keys', '3', '-e', `fn:${APP}:work { @calls[arg1] = count(); @one[1] = count() }`, '-c', `node ${APP} run`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '@calls[n1]: 1\n@calls[n2]: 1\n@calls[n3]: 1\n\n@one[1]: 6\n\n@calls: 3 updates dropped at the key limit\n');
});

test('-f json: the dropped count is a field of the map', () => {
  const r = jsprobe(['-q', '-f', 'json', '--max-map-keys', '2', '-e', `fn:${APP}:work { @calls[arg1] = count() }`, '-c', `node ${APP} run`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown), [
    { type: 'map', data: { '@calls': { n1: 1, n2: 1 } }, dropped: 4 },
  ]);
});

test('worker threads: each keeps to the limit, the maps merge, and every thread\'s drops add up', () => {
  // The main thread calls work(0..4): it keeps 0 and 1, drops 3. The worker calls work(i) for 80,000
  // values of i, 1 when i % 3 != 0: it keeps 0 and 1 (53,334 updates) and drops 26,666.
  const r = jsprobe([
    '-q', '--max-map-keys', '2', '-e', 'fn:test/fixtures/cli/workers.cjs:work { @n[arg0] = count() }', '-c', 'node test/fixtures/cli/workers.cjs many',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /(^|\n)@n\[0\]: 2\n@n\[1\]: 53334\n\n@n: 26669 updates dropped at the key limit\n$/, r.stdout);
});

test('1 M unique keys: the default limit holds, memory stays bounded, and every drop is counted', () => {
  const program = `fn:${KEYS}:key { @k[arg0] = count(); @all = count() } END { clear(@k) }`;
  const r = jsprobe(['-q', '-e', program, '-c', `node --expose-gc ${KEYS} 1000000`], 120_000);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '@all: 1000000\n\n@k: 934464 updates dropped at the key limit\n');
  // 65,536 keys take ~5 MiB here; a million took ~80 MiB before the limit.
  const grew = Number(/heap grew (\d+) KiB/.exec(r.stderr)?.[1]);
  assert.ok(grew < 40 * 1024, r.stderr);
});
