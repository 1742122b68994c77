// `jsprobe -l 'module#export'` on a module of the program reads the exports from its text: loading
// the module to list them ran its top-level code in jsprobe's own process (an app's server.ts
// started its server). Until 2026-12 every module below wrote its marker file when listed.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE } from './run.js';
import { listProbePoints } from '../../src/index.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'jsprobe-listing-')));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A line that leaves a file named after the module behind when it runs. */
const ran = (name: string, esm: boolean): string => `${esm ? "import { writeFileSync } from 'node:fs';" : "const { writeFileSync } = require('node:fs');"}\n` +
  `writeFileSync(${JSON.stringify(join(dir, `${name}.ran`))}, 'x');\n`;

const FILES: Record<string, string> = {
  'side.mjs': `${ran('side.mjs', true)}export function f() { return 1; }\nexport const g = () => 2;\nfunction h() {}\nexport { h as hh };\n` +
    'export default function () {}\nexport class Store { constructor() {} get(k) { return k; } static make() {} #own() {} }\nfunction hidden() {}\n',
  'side.cjs': `${ran('side.cjs', false)}function f() { return 1; }\nclass Store { constructor() {} get(k) { return k; } static make() {} }\n` +
    'function hidden() {}\nmodule.exports = { f, Store, g: () => 2, helpers: { f } };\n',
  // A TypeScript parameter property: Node's type stripping refuses it, as it did the user's service.
  'server.ts': `${ran('server.ts', true)}class Pool { constructor(private size: number) {} }\nexport const pool = new Pool(2);\n` +
    'export async function userRoute(id: number): Promise<number> { return id; }\n',
  'dyn.cjs': `${ran('dyn.cjs', false)}function a() {}\nfor (const k of ['x', 'y']) exports[k] = a;\nexports.a = a;\n`,
  'node_modules/pkg/package.json': '{ "name": "pkg", "main": "index.js" }\n',
  'node_modules/pkg/index.js': `${ran('pkg', false)}exports.connect = function () {};\n`,
  // As express's index.js: the exports are another module's, which only running it gives.
  'node_modules/reexp/package.json': '{ "name": "reexp", "main": "index.js" }\n',
  'node_modules/reexp/index.js': `${ran('reexp', false)}module.exports = require('./lib/impl');\n`,
  'node_modules/reexp/lib/impl.js': `${ran('reexp-impl', false)}exports.handle = function () {};\n`,
};
mkdirSync(join(dir, 'node_modules/pkg'), { recursive: true });
mkdirSync(join(dir, 'node_modules/reexp/lib'), { recursive: true });
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);

