// The event ring's producer when an interrupt of its own thread lands inside a push: under -p the
// command's requests (a profile tick, the detach) run in the target as interrupts, at any function
// entry of its JavaScript, jsprobe's own included, and a profile probe's handler may printf from
// there while a probe's printf is mid-way into the ring. Here the landing is made at the write of
// the record's bytes, between the push's read of the ring's tail and its store.

import { test } from 'node:test';
import assert from 'node:assert/strict';

// The ring calls no method the program could replace once it has loaded (test/safety/ring-globals):
// the natives that write a record's bytes are captured as ring.js loads. So the landing is put
// into them before it loads: Buffer's utf8Write (a record in one piece) and TextEncoder's encode
// (a record that wraps around the end), each calling `land` first while one is set.
type Native = (this: unknown, ...args: unknown[]) => unknown;
let land: (() => void) | null = null;
function landingIn<K extends string>(proto: Record<K, unknown>, key: K): void {
  const native = proto[key] as Native;
  proto[key] = function (this: unknown, ...args: unknown[]) {
    const f = land;
    if (f !== null) f();
    return native.apply(this, args);
  };
}
landingIn(Buffer.prototype as unknown as Record<'utf8Write', unknown>, 'utf8Write');
landingIn(TextEncoder.prototype as unknown as Record<'encode', unknown>, 'encode');
const { decodeMessage, RingSender } = await import('../../src/program/messages.js');
const { Profiler } = await import('../../src/program/profile.js');
const { Ring } = await import('../../src/threads/ring.js');

/** Run `f` with the first `times` writes of a record's bytes preceded by `then` (which may push again). */
function landing(then: () => void, f: () => void, times = 1): number {
  let landed = 0;
  land = () => {
    if (landed >= times) return;
    landed++;
    then();
  };
  try {
    f();
  } finally {
    land = null;
  }
  return landed;
}

test('ring: a push that lands inside a push: both records whole, the outer first, nothing lost', () => {
  const ring = Ring.create(256);
  ring.push('before');
  const landed = landing(() => void ring.push('inner'), () => void ring.push('outer'));
  assert.equal(landed, 1);
  ring.push('after');
  assert.deepEqual(ring.drain(), ['before', 'outer', 'inner', 'after']);
  assert.equal(ring.lost, 0);
  assert.equal(ring.used, 0);
});

test('ring: pushes that land inside the pushes that landed: every record whole, in the order they were asked', () => {
  const ring = Ring.create(256);
  let n = 0;
  landing(() => void ring.push(`inner${n++}`), () => void ring.push('outer'), 3);
  assert.deepEqual(ring.drain(), ['outer', 'inner0', 'inner1', 'inner2']);
});

test('ring: a push that lands inside one that wraps around the end of the ring: both whole', () => {
  const ring = Ring.create(64);
  ring.push('x'.repeat(44));
  ring.drain();
  // The next record starts 48 bytes in and wraps: its bytes go through TextEncoder, not utf8Write.
  const landed = landing(() => void ring.push('in'), () => void ring.push('wraps around!!')) === 1;
  assert.ok(landed);
  assert.deepEqual(ring.drain(), ['wraps around!!', 'in']);
});

test('ring: what lands inside a push and could never fit is counted lost, the rest kept', () => {
  const ring = Ring.create(64);
  landing(() => {
    assert.equal(ring.push('y'.repeat(61)), false);
    ring.push('in');
  }, () => void ring.push('outer'));
  assert.deepEqual(ring.drain(), ['outer', 'in']);
  assert.equal(ring.lost, 1);
});

test('a -p profile tick that lands inside a printf\'s push: the samples\' printfs and the printf all come out whole', () => {
  const ring = Ring.create(1 << 16);
  const out = new RingSender(ring);
  let samples = 0;
  const p = new Profiler([{
    text: 'profile:hz:999', hz: 999, handler: () => {
      samples++;
      out.send({ t: 'out', text: 'sample\n' });
    },
  }], () => {});
  // Something to sample (a tick ends a slice the same way). 200 ms at 999 Hz: a slice's first
  // sample, where the profile started, is left out, and a loaded machine's sampler may miss many.
  const end = Date.now() + 200;
  while (Date.now() < end);
  let ticked = 0;
  landing(() => {
    ticked++;
    p.slice();
  }, () => out.send({ t: 'out', text: 'printf\n' }));
  p.stop(() => {});
  assert.equal(ticked, 1);
  assert.ok(samples > 0, 'the slice had samples');
  const records = ring.drain();
  const messages = records.map((r) => decodeMessage(r));
  assert.ok(messages.every((m) => m !== null), `every record is a whole message: ${JSON.stringify(records.slice(0, 3))}`);
  assert.deepEqual(messages[0], { t: 'out', text: 'printf\n' });
  assert.equal(messages.filter((m) => m?.t === 'out' && m.text === 'sample\n').length, samples);
  assert.equal(ring.lost, 0);
});
