// `jsprobe -p` on a process that `jsprobe -c` traces with a program of counts, whose module was
// therefore loaded for counting alone (docs/hot-path.md): the attach gets breakpoint sites there,
// as it did on a module with whole sites, since a live patch cannot reach past the names the
// rewrite gave the module's scope (V8 would answer Ok and apply nothing). Both runs count every
// call they should, and an attach's detach, after a live patch of another module or not, leaves
// the `-c` run counting.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { attach, jsprobe, streamMatch, type CliRun } from './procs.js';

const LIB = join(ROOT, 'test/fixtures/attach/counted-lib.cjs');

/**
 * counted.cjs under `jsprobe -c` with a count of counted-lib.cjs's functions; `during` runs while
 * it does (an attach). Then the program ends, and every call it made must have been counted.
 */
async function countedRun(during: (pid: number, counted: CliRun) => Promise<void>): Promise<void> {
  const counted = jsprobe(['-q', '-e', `fn:${LIB}:* { @[func] = count() }`, '-c', 'node test/fixtures/attach/counted.cjs']);
  const pid = Number((await streamMatch(counted, 'stdout', /^pid (\d+)$/m))[1]);
  try {
    await during(pid, counted);
  } finally {
    // After the attach has gone (or failed): the program ends, and the -c run with it.
    process.kill(pid, 'SIGUSR2');
  }
  const end = await counted.done;
  assert.equal(end.code, 0, end.err);
  // The attach's threads are its own: the -c run waits for none of them at its end.
  assert.doesNotMatch(end.err, /did not answer/);
  const calls = Number(/^calls (\d+)$/m.exec(end.out)?.[1]);
  assert.ok(calls > 0, end.out);
  assert.match(end.out, new RegExp(`^@\\[add\\]: ${calls}$`, 'm'));
  assert.match(end.out, new RegExp(`^@\\[mul\\]: ${calls}$`, 'm'));
}

test('-p on a module -c loaded for counting alone: breakpoint sites, and both runs count right', async () => {
  await countedRun(async (pid) => {
    const run = attach(pid, `fn:${LIB}:mul { @e = count() } interval:ms:300 { exit() }`);
    assert.equal(await run.done, 0, run.err());
    assert.match(run.err(), /cannot be patched in place: its module was rewritten with probe sites as it loaded/);
    // The program has no worker thread: Node 20's module hooks thread (for -c's load hooks) is Node's own, not traced.
    assert.match(run.err(), /Attached to \d+: 1 probe\. /);
    assert.ok(Number(/^@e: (\d+)$/m.exec(run.out())?.[1]) > 0, run.out());
  });
});

test('a -p attach that patched another module live leaves the -c run counting once it detaches', async () => {
  const other = join(ROOT, 'test/fixtures/attach/other-lib.cjs');
  await countedRun(async (pid, counted) => {
    const run = attach(pid, `fn:${other}:sub { @s = count() } interval:ms:300 { exit() }`);
    assert.equal(await run.done, 0, run.err());
    assert.ok(Number(/^@s: (\d+)$/m.exec(run.out())?.[1]) > 0, run.out());
    // Detached: a batch made after it, all of whose calls the -c run must count.
    process.kill(pid, 'SIGHUP');
    await streamMatch(counted, 'stdout', /^more$/m);
  });
});
