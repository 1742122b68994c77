// profile:hz:N's sampler when a request lands inside a slice: under -p the command's requests (a
// snapshot, a tick, the detach) run in the target as interrupts, anywhere in its JavaScript, and
// so inside a slice's start of the next console profile and stop of the last. Here the landing is
// made at those calls themselves (V8's console.profile and profileEnd, which the sampler takes
// from node:inspector's console at its first use: patched here before it), the place where a
// detach once made a restart throw in the target's timer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import inspector from 'node:inspector';
import { Profiler, type Sample } from '../../src/program/profile.js';

type ConsoleCall = (this: unknown, title: string) => void;
const v8Console = inspector.console as unknown as Record<'profile' | 'profileEnd', ConsoleCall>;
/** Sees each console profile call first; may re-enter the profiler. */
let before: (method: string) => void = () => {};
for (const method of ['profile', 'profileEnd'] as const) {
  const call = v8Console[method];
  v8Console[method] = function (title) {
    before(method);
    call.call(this, title);
  };
}

/** Run `f` with every console profile call seen first by `hook`; the calls, in order. */
function landing(hook: (method: string) => void, f: () => void): string[] {
  const called: string[] = [];
  before = (method) => {
    called.push(method);
    hook(method);
  };
  try {
    f();
  } finally {
    before = () => {};
  }
  return called;
}

function spinFor(ms: number): number {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x++;
  return x;
}

function profiler(seen: Sample[], warned: string[]): Profiler {
  return new Profiler([{ text: 'profile:hz:999', hz: 999, handler: (s) => void seen.push(s) }], (s) => void warned.push(s));
}

test('a stop that lands inside a slice\'s profileEnd: nothing throws, sampling ends after that slice, nothing is called after', () => {
  const seen: Sample[] = [];
  const warned: string[] = [];
  const p = profiler(seen, warned);
  spinFor(20);
  let landed = false;
  const called = landing((method) => {
    if (method === 'profileEnd' && !landed) {
      landed = true;
      p.stop((s) => void warned.push(s));
    }
  }, () => p.slice());
  assert.ok(landed);
  // The next slice's start, the last one's end, then (the stop) the end of the one just started.
  assert.deepEqual(called, ['profile', 'profileEnd', 'profileEnd']);
  const after = landing(() => {}, () => {
    p.slice();
    p.stop((s) => void warned.push(s));
  });
  assert.deepEqual(after, [], 'sampling is off');
  assert.deepEqual(warned, []);
});

test('a stop that lands inside the start of the next slice: nothing throws, and the slice then ends the profile it started', () => {
  const seen: Sample[] = [];
  const warned: string[] = [];
  const p = profiler(seen, warned);
  let landed = false;
  const called = landing((method) => {
    if (method === 'profile' && !landed) {
      landed = true;
      p.stop((s) => void warned.push(s));
    }
  }, () => p.slice());
  assert.ok(landed);
  assert.deepEqual(called, ['profile', 'profileEnd', 'profileEnd']);
  assert.deepEqual(landing(() => {}, () => p.slice()), [], 'sampling is off');
  assert.deepEqual(warned, []);
});

test('a slice that lands inside a slice does nothing; sampling goes on, and later slices hand samples over', () => {
  const seen: Sample[] = [];
  const warned: string[] = [];
  const p = profiler(seen, warned);
  for (const at of ['profile', 'profileEnd']) {
    let landed = false;
    const called = landing((method) => {
      if (method === at && !landed) {
        landed = true;
        p.slice();
        p.tick();
      }
    }, () => p.slice());
    assert.ok(landed);
    assert.deepEqual(called, ['profile', 'profileEnd'], at);
  }
  // Still sampling: slices go on handing samples over (as long as a loaded machine takes to take one).
  seen.length = 0;
  const deadline = Date.now() + 60_000;
  while (seen.length === 0 && Date.now() < deadline) {
    spinFor(20);
    p.slice();
  }
  assert.ok(seen.length > 0, 'no sample after the slices that landed');
  p.stop((s) => void warned.push(s));
  assert.deepEqual(warned, []);
});
