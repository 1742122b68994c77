// The functions of target files, kept on disk between runs of the command (targets/points-cache.ts):
// read back only while every file is as it was, and never in place of an error.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedFunctions, type FileFunctions } from '../../src/targets/points-cache.js';
import { listProbePoints } from '../../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'jsprobe-points-cache-'));
const cache = join(root, 'cache');
const saved = process.env.JSPROBE_CACHE;
process.env.JSPROBE_CACHE = cache;
after(() => {
  if (saved === undefined) delete process.env.JSPROBE_CACHE;
  else process.env.JSPROBE_CACHE = saved;
  rmSync(root, { recursive: true, force: true });
});

/** `cachedFunctions` with a reader that counts its calls and names one function after the file's text. */
function counted(files: string[]): { result: Map<string, FileFunctions>; reads: number } {
  let reads = 0;
  const result = cachedFunctions(files, (file) => {
    reads++;
    return [{ file, name: `f${statSync(file).size}`, aliases: [], kind: 'function', line: 1, column: 0 }];
  });
  return { result, reads };
}

test('a second look at the same files reads the cache; a file that changed is read again', () => {
  const dir = mkdtempSync(join(root, 'same-'));
  const a = join(dir, 'a.js');
  const b = join(dir, 'b.js');
  writeFileSync(a, 'function a() {}\n');
  writeFileSync(b, 'function b() {}\n');
  const first = counted([a, b]);
  assert.equal(first.reads, 2);
  const second = counted([a, b]);
  assert.equal(second.reads, 0, 'nothing parsed: both from the cache');
  assert.deepEqual(second.result, first.result);
  writeFileSync(b, 'function bb() {}\n');
  const changed = counted([a, b]);
  assert.equal(changed.reads, 2, 'the set changed: parsed again');
  assert.equal((changed.result.get(b) as { name: string }[])[0].name, `f${statSync(b).size}`);
});

test('a file rewritten with the same size but a new modification time is read again', () => {
  const dir = mkdtempSync(join(root, 'size-'));
  const a = join(dir, 'a.js');
  writeFileSync(a, 'function x() {}\n');
  assert.equal(counted([a]).reads, 1);
  writeFileSync(a, 'function y() {}\n');
  const later = new Date(Date.now() + 5000);
  utimesSync(a, later, later);
  assert.equal(counted([a]).reads, 1);
  assert.equal(counted([a]).reads, 0);
});

test('JSPROBE_CACHE=0: every look parses, and nothing is written', () => {
  const dir = mkdtempSync(join(root, 'off-'));
  const a = join(dir, 'a.js');
  writeFileSync(a, 'function a() {}\n');
  const before = readdirSync(cache).length;
  process.env.JSPROBE_CACHE = '0';
  try {
    assert.equal(counted([a]).reads, 1);
    assert.equal(counted([a]).reads, 1);
    assert.equal(readdirSync(cache).length, before);
  } finally {
    process.env.JSPROBE_CACHE = cache;
  }
});

test('listProbePoints with the cache: the same points, the same warning for a file of a glob that does not parse, the same error for one named alone', () => {
  const dir = mkdtempSync(join(root, 'list-'));
  writeFileSync(join(dir, 'good.js'), 'function ok () { return 1 }\nclass K { m() {} }\n');
  writeFileSync(join(dir, 'view.js'), 'const v = <div>{x}</div>\n');
  const list = (): { points: string[]; unparsed: string[] } => {
    const unparsed: string[] = [];
    const points = listProbePoints(`${dir}/*.js:*`, { unparsed: (file) => unparsed.push(file), cache: true }).map((p) => `${p.name}@${p.line}:${p.column}`);
    return { points, unparsed };
  };
  const uncached = listProbePoints(`${dir}/*.js:*`, { unparsed: () => {} }).map((p) => `${p.name}@${p.line}:${p.column}`);
  const first = list();
  const entries = readdirSync(cache).filter((f) => f.startsWith('points-')).length;
  const second = list();
  assert.deepEqual(first.points, uncached);
  assert.deepEqual(second, first);
  assert.deepEqual(second.unparsed.map((f) => f.endsWith('view.js')), [true]);
  assert.equal(readdirSync(cache).filter((f) => f.startsWith('points-')).length, entries, 'the second look wrote nothing');
  for (let i = 0; i < 2; i++) assert.throws(() => listProbePoints(`${dir}/view.js:*`, { unparsed: () => {}, cache: true }), /cannot parse .*view\.js/);
  assert.throws(() => listProbePoints(`${dir}/*.js:*`, { cache: true }), /cannot parse .*view\.js/);
});
