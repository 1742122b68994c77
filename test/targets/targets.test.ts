// Target strings and probe listing.

import { test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

test('a file target that is neither loaded nor loadable with sites says what would work', () => {
  assert.throws(() => register({ target: 'src/db.ts:Db.query' }),
    (e) => isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE') && /node --import jsprobe\/register/.test(e.message));
  assert.throws(() => register({ target: 'src/db.ts:Db.query', site: 'live' }),
    (e) => isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE') && /no loaded script matches/.test(e.message));
  assert.throws(() => register({ target: () => 1, site: 'wrap' }), (e) => isJsprobeError(e, 'JSPROBE_E_SITE_UNAVAILABLE') && /object, key/.test(e.message));
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

test('listProbePoints lists the functions and lines of files, loaded or not, TypeScript included', () => {
  const ts = listProbePoints('test/fixtures/load/lib.ts:*');
  const byName = new Map(ts.map((p) => [p.name, p]));
  for (const name of ['outer', 'outer.inner', 'Counter.prototype.#bump', 'Counter.prototype.add', 'twice', 'pages', 'main', 'workload']) {
    assert.ok(byName.has(name), `${name} in ${[...byName.keys()].join(', ')}`);
  }
  // Positions are the .ts file's own.
  assert.deepEqual([byName.get('outer')!.line, byName.get('Counter.prototype.#bump')!.line], [5, 14]);
  assert.equal(byName.get('outer.inner')!.target, 'test/fixtures/load/lib.ts:outer.inner');
  const glob = listProbePoints('test/fixtures/load/*.?js:Counter.*').map((p) => p.target);
  assert.deepEqual(glob.sort(), [
    'test/fixtures/load/lib.cjs:Counter.prototype.#bump', 'test/fixtures/load/lib.cjs:Counter.prototype.add',
    'test/fixtures/load/lib.mjs:Counter.prototype.#bump', 'test/fixtures/load/lib.mjs:Counter.prototype.add',
  ]);
  const [line] = listProbePoints('test/fixtures/load/lib.cjs:33');
  assert.equal(line.kind, 'line');
  assert.ok(line.locals!.includes('base') && line.locals!.includes('input'));
  assert.throws(() => listProbePoints('test/fixtures/nothing-here/*.js:*'), (e) => isJsprobeError(e, 'JSPROBE_E_TARGET_NOT_FOUND'));
});

test('close matches rank by distance and containment', () => {
  assert.deepEqual(closeMatches('readFiel', ['readFile', 'readdir', 'writeFile', 'read']), ['readFile', 'read']);
  assert.deepEqual(closeMatches('zzz', ['readFile']), []);
});

test('a glob leaves out a file that does not parse and says so; the same file named alone is an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-unparsed-'));
  writeFileSync(join(dir, 'good.js'), 'function ok () { return 1 }\n');
  writeFileSync(join(dir, 'view.js'), 'const v = <div>{x}</div>\n');
  const unparsed: string[] = [];
  const points = listProbePoints(`${dir}/*.js:*`, { unparsed: (file) => unparsed.push(file) });
  assert.deepEqual(points.map((p) => p.name), ['ok']);
  assert.deepEqual(unparsed.map((f) => f.endsWith('view.js')), [true]);
  assert.throws(() => listProbePoints(`${dir}/view.js:*`, { unparsed: () => {} }), /cannot parse .*view\.js/);
  assert.throws(() => listProbePoints(`${dir}/*.js:*`), /cannot parse .*view\.js/);
});
