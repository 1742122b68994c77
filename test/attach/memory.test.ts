// What `jsprobe -p` leaves in a target after it detaches, with real attaches: rounds of a
// breakpoint or live site hit every millisecond, the target's memory read after full collections.
// Before, the first detach left 10.3 MB of buffers (the load hooks' shared logs, the last
// session's ring) and every round the scripts of its breakpoints' conditions (docs/benchmarks.md,
// bench:attach:memory). The bounds are generous: what is left is jsprobe's compiled runtime (~4 MB
// of heap, once) and V8's and Node's own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attach } from './procs.js';
import { MemoryTarget } from './memory-target.js';

const PROGRAM = 'fn:test/fixtures/attach/memory.cjs:work { @n = count(); @v = hist(arg0) }';
const ROUNDS = 4;
const MB = 1 << 20;

test(`${ROUNDS} attach/detach rounds leave no buffers in the target, and its heap within a few MB of before`, async () => {
  const t = new MemoryTarget();
  try {
    const pid = await t.pid;
    const before = await t.ask('mem');
    let first = before;
    for (let r = 1; r <= ROUNDS; r++) {
      const cli = attach(pid, PROGRAM);
      await cli.attached;
      // A while of hits (work() runs every millisecond): the rounds' figures do not depend on how many.
      await new Promise((resolve) => setTimeout(resolve, 300));
      cli.child.kill('SIGINT');
      assert.equal(await cli.done, 0, cli.err());
      assert.ok(Number(/^@n: (\d+)$/m.exec(cli.out())?.[1]) > 0, cli.out());
      if (r === 1) first = await t.ask('mem');
    }
    const after = await t.ask('mem');
    const grew = (k: 'arrayBuffers' | 'heapUsed', from: typeof before): string => ((after[k] - from[k]) / MB).toFixed(2);
    // Generous: a 1 MiB ring still being let go as the rounds end is no leak; the buffers once kept were 10.3 MB.
    assert.ok(after.arrayBuffers - before.arrayBuffers < 4 * MB, `arrayBuffers grew ${grew('arrayBuffers', before)} MB`);
    assert.ok(after.heapUsed - before.heapUsed < 8 * MB, `heapUsed grew ${grew('heapUsed', before)} MB`);
    assert.ok(after.heapUsed - first.heapUsed < 2 * MB, `heapUsed grew ${grew('heapUsed', first)} MB after the first round`);
  } finally {
    t.child.kill();
  }
});
