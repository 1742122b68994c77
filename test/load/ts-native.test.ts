// TypeScript that Node runs itself (type stripping, Node >= 22.18): an ES module .ts/.mts comes to
// the load hook as `module-typescript`, still TypeScript. It is rewritten as such and keeps its
// format, so that Node strips the types of the rewritten source. Before, the hook passed it by and
// probes on it never fired ("never matched a function that ran").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initialize, rewriteLoaded } from '../../src/sites/hooks/esm.js';
import { WantedList } from '../../src/sites/hooks/wanted.js';
import { LoadedLog } from '../../src/sites/hooks/loaded-log.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'build/src/cli/main.js');

const LIB = `interface P { x: number }
export function mul(p: P, k: number): number { return p.x * k; }
export class Acc { total: number = 0; add(n: number): this { this.total += n; return this; } }
`;

test('the load hook rewrites a TypeScript ES module as TypeScript, and leaves its format for Node to strip', () => {
  const file = join(tmpdir(), 'jsprobe-ts-native-unit.mts');
  const wanted = new WantedList();
  wanted.write([{ file, lines: [] }]);
  initialize({ wanted: wanted.sab, loaded: new LoadedLog().sab, failed: new LoadedLog().sab });
  const out = rewriteLoaded(pathToFileURL(file).href, { format: 'module-typescript', source: LIB });
  assert.equal(out.format, 'module-typescript');
  const code = String(out.source);
  assert.match(code, /\$jpE\(/, 'sites were added');
  assert.match(code, /interface P \{ x: number \}/, 'the TypeScript is left for Node to strip');
  // Not wanted: as it was.
  const other = { format: 'module-typescript', source: LIB };
  assert.equal(rewriteLoaded(pathToFileURL(join(tmpdir(), 'other.mts')).href, other), other);
});

// Only a Node that strips types can run the program below; on Node 20 the test above stands alone.
if (typeof (process.features as { typescript?: unknown }).typescript === 'string') {
  test('jsprobe -c on a .ts program that imports a .mts: functions, methods and lines of both are probed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsprobe-ts-native-'));
    try {
      writeFileSync(join(dir, 'm2.mts'), LIB);
      writeFileSync(join(dir, 'main.ts'), `import { mul, Acc } from './m2.mts';
function local(n: number): number { return n * 2; }
const a = new Acc();
for (let i = 0; i < 50; i++) a.add(mul({ x: i }, 2) + local(i));
console.log('total', a.total);
`);
      const program = 'fnret:m2.mts:* { @[func] = count() } fn:main.ts:local { @l = count() } line:m2.mts:2 /k == 2/ { @line = count() }';
      const r = spawnSync(process.execPath, [cli, '-e', program, '-c', `${process.execPath} main.ts`], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^total 4900$/m, 'the program computes what it does unprobed');
      assert.match(r.stdout, /^@\[mul\]: 50$/m);
      assert.match(r.stdout, /^@\[Acc\.prototype\.add\]: 50$/m);
      assert.match(r.stdout, /^@l: 50$/m);
      assert.match(r.stdout, /^@line: 50$/m);
      assert.doesNotMatch(r.stderr, /never matched/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
