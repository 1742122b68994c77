// Target strings and probe listing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJsprobeError, listProbePoints, register } from '../../src/index.js';
import { parseTarget } from '../../src/targets/parse.js';
import { closeMatches } from '../../src/core/index.js';
import { fixture } from '../helpers.js';

test('target strings parse into their parts', () => {
  assert.deepEqual(parseTarget('node:fs#readFile'), { kind: 'export', module: 'node:fs', path: ['readFile'] });
  assert.deepEqual(parseTarget('pg#Client.prototype.query'), { kind: 'export', module: 'pg', path: ['Client', 'prototype', 'query'] });
  assert.deepEqual(parseTarget('@scope/pkg#default'), { kind: 'export', module: '@scope/pkg', path: ['default'] });
  assert.deepEqual(parseTarget('src/db.ts:Db.query'), { kind: 'function', file: 'src/db.ts', name: 'Db.query' });
  assert.deepEqual(parseTarget('src/**/*.ts:*'), { kind: 'function', file: 'src/**/*.ts', name: '*' });
  assert.deepEqual(parseTarget('src/app.ts:42'), { kind: 'line', file: 'src/app.ts', line: 42 });
  assert.deepEqual(parseTarget('C:/work/app.js:run'), { kind: 'function', file: 'C:/work/app.js', name: 'run' });
});

test('malformed target strings say how to write them', () => {
  for (const bad of ['#readFile', 'node:fs#', 'pg#Client..query', 'readFile', 'node:fs:readFile', 'app.js:']) {
    assert.throws(() => parseTarget(bad), (e) => isJsprobeError(e, 'JSPROBE_E_INVALID_SPEC') && e.message.includes(bad), bad);
  }
});

test('file targets need load sites, and say so', () => {
  assert.throws(() => register({ target: 'src/db.ts:Db.query' }), (e) => isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE'));
  assert.throws(() => register({ target: () => 1 }), (e) => isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE') && /object, key/.test(e.message));
  assert.throws(() => register({ target: 'node:fs#readFile', site: 'live' }), (e) => isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE'));
});

test('listProbePoints globs each name of an export path', () => {
  const reads = listProbePoints('node:fs#readFile*').map((p) => p.name);
  assert.deepEqual(reads, ['readFile', 'readFileSync']);
  const methods = listProbePoints(`${fixture('db.cjs')}#Db.prototype.*`);
  assert.deepEqual(methods.map((p) => p.name), ['Db.prototype.query']);
  assert.equal(methods[0].target, `${fixture('db.cjs')}#Db.prototype.query`);
  const all = listProbePoints(`${fixture('db.cjs')}#*`).map((p) => p.name);
  assert.deepEqual(all, ['add', 'alias', 'Db', 'sloppyThis']);
});

test('close matches rank by distance and containment', () => {
  assert.deepEqual(closeMatches('readFiel', ['readFile', 'readdir', 'writeFile', 'read']), ['readFile', 'read']);
  assert.deepEqual(closeMatches('zzz', ['readFile']), []);
});
