// Breakpoint sites on empty functions (`function noop () {}`, `() => {}`), where the first
// statement is the return: one breakpoint does entry and return. And what the inspector refuses
// reaches register()'s caller as a JsprobeError with a code.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { isJsprobeError, list, register } from '../../src/index.js';
import { post, withDebugger } from '../../src/sites/inspector.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

const require = createRequire(import.meta.url);
const FILE = 'test/fixtures/live/empty.cjs';
const empty = require(new URL(`../../../${FILE}`, import.meta.url).pathname) as { noop(): void; arrow(): void; full(x: number): number };

for (const [name, site] of [['noop', 'breakpoint'], ['noop', 'auto'], ['arrow', 'breakpoint'], ['arrow', 'auto']] as const) {
  test(`an empty function (${name}), site '${site}': a breakpoint site that sees every entry and return`, () => {
    const seen: string[] = [];
    const p = reg({ target: empty[name], site, onEntry: () => void seen.push('in'), onReturn: () => void seen.push('out') });
    assert.equal(p.site, 'breakpoint');
    empty[name]();
    empty[name]();
    assert.deepEqual(seen, ['in', 'out', 'in', 'out']);
  });
}

test('a glob over a file with empty functions registers as a whole, and sees each function', () => {
  const seen: string[] = [];
  const p = reg({ target: `${FILE}:*`, onEntry: (c) => void seen.push(c.target), onReturn: (c) => void seen.push(`${c.target} returned`) });
  assert.equal(list().find((i) => i.id === p.id)?.sites, 3);
  empty.noop();
  empty.arrow();
  assert.equal(empty.full(1), 2);
  assert.deepEqual(seen.map((s) => s.replace(/^.*:/, '')), ['noop', 'noop returned', 'arrow', 'arrow returned', 'full', 'full returned']);
});

test('an inspector error is a JsprobeError with a code, the inspector\'s message, and the original as its cause', () => {
  assert.throws(() => withDebugger(() => post('Debugger.getScriptSource', { scriptId: '999999' })), (e) => {
    assert.ok(isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE'), String(e));
    assert.match(e.message, /^the inspector refused Debugger\.getScriptSource: No script for id: 999999/);
    assert.equal((e.cause as { code?: string }).code, 'ERR_INSPECTOR_COMMAND');
    return true;
  });
});

test('register() of a bad target fails with a JsprobeError, never a plain Error', () => {
  for (const target of [`${FILE}:nothing`, 'test/fixtures/live/no-such-file.cjs:x', Math.max]) {
    assert.throws(() => register({ target, site: 'live', onEntry() {} }), (e) => isJsprobeError(e) && typeof e.code === 'string', String(target));
  }
});
