// Under tsx (esbuild), an ES module .ts becomes CommonJS whose exports are getters,
// `__export(m, { add: () => add })`, which its source map places in the .ts beside `add` and which
// took its name: every call made through the import read the getter too, and `fn:lib.ts:add`
// counted each call twice. The getters now belong to no source (FunctionSite.exportGetter).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'build/src/cli/main.js');

test('under tsx, a function called through its ES module export counts once a call, entry and return', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-tsx-exports-'));
  try {
    writeFileSync(join(dir, 'tlib.ts'), `export function add(a: number, b: number): number { return a + b; }
export const sub = (a: number, b: number): number => a - b;
`);
    writeFileSync(join(dir, 'main.ts'), `import { add, sub } from './tlib.ts';
let s = 0;
for (let i = 0; i < 100; i++) s = sub(add(s, i), 1);
console.log('sum', s);
`);
    const lib = join(dir, 'tlib.ts');
    const program = `fn:${lib}:* { @in[func] = count() } fnret:${lib}:add { @out[func] = count() }`;
    // cwd: the repository, whose node_modules has tsx.
    const command = `${process.execPath} --import tsx ${join(dir, 'main.ts')}`;
    const r = spawnSync(process.execPath, [cli, '-e', program, '-c', command], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^sum 4850$/m);
    assert.match(r.stdout, /^@in\[add\]: 100$/m);
    assert.match(r.stdout, /^@in\[sub\]: 100$/m);
    assert.match(r.stdout, /^@out\[add\]: 100$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
