// A detach that lands inside a probe's handler is answered LATER until the handler has returned
// (put-off.ts). Meanwhile a second jsprobe's attach came in; it was let in (the first session was
// marked detached), took the first one's place, and the first command's next ask found another
// owner and was answered no maps: they were lost. Here both channels' requests are made on this
// thread, as their channel threads make them in a target, with the handler's window held open.

import { test } from 'node:test';
import { basename } from 'node:path';
import assert from 'node:assert/strict';
import { attachWorker, detachWorker, install } from '../../src/attach/remote.js';
import { LATER } from '../../src/attach/channel-data.js';
import { afterHandler, thread } from '../../src/core/handlers.js';
import { Ring } from '../../src/threads/ring.js';
import type { AttachOptions } from '../../src/program/messages.js';

/** A channel's hidden global, as the channel thread calls it: a request, its answer. */
function channel(name: string): (request: object) => unknown {
  install(Ring.create(1 << 16).sab, new SharedArrayBuffer(8), name, () => {});
  const call = (globalThis as unknown as Record<string, (r: string) => string>)[name];
  return (request) => JSON.parse(call(JSON.stringify(request))) as unknown;
}

const attach = (source: string) => ({ op: 'attach', source, options: { format: 'text', unsafe: false } });

test("a second attach while the first one's detach waits for a handler is refused, and the first gets its maps", () => {
  const first = channel('__jsprobe_test_first');
  const second = channel('__jsprobe_test_second');
  const a = first(attach('BEGIN { @first = count() }')) as { error?: string };
  assert.equal(a.error, undefined);
  // The detach lands inside a handler: its read waits for the handler's end.
  thread.busy = true;
  assert.equal(first({ op: 'detach' }), LATER);
  const refused = second(attach('BEGIN { @second = count() }')) as { error?: string; process?: boolean };
  assert.equal(refused.error, 'another jsprobe is detaching from it now: try again in a moment');
  assert.equal(refused.process, true);
  thread.busy = false;
  afterHandler();
  // Read now, the session has gone: a second jsprobe may attach before the first has taken its answer.
  const b = second(attach('BEGIN { @second = count() }')) as { error?: string };
  assert.equal(b.error, undefined);
  const maps = first({ op: 'detach' }) as { name: string }[];
  assert.deepEqual(maps.map((m) => m.name), ['@first']);
  assert.deepEqual((second({ op: 'detach' }) as { name: string }[]).map((m) => m.name), ['@second']);
  first({ op: 'forget' });
  second({ op: 'forget' });
});

test("a worker's detach takes its own channel's maps, never those of a session another channel set up after it", () => {
  const options: AttachOptions = { format: 'text', worker: true, unsafe: false };
  // BEGIN runs on the main thread only: a worker's maps come from its probes' hits.
  assert.equal((attachWorker('fn:node:path#basename { @first = count() }', options, 'first') as { error?: string }).error, undefined);
  basename('/a/b');
  thread.busy = true;
  assert.equal(detachWorker(false, 'first'), LATER);
  assert.match((attachWorker('fn:node:path#basename { @second = count() }', options, 'second') as { error: string }).error, /still detaching/);
  thread.busy = false;
  afterHandler();
  assert.equal((attachWorker('fn:node:path#basename { @second = count() }', options, 'second') as { error?: string }).error, undefined);
  basename('/a/b');
  // The second's session is no answer to the first: the first's own maps are.
  assert.deepEqual((detachWorker(false, 'first') as { name: string }[]).map((m) => m.name), ['@first']);
  assert.deepEqual((detachWorker(false, 'second') as { name: string }[]).map((m) => m.name), ['@second']);
});
