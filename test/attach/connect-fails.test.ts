// connect() to an inspector that answers with an error (the process ending: "Cannot find context
// with specified id") must not stay connected: Node, ending with a client connected, waits for it
// to go, and -c's stop of a busy program (cli/busy-stop.ts), which then waited for the program to
// end, held it there for good (found with `jsprobe -c ... | head -1` as the program finished).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connect } from '../../src/attach/inspector-ws.js';
import { ROOT } from '../cli/run.js';
import { spawnTracked } from '../cli/tracked.js';

test('connect(): an inspector whose first answer is an error is disconnected, and the error thrown', async () => {
  // A free port for its --inspect-port, where it listens itself.
  const free = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => free.once('listening', resolve));
  const port = (free.address() as { port: number }).port;
  await new Promise((resolve) => free.close(resolve));
  const target = spawnTracked(process.execPath, [`--inspect-port=${port}`, join(ROOT, 'test/fixtures/attach/ending-inspector.cjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    const said = (re: RegExp) => new Promise<void>((resolve, reject) => {
      const check = (): void => void (re.test(out) && resolve());
      target.stdout!.on('data', check);
      target.once('exit', () => reject(new Error(`the fixture ended: ${out}`)));
      check();
    });
    target.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    await said(/^\d+\n/);
    await assert.rejects(connect(target.pid!, true), /Cannot find context with specified id/);
    // Generous: without the fix the client stays until this process ends.
    const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still connected after 30 s')), 30_000).unref());
    await Promise.race([said(/^closed$/m), bound]);
  } finally {
    target.kill();
  }
});
