// A connection is trusted only once the socket that accepted it is found among the target's open
// files: accepted by another process, it is closed with nothing sent on it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectToTarget } from '../../src/attach/peer.js';
import { ROOT } from '../cli/run.js';
import { spawnTracked } from '../cli/tracked.js';

test('accepted by the process named: trusted; accepted by another: refused, and nothing is sent', async () => {
  const fake = spawnTracked(process.execPath, [join(ROOT, 'test/fixtures/attach/fake-inspector.cjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = '';
  const port = await new Promise<number>((resolve) => fake.stdout!.setEncoding('utf8').on('data', (d: string) => {
    seen += d;
    const m = /^ready (\d+)\n/.exec(seen);
    if (m !== null) resolve(Number(m[1]));
  }));
  try {
    await assert.rejects(connectToTarget(process.pid, port), (e: Error) => {
      // Its short name as the kernel has it: `node`, or `node-MainThread` where Node names its main thread (26).
      const who = `process ${fake.pid} (${readFileSync(`/proc/${fake.pid}/comm`, 'utf8').trim()}), not by process ${process.pid}`;
      assert.equal(e.message, `the connection to 127.0.0.1:${port} was accepted by ${who}: jsprobe sent nothing on it`);
      return true;
    });
    const ok = await connectToTarget(fake.pid!, port);
    ok.resume().end('GET /json/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await new Promise((r) => ok.once('close', r));
    fake.kill();
    await new Promise((r) => fake.once('close', r));
    // Two connections reached it; a request came on the trusted one only.
    assert.equal(seen, `ready ${port}\nconnection\nconnection\nrequest /json/version\n`);
  } finally {
    fake.kill();
  }
});
