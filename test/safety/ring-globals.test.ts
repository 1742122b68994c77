// The event ring runs in the traced process on both sides (a worker's events, read by its main
// thread; -p's output, written by the target's main thread). A program that replaces, after
// jsprobe has loaded, every method the ring used to reach at its call (Buffer's byteLength, write,
// toString, utf8Write, utf8Slice and concat, TextEncoder's encode, the typed arrays' set and
// subarray, Atomics) sees none of them called, and the records come out whole: in one piece and
// wrapping around the end of the ring.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ring } from '../../src/threads/ring.js';

type Holder = Record<string, unknown>;

/** Replace every listed method with one that counts its calls; returns how to put them back. */
function replaceAll(targets: [Holder, string[]][], called: string[]): () => void {
  const undo: (() => void)[] = [];
  for (const [holder, keys] of targets) {
    for (const key of keys) {
      const real = holder[key] as (...a: unknown[]) => unknown;
      holder[key] = function (this: unknown, ...args: unknown[]) {
        called.push(key);
        return real.apply(this, args);
      };
      undo.push(() => void (holder[key] = real));
    }
  }
  return () => undo.forEach((f) => f());
}

test("the ring calls none of the program's replacements of Buffer's, TextEncoder's, the typed arrays' methods or Atomics", () => {
  const ring = Ring.create(64);
  const called: string[] = [];
  const typedArray = Object.getPrototypeOf(Uint8Array.prototype) as Holder;
  const restore = replaceAll([
    [Buffer as unknown as Holder, ['byteLength', 'concat', 'from', 'allocUnsafe']],
    [Buffer.prototype as unknown as Holder, ['write', 'toString', 'utf8Write', 'utf8Slice', 'subarray', 'slice']],
    [TextEncoder.prototype as unknown as Holder, ['encode', 'encodeInto']],
    [typedArray, ['set', 'subarray']],
    [Atomics as unknown as Holder, ['load', 'store', 'add', 'wait', 'notify']],
  ], called);
  let drained: string[][];
  try {
    assert.equal(ring.push('héllo'), true);
    drained = [ring.drain()];
    // 12 bytes in; the next record (4 + 52) wraps around the end of the 64 bytes.
    assert.equal(ring.pushWait(`wrap ${'é'.repeat(23)}`, 10), true);
    drained.push(ring.drain());
  } finally {
    restore();
  }
  assert.deepEqual(called, []);
  assert.deepEqual(drained, [['héllo'], [`wrap ${'é'.repeat(23)}`]]);
  assert.equal(ring.lost, 0);
});
