// -p on a target that dies without a word (SIGKILL): its runtime cannot send its maps then, so it
// sends them as a snapshot every second while they change, and jsprobe prints the last one, says
// how old it was, and how the target ended.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe, startService } from './procs.js';

const TICKER = 'test/fixtures/attach/ticker.cjs';

test('a target killed by SIGKILL while attached: the last snapshot of its maps prints, with its age and the signal', async () => {
  const svc = await startService(`exec ${JSON.stringify(process.execPath)} ${TICKER}`);
  let killedAt = NaN;
  try {
    const cli = jsprobe(['-p', String(svc.pid), '-e', `fn:${TICKER}:tick { @ticks = count(); printf("tick\\n") }`]);
    // Kill once ticks have been counted for a while: long enough for a snapshot that holds some.
    let first = NaN;
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      cli.child.stdout!.on('data', (d: Buffer) => {
        seen += String(d).split('\n').filter((l) => l === 'tick').length;
        if (seen > 0 && Number.isNaN(first)) first = Date.now();
        if (seen >= 50 && Date.now() - first >= 2500 && Number.isNaN(killedAt)) {
          killedAt = Date.now();
          svc.child.kill('SIGKILL');
          resolve();
        }
      });
      void cli.done.then(({ err }) => reject(new Error(`jsprobe ended first: ${err}`)));
    });
    const { code, out, err } = await cli.done;
    const took = Date.now() - killedAt;
    assert.equal(code, 0, err);
    assert.ok(took < 5000, `jsprobe ended ${took} ms after the kill`);
    // Its status shows while it is a zombie; this test, its parent, may reap it first: then jsprobe says it cannot tell.
    const end = /process (\d+) (?:was killed by SIGKILL|ended without exiting normally); the maps above are its last snapshot, from (\d+) ms before the end/
      .exec(err);
    assert.ok(end !== null, err);
    assert.equal(Number(end[1]), svc.pid);
    // Snapshots go every second: the last is at most a few seconds old, however loaded the machine.
    assert.ok(Number(end[2]) < 10_000, end[0]);
    const ticks = /@ticks: (\d+)/.exec(out);
    assert.ok(ticks !== null, `the snapshot's maps print: ${out}`);
    const printed = out.split('\n').filter((l) => l === 'tick').length;
    // Counted before the kill, as the printf lines were: none more than those, and some.
    assert.ok(Number(ticks[1]) >= 1 && Number(ticks[1]) <= printed, `@ticks ${ticks[1]}, ${printed} printed`);
  } finally {
    if (Number.isNaN(killedAt)) svc.child.kill('SIGKILL');
  }
});
