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
