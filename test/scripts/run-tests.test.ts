// scripts/run-tests.mjs, the suite's runner, on a tree of its own (JSPROBE_TEST_ROOT): what a test
// file would report run alone, the runner reports too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { endsSoon, spawnTracked, stillRuns } from '../cli/tracked.js';

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

/** A test file that writes its pid to `started` in its directory, then runs until it is killed. */
const HANGS = [
  "const { test } = require('node:test');",
  "const { writeFileSync } = require('node:fs');",
  "test('runs until killed', () => new Promise(() => {",
  "  writeFileSync(require('node:path').join(__dirname, 'started'), String(process.pid));",
  "  setInterval(() => {}, 1000);",
  "}));",
].join('\n');

/** Waits for `check` to hold, every 25 ms; false past a bound that only stops a test that would hang. */
async function until(check: () => boolean): Promise<boolean> {
  const end = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** The runner over HANGS, killed with `signal` once the file runs: its exit code, and whether the file's process outlived it. */
async function killedRun(signal: NodeJS.Signals): Promise<{ code: number | null; fileLeft: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-run-tests-'));
  let file: number | undefined;
  try {
    writeFileSync(join(dir, 'hangs.test.js'), HANGS);
    const env: NodeJS.ProcessEnv = { ...process.env, JSPROBE_TEST_ROOT: dir };
    delete env.NODE_TEST_CONTEXT;
    const child = spawnTracked(process.execPath, [join(ROOT, 'scripts/run-tests.mjs')], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'ignore'] });
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    const marker = join(dir, 'started');
    assert.ok(await until(() => existsSync(marker) && readFileSync(marker, 'utf8') !== ''), 'the file never started');
    file = Number(readFileSync(marker, 'utf8'));
    child.kill(signal);
    const code = await closed;
    return { code, fileLeft: !(await endsSoon(file)) };
  } finally {
    // Left by a runner that did not take it with it: not for the next test to find.
    if (file !== undefined && stillRuns(file)) process.kill(file, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a signal ends the runner with 128 + its number, and its lanes with it', async () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', 130]] as const) {
    const r = await killedRun(signal);
    assert.equal(r.code, code, signal);
    assert.equal(r.fileLeft, false, `${signal}: the test file's process outlived the runner`);
  }
});

test('a runner killed outright (SIGKILL) takes its lanes with it', async () => {
  const r = await killedRun('SIGKILL');
  assert.equal(r.code, null);
  assert.equal(r.fileLeft, false, "the test file's process outlived the runner");
});
