// A detach lands in a busy worker as a V8 interrupt, wherever the thread is: often inside a
// probe's handler, between two of its map updates. The maps are read when that handler returns,
// never in its middle: every round, the per-thread counts add up to the total. (Read in the
// middle, 3 rounds of 8 did not, on this fixture, before: `@calls` one ahead of `@all`.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { attach, type AttachRun } from './procs.js';
import { spawnTracked } from '../cli/tracked.js';

const FIXTURE = join(ROOT, 'test/fixtures/attach/busy-workers.cjs');
const ROUNDS = 4;
// Updates between the first and the last make the middle of the handler most of its time.
const PROGRAM = `fnret:${FIXTURE}:crunch { @calls[tid] = count(); @h[tid] = hist(arg0); @a[tid] = avg(arg0); @m[tid] = max(arg0); @all = count() }
fnret:${FIXTURE}:crunch /@said[tid] == 0/ { @said[tid] = 1; printf("hit %d\\n", tid) }`;

/** Resolves once each of `n` threads has printed its first hit. */
function heardFrom(cli: AttachRun, n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (new Set([...cli.out().matchAll(/^hit (\d+)$/gm)].map((m) => m[1])).size < n) return;
      cli.child.stdout!.off('data', check);
      resolve();
    };
    cli.child.stdout!.on('data', check);
    check();
  });
}

test('a detach landing inside a busy worker\'s handler reads the maps when it returns: the counts add up', async () => {
  const svc = spawnTracked(process.execPath, [FIXTURE, '2'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const pid = await new Promise<number>((resolve) => {
      let out = '';
      svc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('\n')) resolve((JSON.parse(out) as { pid: number }).pid);
      });
    });
    for (let round = 0; round < ROUNDS; round++) {
      const cli = attach(pid, PROGRAM);
      await cli.attached;
      await heardFrom(cli, 2);
      cli.child.kill('SIGINT');
      assert.equal(await cli.done, 0, cli.err());
      const out = cli.out();
      const perThread = [...out.matchAll(/^@calls\[(\d+)\]: (\d+)$/gm)].map((m) => Number(m[2]));
      assert.equal(perThread.length, 2, out);
      assert.equal(Number(/^@all: (\d+)$/m.exec(out)?.[1]), perThread.reduce((s, n) => s + n, 0), `round ${round}: ${out}`);
    }
  } finally {
    svc.kill();
  }
});
