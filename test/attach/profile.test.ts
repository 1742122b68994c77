// profile:hz:N under -p, with real processes: the runtime in the target samples its main thread;
// an interval slices the samples and exit() from a sample's handler detaches; a target whose main
// thread never returns to its loop is sampled (its handlers see samples while it spins) until
// Ctrl-C detaches, and runs on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { attach } from './procs.js';
import { spawnTracked } from '../cli/tracked.js';

/** A target that prints `{"pid":N}` first, and the pid. */
async function startTarget(file: string): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawnTracked(process.execPath, [join(ROOT, 'test/fixtures/attach', file)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out);
    });
    child.once('exit', () => reject(new Error('the target ended')));
  });
  return { child, pid: (JSON.parse(line) as { pid: number }).pid };
}

test('-p: the target samples its stacks; an interval slices them, and exit() in a sample detaches', { timeout: 120_000 }, async () => {
  const t = await startTarget('spinner.cjs');
  try {
    const program = 'profile:hz:99 /func == "spin"/ { @n = count(); @seen += 1; if (@seen == 20) { exit() } } interval:ms:200 { }';
    const cli = attach(t.pid, program);
    await cli.attached;
    assert.match(cli.err(), /Attached to \d+: 1 probe\./);
    assert.equal(await cli.done, 0, cli.err());
    assert.ok(Number(/^@n: (\d+)$/m.exec(cli.out())?.[1]) >= 20, cli.out());
    assert.equal(t.child.exitCode, null, 'the target runs on');
  } finally {
    t.child.kill('SIGKILL');
  }
});

test('-p: a target whose main thread never returns is sampled until Ctrl-C detaches, and runs on', { timeout: 120_000 }, async () => {
  const t = await startTarget('busy.cjs');
  try {
    const cli = attach(t.pid, 'profile:hz:99 { @samples = count(); @[ustack(1)] = count(); if (@samples == 1) { printf("sampled\\n") } }');
    await cli.attached;
    // Samples reach the handlers at a slice's end, which the sampler's tick brings to the busy
    // thread as an interrupt (about once a second): Ctrl-C once the first has come. Straight after
    // the attach there may be none yet, as each profile's own start sample is left out.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (!/^sampled$/m.test(cli.out())) return;
        cli.child.stdout!.off('data', check);
        resolve();
      };
      cli.child.stdout!.on('data', check);
      check();
    });
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    assert.ok(Number(/^@samples: (\d+)$/m.exec(cli.out())?.[1]) > 0, cli.out());
    // Not the target's idle loop: its busy one. (Which frame V8 names for a loop that was optimized
    // before the profile began, and is still on the stack, is V8's choice: docs/cli.md.)
    assert.doesNotMatch(cli.out(), /\(idle\)|processTimers|processImmediate/, cli.out());
    assert.equal(t.child.exitCode, null, 'the target runs on, still in its loop');
  } finally {
    t.child.kill('SIGKILL');
  }
});
