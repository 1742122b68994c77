// The agent's sender to the -c command (fd 3) in a burst of printfs: a line on its own is written
// at once, and so are the first of a run; past them the lines of one synchronous stretch wait and
// go out together, in order, when the stretch ends (a promise job), or with the end's messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
// First of jsprobe's: the sender reads the clock core captured as it loaded.
import { moveClock, runClock, stopClock } from './fake-clock.js';
import { decodeMessage, type Message } from '../../src/program/messages.js';
import { FdSender } from '../../src/program/fd-sender.js';
import { fifoPair, landing, readAll } from './fifo.js';

/** The messages in what the pipe held. */
const parse = (got: string): Message[] => got.split('\n').filter((l) => l !== '').map((l) => decodeMessage(l)!);
const texts = (ms: Message[]): string[] => ms.map((m) => (m.t === 'out' ? m.text : `<${m.t}>`));
const line = (i: number): string => `line ${i}\n`;

/** `f` with the sender's write(2)s (through fs.writeSync) counted: a landing that never lands. */
function countingWrites(f: () => void): number {
  let n = 0;
  landing(() => {}, f, { at: () => (n++, false) });
  return n;
}

/** Spin (no turn of the loop) until `ms` have passed. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('fd sender: a line on its own is in the pipe when send returns, a stretch apart or not', () => {
  const { r, w } = fifoPair();
  const sender = new FdSender(w);
  try {
    for (let i = 0; i < 3; i++) {
      // More than 1 ms apart: each is a run of its own, in the same stretch.
      if (i > 0) spin(2);
      sender.send({ t: 'out', text: line(i) });
      assert.deepEqual(texts(parse(readAll(r))), [line(i)]);
    }
  } finally {
    sender.close();
    fs.closeSync(r);
  }
});

test('fd sender: a burst in one stretch goes out in far fewer writes than lines, all of it, in order, when the stretch ends', async () => {
  const { r, w } = fifoPair();
  const sender = new FdSender(w);
  // The clock stopped, and moved on by hand: on a loaded machine the burst's own time would decide
  // where the writes fall (a burst descheduled before its last line wrote that line at once).
  stopClock();
  try {
    // ~33 kB of lines: the pipe (64 KiB) takes them all at once.
    const count = 1000;
    const writes = countingWrites(() => {
      for (let i = 0; i < count; i++) {
        // Half-way, 1.5 ms later: what waits goes out then, once.
        if (i === count / 2) moveClock(1.5);
        sender.send({ t: 'out', text: line(i) });
      }
    });
    // A run's first 8 lines go at once, and the rest wait. 1.5 ms later, the line that comes takes
    // what waited out with it in one write, and begins a new run: 8 at once again, then the rest
    // waits for the stretch's end.
    assert.equal(writes, 8 + 1 + 7, `${count} lines in ${writes} writes`);
    const before = texts(parse(readAll(r)));
    assert.deepEqual(before, Array.from({ length: count / 2 + 8 }, (_, i) => line(i)));
    await null;
    assert.deepEqual([...before, ...texts(parse(readAll(r)))], Array.from({ length: count }, (_, i) => line(i)));
    assert.equal(sender.lost, 0);
  } finally {
    runClock();
    sender.close();
    fs.closeSync(r);
  }
});

test('fd sender: the end writes what waits first, then its own messages, in order', () => {
  const { r, w } = fifoPair();
  const sender = new FdSender(w);
  try {
    const count = 1000;
    for (let i = 0; i < count; i++) sender.send({ t: 'out', text: line(i) });
    // No job has run: a process.exit() right after the burst.
    sender.finish(2000);
    sender.send({ t: 'maps', maps: [] });
    sender.reportLost();
    const got = texts(parse(readAll(r)));
    assert.deepEqual(got, [...Array.from({ length: count }, (_, i) => line(i)), '<lost>', '<maps>']);
  } finally {
    sender.close();
    fs.closeSync(r);
  }
});
