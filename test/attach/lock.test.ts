// The lock around an inspector port, between real processes: exclusive, a waiter told who holds
// it after a second and refused after its bound, and free as soon as its holder dies, SIGKILL
// included (nothing stale is left behind).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { acquire, holderOf } from '../../src/attach/lock.js';
import { ROOT } from '../cli/run.js';
import { spawnTracked } from '../cli/tracked.js';

const FIXTURE = join(ROOT, 'test/fixtures/attach/hold-lock.mjs');
const name = `jsprobe-test-lock-${process.pid}`;

function holder(waitMs: number): { child: ChildProcess; out: Promise<string>; err: () => string } {
  const child = spawnTracked(process.execPath, [FIXTURE, name, String(waitMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const out = new Promise<string>((resolve) => {
    let text = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.endsWith('\n')) resolve(text);
    });
    child.once('close', () => resolve(text));
  });
  return { child, out, err: () => err };
}

test('one holder at a time; a waiter names the holder after a second and gives up at its bound', async () => {
  const mine = await acquire(name, 'the test lock', 0, () => assert.fail('no wait expected'));
  const waiter = holder(1500);
  try {
    assert.equal(holderOf(name), process.pid);
    const out = await waiter.out;
    assert.match(out, new RegExp(`^the test lock stayed in use by jsprobe process ${process.pid} \\(.*\\) for \\d+ s; try again when it has detached\\n$`));
    assert.equal(waiter.err(), `jsprobe: waiting for jsprobe process ${process.pid} (${/\((.*)\)/.exec(out)![1]}), which is attaching through the test lock\n`);
  } finally {
    mine.release();
    waiter.child.kill();
  }
});

test('the lock goes with its holder: after SIGKILL it is free at once, nothing stale to clean', async () => {
  const first = holder(0);
  assert.match(await first.out, /^held \d+\n$/);
  assert.equal(holderOf(name), first.child.pid);
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('close', r));
  const mine = await acquire(name, 'the test lock', 0, () => assert.fail('no wait expected'));
  mine.release();
});

test('a waiter gets the lock when the holder lets go', async () => {
  const mine = await acquire(name, 'the test lock', 0, () => {});
  const waiter = holder(10_000);
  try {
    // Released only once the waiter is surely waiting: it runs and has failed to bind at least once.
    const end = Date.now() + 5000;
    while (waiter.err() === '' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    mine.release();
    assert.match(await waiter.out, /^held \d+\n$/);
  } finally {
    waiter.child.kill();
  }
});
