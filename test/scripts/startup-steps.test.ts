// bench:startup:steps copies build/ into the checkout (build-steps-PID) to mark its agent, and must
// take the copy away however it ends: here by Ctrl-C in the middle of its runs, which reaches its
// process group (itself and the run it waits for).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ROOT } from '../cli/run.js';

/** Whether `file` exists and starts with `head`. */
function startsWith(file: string, head: string): boolean {
  try {
    return readFileSync(file, 'utf8').startsWith(head);
  } catch {
    return false;
  }
}

test('bench:startup:steps, Ctrl-C in the middle of its runs: its copy of build/ is removed', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'build/bench/startup-steps.js'), '--rounds', '200'], { cwd: ROOT, detached: true, stdio: 'ignore' });
  const copy = join(ROOT, `build-steps-${child.pid}`);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    // The copy's agent marked (its first line a stamp): the runs have begun, or are about to.
    const deadline = Date.now() + 60_000;
    while (!startsWith(join(copy, 'src/agent-bundle/agent.cjs'), 'process.env.JSPROBE_STEPS')) {
      assert.ok(Date.now() < deadline, 'the copy was never made');
      assert.equal(child.exitCode, null, 'the bench ended before its copy was made');
      await delay(20);
    }
    process.kill(-child.pid!, 'SIGINT');
    await closed;
    assert.equal(existsSync(copy), false, `${copy} left behind`);
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Gone already.
    }
    rmSync(copy, { recursive: true, force: true });
  }
});
