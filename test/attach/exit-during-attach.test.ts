// A target that exits while jsprobe attaches (its inspector just opened, the runtime loading, the
// probes being set up) ends the command soon, with one line that says so (exit 1), or with the
// target's end when the attach was done in time. It used to wait out the load's 15 s bound ("did
// not load jsprobe's runtime"), say "Session was closed" or an inspector error as a usage error
// (exit 2), or print "the target closed the channel" and stay up with its channel listening.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { jsprobe, procState } from './procs.js';

const FIXTURE = join(ROOT, 'test/fixtures/attach/exit-on-open.cjs');
/** Well under the load's bound (15 s), well over an attach's time on a loaded machine. */
const WITHIN_MS = 12_000;

for (const delay of [0, 20, 50, 100, 200, 400, 800]) {
  test(`a target that exits ${delay} ms after its inspector opens: the command ends soon and says so`, { timeout: 60_000 }, async () => {
    const target = spawn(process.execPath, [FIXTURE, String(delay)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let targetErr = '';
    target.stderr.setEncoding('utf8').on('data', (d: string) => (targetErr += d));
    const exited = new Promise<number | null>((resolve) => target.once('exit', resolve));
    const line = await new Promise<string>((resolve) => target.stdout.setEncoding('utf8').once('data', resolve));
    const { pid } = JSON.parse(line) as { pid: number };
    try {
      const t0 = performance.now();
      const cli = jsprobe(['-p', String(pid), '-e', `fn:${FIXTURE}:tick { @n = count() }`]);
      const { code, err } = await cli.done;
      const ms = performance.now() - t0;
      assert.ok(ms < WITHIN_MS, `jsprobe took ${Math.round(ms)} ms: ${err}`);
      // A target held at its exit (a session still connected) fails here, with what it printed, rather than at the test's timeout.
      const late = new Promise<string>((resolve) => setTimeout(() => resolve(`not ended: ${procState(pid)}; ${targetErr}`), WITHIN_MS).unref());
      assert.equal(await Promise.race([exited, late]), 5);
      assert.doesNotMatch(err, /did not load|Session was closed|Inspector error|closed the channel/, err);
      if (code === 0) assert.match(err, new RegExp(`process ${pid} exited with code 5`), err);
      else {
        assert.equal(code, 1, err);
        assert.match(err, new RegExp(`^jsprobe: (process ${pid} exited during the attach|no process with pid ${pid})$`, 'm'), err);
      }
    } finally {
      target.kill('SIGKILL');
    }
  });
}
