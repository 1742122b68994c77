// Load sites on real modules as they load: CommonJS, ES modules, TypeScript through tsx, and tsc
// output with source maps. Each case runs a fixture's workload in a child process twice, bare and
// with a probe on one function of every kind registered before the module loads; the results must
// be identical, and every probe must have seen what the function did.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = join(root, 'test/fixtures/load');
const register = join(root, 'build/src/register.js');
const rel = (p: string): string => relative(root, p);

interface Run {
  result: unknown;
  seen: Record<string, unknown[]>;
  probes: { name: string; state: string; site: string; hits: number; note?: string }[];
}

function run(nodeArgs: string[], mod: string, how: string, file: string, line: number, probed: boolean): Run {
  const args = [...nodeArgs, '--import', register, join(fixtures, 'run.mjs'), mod, how, file, String(line)];
  if (probed) args.push('probed');
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `child failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

const EXPECTED = {
  inner: [10],
  '#bump': [[null, 0, false], [11, 11, false]],
  twice: [22],
  pages: [[3, true]],
  default: [22],
  line: [11],
};

function check(nodeArgs: string[], mod: string, how: string, file: string, line: number): void {
  const bare = run(nodeArgs, mod, how, file, line, false);
  const probed = run(nodeArgs, mod, how, file, line, true);
  assert.deepEqual(probed.result, bare.result, 'probed results are identical to the unprobed run');
  assert.deepEqual(bare.result, { main: 22, pages: [0, 1, 2], threw: 'TypeError' });
  assert.deepEqual(probed.seen, EXPECTED);
  for (const p of probed.probes) {
    assert.equal(p.state, 'armed', `${p.name}: ${p.note ?? ''}`);
    assert.equal(p.site, 'load');
  }
}

test('CommonJS: nested function, #private method, arrow, async generator, default export, line local', () => {
  check([], rel(join(fixtures, 'lib.cjs')), 'require', rel(join(fixtures, 'lib.cjs')), 33);
});

test('ES module: the same kinds, through the module hooks thread', () => {
  check([], rel(join(fixtures, 'lib.mjs')), 'import', rel(join(fixtures, 'lib.mjs')), 33);
});

test('TypeScript run through tsx: .ts targets resolve through its source map', () => {
  check(['--import', 'tsx'], rel(join(fixtures, 'lib.ts')), 'import', rel(join(fixtures, 'lib.ts')), 35);
});

test('TypeScript compiled by tsc with source maps: .ts targets land in the .js that runs', () => {
  const out = mkdtempSync(join(tmpdir(), 'jsprobe-tsc-'));
  try {
    const program = ts.createProgram([join(fixtures, 'lib.ts')], {
      outDir: out, sourceMap: true, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true,
    });
    const emitted = program.emit();
    assert.equal(emitted.emitSkipped, false);
    check([], join(out, 'lib.js'), 'require', rel(join(fixtures, 'lib.ts')), 35);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
