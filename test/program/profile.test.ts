// profile:hz:N's sampler when a request lands inside a slice: under -p the command's requests (a
// snapshot, a tick, the detach) run in the target as interrupts, anywhere in its JavaScript, and
// so inside a slice's stop and restart of V8's profiler. Here the landing is made at the post
// itself, the place where a detach once made the restart throw in the target's timer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from 'node:inspector';
import { Profiler, type Sample } from '../../src/program/profile.js';

type Post = (this: Session, method: string, ...rest: unknown[]) => void;

/** Run `f` with every post of an inspector session seen first by `before` (which may re-enter the profiler). */
function landing(before: (method: string) => void, f: () => void): string[] {
  const posted: string[] = [];
  const post = Session.prototype.post as unknown as Post;
  (Session.prototype as unknown as { post: Post }).post = function (method, ...rest) {
    posted.push(method);
    before(method);
    post.call(this, method, ...rest);
  };
  try {
    f();
  } finally {
    (Session.prototype as unknown as { post: Post }).post = post;
  }
  return posted;
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

test('a stop that lands inside a slice\'s stop: nothing throws, sampling ends after that slice, nothing is posted after', () => {
  const seen: Sample[] = [];
  const warned: string[] = [];
  const p = profiler(seen, warned);
  spinFor(20);
  let landed = false;
  const posted = landing((method) => {
    if (method === 'Profiler.stop' && !landed) {
      landed = true;
      p.stop((s) => void warned.push(s));
    }
  }, () => p.slice());
  assert.ok(landed);
  // The slice's stop, and neither a restart nor a second stop.
  assert.deepEqual(posted, ['Profiler.stop']);
  const after = landing(() => {}, () => {
    p.slice();
    p.stop((s) => void warned.push(s));
  });
  assert.deepEqual(after, [], 'sampling is off');
  assert.deepEqual(warned, []);
});

test('a stop that lands inside a slice\'s restart: nothing throws, and the slice then stops the profiler it started', () => {
  const seen: Sample[] = [];
  const warned: string[] = [];
  const p = profiler(seen, warned);
  let landed = false;
  const posted = landing((method) => {
    if (method === 'Profiler.start' && !landed) {
      landed = true;
      p.stop((s) => void warned.push(s));
    }
  }, () => p.slice());
  assert.ok(landed);
  assert.deepEqual(posted, ['Profiler.stop', 'Profiler.start', 'Profiler.stop']);
  assert.deepEqual(landing(() => {}, () => p.slice()), [], 'sampling is off');
  assert.deepEqual(warned, []);
});

test('a slice that lands inside a slice does nothing; sampling goes on, and later slices hand samples over', () => {
  const seen: Sample[] = [];
  const warned: string[] = [];
  const p = profiler(seen, warned);
  for (const at of ['Profiler.stop', 'Profiler.start']) {
    let landed = false;
    const posted = landing((method) => {
      if (method === at && !landed) {
        landed = true;
        p.slice();
        p.tick();
      }
    }, () => p.slice());
    assert.ok(landed);
    assert.deepEqual(posted, ['Profiler.stop', 'Profiler.start'], at);
  }
  // Still sampling: slices go on handing samples over (as long as a loaded machine takes to take one).
  // Any sample: which frame V8 names for a loop it optimized while it ran is its own (docs/cli.md).
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
