// Ctrl-C during tracing: the maps collected so far still print, and the exit code says SIGINT.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './run.js';

test('SIGINT to jsprobe while the traced program runs: maps print, exit 130', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'build/src/cli/main.js'), '-q', '-e', 'fn:test/fixtures/cli/app.cjs:work { @ticks = count() }', '-c', 'node test/fixtures/cli/app.cjs forever'], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  // The program says "ready" once it runs with the probes in place; then interrupt.
  await new Promise<void>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('ready')) resolve();
    });
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.match(stdout, /^@ticks: [0-9]+\n\n$/);
});

/** Run jsprobe with `args`, close its stdout after the first output (as `| head -1` does), and wait for it. */
async function closeAfterFirstOutput(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'build/src/cli/main.js'), ...args], { cwd: ROOT });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stderr };
}

test('a reader that goes away (| head): jsprobe stops quietly with 141, listing or tracing', async () => {
  const listed = await closeAfterFirstOutput(['-l', 'node_modules/typescript/lib/typescript.js:*']);
  assert.equal(listed.code, 141, listed.stderr);
  assert.equal(listed.stderr, '');
  // Tracing a program that would run forever: the command is ended, and jsprobe exits.
  const traced = await closeAfterFirstOutput(['-q', '-e', 'fn:test/fixtures/cli/app.cjs:work { printf("%d\\n", arg0) }', '-c', 'node test/fixtures/cli/app.cjs forever']);
  assert.equal(traced.code, 141, traced.stderr);
  assert.doesNotMatch(traced.stderr, /EPIPE|Error/);
});
