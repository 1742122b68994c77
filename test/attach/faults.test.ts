// Under -p a handler's fault is reported where the trace goes, on jsprobe's stderr, and the
// target's own stderr never hears of it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alive, fetchText, jsprobe, node, procState, startService } from './procs.js';

test("-p: a handler's fault is reported once on jsprobe's stderr, not on the target's", async () => {
  const svc = await startService(node());
  try {
    const cli = jsprobe(['-e', 'fn:test/fixtures/attach/server.cjs:handle { @n = count(); printf("%x\\n", 1/0) }', '-p', String(svc.pid)]);
    // Requests until the probe has seen some (the fault is reported at the first).
    while (!cli.stderr().includes('handler threw')) {
      // A service that stops answering fails the test with where both processes were.
      await fetchText(svc.port, '/x').catch((e: Error) => {
        throw new Error(`${e.message}; service: ${procState(svc.pid)}; jsprobe: ${procState(cli.child.pid)}; its stderr: ${cli.stderr()}`);
      });
      if (!alive(cli.child)) break;
    }
    cli.child.kill('SIGINT');
    const { code, out, err } = await cli.done;
    assert.equal(code, 0, err);
    assert.match(out, /@n: [1-9]/);
    assert.equal(err.match(/handler threw \(reported once\)/g)?.length, 1, err);
    assert.doesNotMatch(svc.stderr(), /threw|jsprobe/);
    assert.equal(await fetchText(svc.port, '/x'), 'ok');
  } finally {
    svc.child.kill();
  }
});
