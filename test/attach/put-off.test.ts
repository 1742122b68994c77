// A put-off read of the maps (a -p detach, a snapshot) is a read of jsprobe's JavaScript that the
// asker's next ask, another interrupt, can land inside. That ask is answered LATER, never the
// fallback as if it were the read's value: the detach then printed no maps, about 1 run in 140 of
// scripts/attach-sigint-stress.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, putOff, type PutOff } from '../../src/attach/put-off.js';
import { LATER } from '../../src/attach/channel-data.js';
import { afterHandler, thread } from '../../src/core/handlers.js';

test('an ask that lands inside the read is answered LATER, and the one after it the value', () => {
  const inside: unknown[] = [];
  // The ask lands inside a handler: the read waits for its end.
  thread.busy = true;
  const p: PutOff<string[]> = putOff(() => {
    // Where the next asks land: in the middle of the read, one of them with `now`.
    inside.push(answer(p, false), answer(p, true));
    return ['@n'];
  }, []);
  assert.equal(answer(p, false), LATER);
  thread.busy = false;
  afterHandler();
  assert.deepEqual(inside, [LATER, LATER]);
  assert.deepEqual(answer(p, false), ['@n']);
});

test('a read that throws is answered the fallback, once it has returned', () => {
  const p = putOff<string[]>(() => {
    throw new Error('no maps');
  }, []);
  assert.deepEqual(answer(p, false), []);
});
