// Each thread has its own copy of core: probes, pools and counters never cross threads.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { reg, unregisterAll } from '../helpers.js';

afterEach(unregisterAll);

test('a probe registered in a worker thread sees that thread\'s calls, with its threadId', async () => {
  const t = { square: (x: number) => x * x };
  const main = reg({ target: { object: t, key: 'square' }, onReturn: () => {} });
  const worker = new Worker(new URL('../../../test/fixtures/worker-probe.mjs', import.meta.url));
  // Listened for before the message is awaited: a worker that ends right after posting it can
  // emit 'exit' in the same turn, before a listener added after the await (the test then hung).
  const exited = once(worker, 'exit');
  const [msg] = (await once(worker, 'message')) as [{ threadId: number; seen: [number, number][]; hits: number }];
  await exited;
  assert.ok(msg.threadId > 0);
  assert.deepEqual(msg.seen, [[msg.threadId, 1], [msg.threadId, 4], [msg.threadId, 9]]);
  assert.equal(msg.hits, 3);
  assert.equal(main.hits, 0, 'the main thread\'s probe saw none of the worker\'s calls');
});
