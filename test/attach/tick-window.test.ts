// `jsprobe -p`'s first evaluate starts the channel thread wherever the target's main thread is,
// as an interrupt when it is busy: landed at the end of Node's processTicksAndRejections, between
// its last look at the nextTick queue and the clearing of its flag, the ticks that Node's Worker
// constructor queued stayed there with the flag off, and no tick of the process ran again (an
// HTTP service under load stopped answering, its event loop idle: the attach tests on CI).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';

const FIXTURE = join(ROOT, 'test/fixtures/attach/tick-window.cjs');
const LOAD = join(ROOT, 'build/attach-load.cjs');

test("the channel thread's start, landed where Node has just looked at its tick queue for the last time, leaves the process's ticks running", () => {
  // The bound only stops a hang: far above a busy machine's time.
  const r = spawnSync(process.execPath, ['--no-node-snapshot', FIXTURE, LOAD], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.signal, null, `the fixture died: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { landed: true, ticked: true, worker: true });
});
