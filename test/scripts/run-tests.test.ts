// scripts/run-tests.mjs, the suite's runner, on a tree of its own (JSPROBE_TEST_ROOT): what a test
// file would report run alone, the runner reports too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';

/** The runner over a directory holding only `files` (name: source); its exit code and output. */
async function runTests(files: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-run-tests-'));
  try {
    for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
    // Not as a file of this run: node:test's runner, told so by NODE_TEST_CONTEXT, would run no file.
    const env: NodeJS.ProcessEnv = { ...process.env, JSPROBE_TEST_ROOT: dir };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, [join(ROOT, 'scripts/run-tests.mjs')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { code, out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a failure that comes after its test has returned (an assertion in a timer) fails the run', async () => {
  const late = [
    "const { test } = require('node:test');",
    "const assert = require('node:assert/strict');",
    "test('returns before its assertion runs', () => { setTimeout(() => assert.fail('the late assertion'), 100); });",
  ].join('\n');
  const r = await runTests({ 'late.test.js': late });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /the late assertion/);
});

test('a passing file passes', async () => {
  const r = await runTests({ 'fine.test.js': "const { test } = require('node:test'); test('fine', () => {});\n" });
  assert.equal(r.code, 0, r.out);
  // TAP (Node 20, 22) or spec (24 on).
  assert.match(r.out, /^(ok 1 - |✔ )fine\b/m);
});
