// The inspector jsprobe opened with SIGUSR1 is closed for good: Node starts it twice for one
// signal (at an interrupt and at the event loop's next turn), and where jsprobe closed it between
// the two, the second start opened the port again and nobody closed it. Here the second start is
// made by hand, after the close, as the loop's turn makes it in a busy target.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import inspector from 'node:inspector';
import { closeInspector } from '../../src/attach/load.js';

test('a second start of the inspector after jsprobe closed it is closed again at the loop\'s next turn', async () => {
  inspector.open(0, '127.0.0.1');
  assert.notEqual(inspector.url(), undefined);
  closeInspector();
  assert.equal(inspector.url(), undefined);
  // The late start (Node's uv_async for the same SIGUSR1).
  inspector.open(0, '127.0.0.1');
  assert.notEqual(inspector.url(), undefined);
  // It is closed at the loop's next check phase; the bound here is only a failure bound.
  const end = Date.now() + 30_000;
  while (inspector.url() !== undefined && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  assert.equal(inspector.url(), undefined, 'the port opened again stays closed');
});
