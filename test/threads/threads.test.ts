// The threads layer's shared structures, with real worker threads: the per-thread event ring
// (single producer, single consumer, drops counted) and per-thread aggregation slots.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { Ring } from '../../src/threads/ring.js';
import { ThreadSlots } from '../../src/threads/slots.js';

const PRODUCER = new URL('../../../test/fixtures/threads/producer.mjs', import.meta.url);

function runWorker(data: Record<string, unknown>): { worker: Worker; done: Promise<Record<string, number>> } {
  const worker = new Worker(PRODUCER, { workerData: data });
  const done = new Promise<Record<string, number>>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, done };
}

test('ring: events come out in order, whole, across wrap-arounds; what does not fit is counted lost', () => {
  // A model: a queue with the ring's byte accounting.
  const op = fc.oneof(fc.string({ maxLength: 40 }).map((s) => ({ push: s })), fc.constant({ drain: true as const }));
  fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
    const ring = Ring.create(128);
    const queue: string[] = [];
    let used = 0;
    let lost = 0;
    for (const o of ops) {
      if ('push' in o) {
        const need = 4 + ((Buffer.byteLength(o.push) + 3) & ~3);
        const ok = ring.push(o.push);
        assert.equal(ok, 128 - used >= need);
        if (ok) {
          queue.push(o.push);
          used += need;
        } else lost++;
      } else {
        assert.deepEqual(ring.drain(), queue.splice(0));
        used = 0;
      }
      assert.equal(ring.used, used);
      assert.equal(ring.lost, lost);
    }
  }));
});

test('ring: a worker producing while this thread drains loses nothing silently (received + lost = produced)', async () => {
  const ring = Ring.create(4096);
  const count = 50_000;
  const { done } = runWorker({ kind: 'ring', sab: ring.sab, count, id: 7 });
  const received: string[] = [];
  let finished: Record<string, number> | null = null;
  void done.then((r) => (finished = r));
  while (finished === null) {
    received.push(...ring.drain());
    await new Promise((r) => setImmediate(r));
  }
  received.push(...ring.drain());
  const { sent } = finished as Record<string, number>;
  assert.equal(received.length, sent);
  assert.equal(received.length + ring.lost, count);
  // In order, each whole: the sequence numbers only go up and every payload has its length.
  let last = -1;
  for (const e of received) {
    const [id, n, pad] = e.split(':');
    assert.equal(id, '7');
    assert.ok(Number(n) > last, `event ${n} after ${last}`);
    assert.equal(pad.length, Number(n) % 37);
    last = Number(n);
  }
});

test('ring: pushWait waits for the consumer to make room rather than dropping', () => {
  const ring = Ring.create(64);
  assert.equal(ring.push('a'.repeat(50)), true);
  // No consumer runs meanwhile: it waits its timeout out, then drops and counts.
  assert.equal(ring.pushWait('b'.repeat(20), 5), false);
  assert.equal(ring.lost, 1);
  ring.drain();
  assert.equal(ring.pushWait('b'.repeat(20), 5), true);
  assert.deepEqual(ring.drain(), ['b'.repeat(20)]);
  assert.throws(() => Ring.create(100), /power of two/);
});

test('ring: a pushWait of what is not an event (a snapshot\'s piece) that finds no room is not counted lost', () => {
  const ring = Ring.create(64);
  assert.equal(ring.push('a'.repeat(50)), true);
  assert.equal(ring.pushWait('b'.repeat(20), 5, false), false);
  assert.equal(ring.lost, 0);
  assert.equal(ring.push('c'.repeat(20)), false);
  assert.equal(ring.lost, 1);
  assert.deepEqual(ring.drain(), ['a'.repeat(50)]);
});

test('slots: each thread adds to its own padded row; the sum is merged when read', async () => {
  const slots = ThreadSlots.create(2, 8);
  const counts = [10_000, 20_000, 30_000];
  await Promise.all(counts.map((count) => runWorker({ kind: 'slots', sab: slots.sab, count }).done));
  assert.equal(slots.threads, 3);
  assert.equal(slots.sum(0), 60_000);
  assert.equal(slots.sum(1), counts.reduce((s, n) => s + (n * (n - 1)) / 2, 0));
  assert.deepEqual([...slots.perThread(0)].sort((a, b) => a - b), counts);
  // Rows never share a cache line (nor a prefetched pair): each starts a multiple of 128 bytes in.
  const mine = slots.claim();
  assert.equal(mine.byteOffset % 128, 0);
  const wide = ThreadSlots.create(17, 2);
  assert.deepEqual([wide.claim().byteOffset, wide.claim().byteOffset], [128, 128 + 256]);
  const one = ThreadSlots.create(1, 1);
  one.claim();
  assert.throws(() => one.claim(), /all 1 rows of these slots are claimed/);
});
