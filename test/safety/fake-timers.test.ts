// A program that replaces the timers, Date.now and `performance` (as fake-timer libraries do)
// after jsprobe has loaded: jsprobe's own timers (interval probes, the relay, a live patch's
// retry, the profile tick) and clocks are the built-ins captured at load, so the program's fakes
// are never called and jsprobe's timers still fire.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe } from '../cli/run.js';

const APP = 'test/fixtures/safety/fake-timers.cjs';

test('interval and function probes in a program that fakes the timers: its fakes are never called, the probes still fire', () => {
  const program = `fn:${APP}:work { @n = count() } interval:ms:20 { @i = count() } profile:hz:99 { @s = count() }`;
  const r = jsprobe(['-e', program, '-c', `node ${APP}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /fake \S+ called/, r.stderr);
  assert.match(r.stdout, /^fake calls 0$/m, r.stdout);
  assert.match(r.stdout, /^@n: 40$/m, r.stdout);
  assert.ok(Number(/^@i: (\d+)$/m.exec(r.stdout)?.[1]) >= 1, r.stdout);
});