function list(pattern: string): { lines: string[]; stderr: string; code: number | null; detail: string } {
  const r = spawnSync(process.execPath, [JSPROBE, '-l', pattern], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { lines: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr, code: r.status, detail: `stdout:\n${r.stdout}\nstderr:\n${r.stderr}` };
}

function noneRan(): void {
  for (const name of ['side.mjs', 'side.cjs', 'server.ts', 'dyn.cjs', 'pkg', 'reexp', 'reexp-impl']) {
    assert.equal(existsSync(join(dir, `${name}.ran`)), false, `${name} ran`);
  }
}

test('-l lists an ES module\'s exports, by name and by glob, from its text: the module never runs', () => {
  const one = list('./side.mjs#f');
  assert.equal(one.code, 0, one.detail);
  assert.deepEqual(one.lines, [`fn:./side.mjs#f  ${join(dir, 'side.mjs')}:3`]);
  const all = list('./side.mjs#*');
  assert.equal(all.code, 0, all.detail);
  assert.deepEqual(all.lines.map((l) => l.split('  ')[0]),
    ['fn:./side.mjs#default', 'fn:./side.mjs#f', 'fn:./side.mjs#g', 'fn:./side.mjs#hh', 'fn:./side.mjs#Store']);
  assert.deepEqual(list('./side.mjs#Store.*').lines.map((l) => l.split('  ')[0]), ['fn:./side.mjs#Store.make']);
  assert.deepEqual(list('./side.mjs#Store.prototype.*').lines.map((l) => l.split('  ')[0]), ['fn:./side.mjs#Store.prototype.get']);
  const missing = list('./side.mjs#hidden');
  assert.equal(missing.code, 2, missing.detail);
  assert.match(missing.stderr, /nothing matches \.\/side\.mjs#hidden/);
  noneRan();
});

test('-l lists a CommonJS module\'s exports and a package\'s from their text: neither runs', () => {
  const all = list('./side.cjs#*');
  assert.equal(all.code, 0, all.detail);
  assert.deepEqual(all.lines.map((l) => l.split('  ')[0]), ['fn:./side.cjs#f', 'fn:./side.cjs#g', 'fn:./side.cjs#Store']);
  assert.equal(all.stderr, '');
  assert.deepEqual(list('./side.cjs#helpers.*').lines.map((l) => l.split('  ')[0]), ['fn:./side.cjs#helpers.f']);
  assert.deepEqual(list('./side.cjs#Store.prototype.get').lines, [`fn:./side.cjs#Store.prototype.get  ${join(dir, 'side.cjs')}:4`]);
  // A misspelling gets the nearest names, also read from the text.
  const near = list('./side.cjs#ff');
  assert.equal(near.code, 2, near.detail);
  assert.match(near.stderr, /nothing matches \.\/side\.cjs#ff\. Did you mean \.\/side\.cjs#f/);
  assert.deepEqual(list('pkg#conn*').lines.map((l) => l.split('  ')[0]), ['fn:pkg#connect']);
  noneRan();
});

test('-l on a module that makes exports at run time lists what its text shows and says what it cannot know', () => {
  const r = list('./dyn.cjs#*');
  assert.equal(r.code, 0, r.detail);
  assert.deepEqual(r.lines.map((l) => l.split('  ')[0]), ['fn:./dyn.cjs#a']);
  assert.match(r.stderr, /dyn\.cjs's text, not by loading it .* exports made there are not listed \(jsprobe -l 'dyn\.cjs:\*' lists/);
  noneRan();
});

test('-l on a package whose exports are another module\'s (module.exports = require(…)) says they are known only when it loads, not "nothing matches"', () => {
  for (const pattern of ['reexp#*', 'reexp#handle']) {
    const r = list(pattern);
    assert.equal(r.code, 0, r.detail);
    assert.deepEqual(r.lines, []);
    assert.match(r.stderr, new RegExp(`^jsprobe: ${pattern.replace('*', '\\*')}: reexp's exports are known only when it loads, and -l does not load it .*`
      + "its exports are the value of require\\('\\./lib/impl'\\), which only running it gives\\. "
      + 'A probe on one \\(fn:reexp#NAME\\) is checked when the program loads'));
    assert.doesNotMatch(r.stderr, /nothing matches/);
  }
  // A module that is not there is still an error, with the packages near its name.
  const missing = list('reexpp#*');
  assert.equal(missing.code, 2, missing.detail);
  assert.match(missing.stderr, /module 'reexpp' not found .*Did you mean reexp\b/);
  // From a directory below the one with node_modules, as require looks: the same close match.
  mkdirSync(join(dir, 'svc'), { recursive: true });
  const below = spawnSync(process.execPath, [JSPROBE, '-l', 'reexpp#*'], { cwd: join(dir, 'svc'), encoding: 'utf8', timeout: 120_000 });
  assert.equal(below.status, 2, below.stderr);
  assert.match(below.stderr, /module 'reexpp' not found .*Did you mean reexp\b/);
  noneRan();
});

test('-l on a TypeScript module that Node could not even load lists its exports, and nothing starts', () => {
  const r = list('./server.ts#userRoute');
  assert.equal(r.code, 0, r.detail);
  assert.deepEqual(r.lines, [`fn:./server.ts#userRoute  ${join(dir, 'server.ts')}:5`]);
  noneRan();
});

test('listProbePoints reads a module of the program from its text, in the caller\'s process too', () => {
  const points = listProbePoints(`${join(dir, 'side.cjs')}#*`);
  assert.deepEqual(points.map((p) => [p.name, p.line]), [['f', 3], ['g', 6], ['Store', 4]]);
  noneRan();
});
