// --dry-run -p's test for a process that runs its TypeScript through tsx (attach/live-edits.ts's
// runsTsx), read from its command line and NODE_OPTIONS: tsx named as a loader or as its package's
// files, and not a path that merely has a directory named tsx in it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runsTsx } from '../../src/attach/live-edits.js';
import { tracked } from '../cli/tracked.js';

/** A node process that waits, with `args` on its command line and `nodeOptions` in its environment, and whether runsTsx says it runs tsx. */
async function says(args: string[], nodeOptions = ''): Promise<boolean> {
  const child = tracked(spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 1000)', ...args], {
    env: { ...process.env, NODE_OPTIONS: nodeOptions }, stdio: ['ignore', 'pipe', 'ignore'],
  }));
  try {
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    return runsTsx(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

test('tsx named as a loader or by its package\'s files is tsx; a directory named tsx is not', async () => {
  assert.equal(await says([], '--import tsx'), true);
  assert.equal(await says([], '--import=tsx/esm'), true);
  assert.equal(await says([], '--require tsx/cjs'), true);
  assert.equal(await says(['/app/node_modules/tsx/dist/loader.mjs']), true);
  assert.equal(await says(['/app/node_modules/.pnpm/tsx@4.19.0/node_modules/tsx/dist/cli.mjs']), true);
  assert.equal(await says(['/home/u/tsx/app.js']), false);
  assert.equal(await says(['/srv/tsx']), false);
  assert.equal(await says([], '--max-old-space-size=100'), false);
});
