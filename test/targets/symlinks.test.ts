// A file target that reaches its file through a symlink (a linked file, a linked directory, pnpm's
// node_modules): Node loads the module by its real path, and the target matches it there too.

import { afterEach, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { targetGlobs } from '../../src/targets/parse.js';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

// The real path, where the temporary directory is itself a link (macOS's /tmp).
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'jsprobe-symlinks-')));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'real'));
mkdirSync(join(dir, 'lnk'));
writeFileSync(join(dir, 'real', 'sq.cjs'), 'function sq(x) { return x * x; }\nmodule.exports = { sq };\n');
writeFileSync(join(dir, 'real', 'cube.cjs'), 'function cube(x) {\n  return x * x * x;\n}\nmodule.exports = { cube };\n');
symlinkSync(join(dir, 'real', 'sq.cjs'), join(dir, 'lnk', 'sq.cjs'));
symlinkSync('real', join(dir, 'lnkdir'));

test('a target through a linked file or directory has a glob as written and one by the real path; one without a link, one', () => {
  assert.deepEqual(targetGlobs('lnk/sq.cjs', dir), [`${dir}/lnk/sq.cjs`, `${dir}/real/sq.cjs`]);
  assert.deepEqual(targetGlobs('lnkdir/cube.cjs', dir), [`${dir}/lnkdir/cube.cjs`, `${dir}/real/cube.cjs`]);
  // A glob: its literal directory is resolved, the rest kept.
  assert.deepEqual(targetGlobs('lnkdir/**/*.cjs', dir), [`${dir}/lnkdir/**/*.cjs`, `${dir}/real/**/*.cjs`]);
  // A file not there yet, in a linked directory: the part that exists is resolved.
  assert.deepEqual(targetGlobs(`${dir}/lnkdir/later/x.js`), [`${dir}/lnkdir/later/x.js`, `${dir}/real/later/x.js`]);
  assert.deepEqual(targetGlobs('real/sq.cjs', dir), [`${dir}/real/sq.cjs`]);
  assert.deepEqual(targetGlobs('real/*.cjs', dir), [`${dir}/real/*.cjs`]);
  assert.deepEqual(targetGlobs('no-such-dir/*.cjs', dir), [`${dir}/no-such-dir/*.cjs`]);
});

const require = createRequire(import.meta.url);
// require() resolves the links: the modules load as real/sq.cjs and real/cube.cjs.
const { sq } = require(join(dir, 'lnk', 'sq.cjs')) as { sq(x: number): number };
const { cube } = require(join(dir, 'lnkdir', 'cube.cjs')) as { cube(x: number): number };

test('a live site for a function of a file loaded by its real path, named through a linked file', () => {
  let n = 0;
  const p = reg({ target: `${dir}/lnk/sq.cjs:sq`, site: 'live', onEntry: () => void n++ });
  assert.equal(p.site, 'live');
  for (let i = 0; i < 3; i++) sq(i);
  assert.equal(n, 3);
});

test('a breakpoint site at a line of a file loaded by its real path, named through a linked directory', () => {
  let n = 0;
  const p = reg({ target: `${dir}/lnkdir/cube.cjs:2`, onEntry: () => void n++ });
  assert.equal(p.site, 'breakpoint');
  for (let i = 0; i < 4; i++) cube(i);
  assert.equal(n, 4);
});

test('a glob through a linked directory finds the functions loaded by their real paths', () => {
  const seen: string[] = [];
  reg({ target: `${dir}/lnkdir/*.cjs:*`, site: 'live', onEntry: (c) => void seen.push(c.target.replace(/^.*:/, '')) });
  sq(1);
  cube(1);
  assert.deepEqual(seen, ['sq', 'cube']);
});
