// When a --prometheus scrape asks the session for a snapshot of its maps (cli/prometheus.ts), on
// a clock of the test's: not while the last is younger than 500 ms; one request for scrapes at the
// same moment; null (too soon, says the program) keeps the last; a late answer kept for the next
// scrape, an older one never over a newer; the -c pipe's request ids.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MapData } from '../../src/agg/maps.js';
import { PipeSnapshots, SNAPSHOT_MIN_AGE_MS, SnapshotCache } from '../../src/cli/prometheus.js';

const data = (n: number): MapData[] => [{ name: '@n', entries: [['', n]] }];

/** A source whose answers the test gives, on a clock the test moves. */
function setUp(timeoutMs = 60_000): { cache: SnapshotCache; clock: { t: number }; asked: ((d: MapData[] | null) => void)[] } {
  const clock = { t: 1000 };
  const cache = new SnapshotCache(() => clock.t, timeoutMs);
  const asked: ((d: MapData[] | null) => void)[] = [];
  cache.source = () => new Promise((resolve) => asked.push(resolve));
  return { cache, clock, asked };
}

test('a snapshot is reused while younger than 500 ms; scrapes at the same moment share one request', async () => {
  const { cache, clock, asked } = setUp();
  const a = cache.get();
  const b = cache.get();
  assert.equal(asked.length, 1);
  asked[0](data(1));
  assert.deepEqual(await a, { data: data(1), note: '' });
  assert.deepEqual(await b, { data: data(1), note: '' });
  clock.t += SNAPSHOT_MIN_AGE_MS - 1;
  assert.deepEqual((await cache.get()).data, data(1));
  assert.equal(asked.length, 1);
  clock.t += 1;
  const c = cache.get();
  assert.equal(asked.length, 2);
  asked[1](data(2));
  assert.deepEqual((await c).data, data(2));
});

test('null from the traced process (too soon after the last for its cost): the last snapshot is served, and the next scrape asks again', async () => {
  const { cache, clock, asked } = setUp();
  const a = cache.get();
  asked[0](data(1));
  await a;
  clock.t += SNAPSHOT_MIN_AGE_MS;
  const b = cache.get();
  asked[1](null);
  assert.deepEqual(await b, { data: data(1), note: '' });
  const c = cache.get();
  assert.equal(asked.length, 3);
  asked[2](data(3));
  assert.deepEqual((await c).data, data(3));
});

test('no answer within the bound: the page says so, the next scrape asks again, and an answer that comes late is kept', async () => {
  const { cache, asked } = setUp(20);
  const first = await cache.get();
  assert.deepEqual(first, { data: null, note: '# jsprobe: no snapshot within 20 ms\n' });
  const second = cache.get();
  assert.equal(asked.length, 2, 'asked again');
  asked[0](data(1)); // the first request's answer, late
  const r = await second;
  assert.deepEqual(r.data, data(1));
  assert.match(r.note, /^(|# jsprobe: no snapshot within 20 ms; values as of \d+ ms ago\n)$/);
  // Kept: the next scrape, within 500 ms, serves it without asking.
  assert.deepEqual((await cache.get()).data, data(1));
  assert.equal(asked.length, 2);
});

test('an answer older than one already kept does not replace it', async () => {
  const { cache, asked } = setUp(20);
  await cache.get(); // request 1, given up on
  const second = cache.get(); // request 2
  asked[1](data(2));
  assert.deepEqual((await second).data, data(2));
  asked[0](data(1)); // request 1 answers at last
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual((await cache.get()).data, data(2));
});

test('no source yet (the session has not started): no data, nothing asked', async () => {
  const cache = new SnapshotCache(() => 0);
  assert.deepEqual(await cache.get(), { data: null, note: '' });
});

test('-c pipe: each request has its id; maps answering an older request answer the newest, or the next; a late "too soon" is ignored', async () => {
  const sent: number[] = [];
  const pipe = new PipeSnapshots((id) => sent.push(id));
  const first = pipe.get();
  const second = pipe.get();
  assert.deepEqual(sent, [1, 2]);
  pipe.answer(1, null);
  const waiting = await Promise.race([second.then(() => 'answered'), Promise.resolve('waiting')]);
  assert.equal(waiting, 'waiting', 'a null for request 1 does not answer request 2');
  pipe.answer(1, data(1));
  assert.deepEqual(await second, data(1));
  pipe.answer(2, data(2)); // nobody waits: the next request gets it without asking
  assert.deepEqual(await pipe.get(), data(2));
  assert.deepEqual(sent, [1, 2]);
  const third = pipe.get();
  assert.deepEqual(sent, [1, 2, 3]);
  pipe.answer(3, null);
  assert.equal(await third, null);
  const settled = await Promise.race([first.then(() => 'answered'), Promise.resolve('waiting')]);
  assert.equal(settled, 'waiting', 'a request given up on is never answered');
});
