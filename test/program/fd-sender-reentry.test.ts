// The agent's sender to the -c command (fd 3) when an interrupt of its own thread lands inside a
// send: -c's profile tick of a busy main thread runs profile:hz:N's handlers as an interrupt, at
// any function entry, jsprobe's own included, and their printfs send from there. Here the landing
// is made at the write(2) of a line the pipe had taken only part of, the one place where a send
// from inside wrote the same bytes a second time into the command's stream. And a send from there
// may not touch Node's timers (its retry timer, when the pipe is full).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import fs from 'node:fs';
import { decodeMessage } from '../../src/program/messages.js';
import { FdSender } from '../../src/program/fd-sender.js';
import { fifoPair, landing, readAll } from './fifo.js';

test('fd sender: a send that lands inside the write of a line the pipe took part of: every line whole, once', async () => {
  const { r, w } = fifoPair();
  const sender = new FdSender(w);
  try {
    // Lines longer than PIPE_BUF, so that a pipe with some room takes part of one.
    const text = (i: number): string => `${String(i).padStart(4, '0')}${'x'.repeat(20_000)}\n`;
    const sent: string[] = [];
    const send = (): void => {
      const t = text(sent.length);
      sent.push(t);
      sender.send({ t: 'out', text: t });
    };
    // The pipe (64 KiB) takes three and part of the fourth; the fifth waits.
    for (let i = 0; i < 5; i++) send();
    let got = readAll(r);
    // The sender tries the pipe again only after a full one has had a moment.
    const end = Date.now() + 5;
    while (Date.now() < end);
    const landed = landing(send, send);
    assert.ok(landed);
    // The rest goes out on the sender's timer as the pipe empties.
    for (let idle = 0; idle < 20;) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const more = readAll(r);
      got += more;
      idle = more === '' ? idle + 1 : 0;
    }
    const lines = got.split('\n').filter((l) => l !== '');
    const texts = lines.map((l) => {
      const m = decodeMessage(l);
      assert.ok(m !== null && m.t === 'out', `a whole message: ${l.slice(0, 40)}...${l.slice(-40)} (${l.length} chars)`);
      return m.text;
    });
    assert.deepEqual([...texts].sort(), [...sent].sort(), 'each line once');
    assert.equal(sender.lost, 0);
  } finally {
    sender.close();
    fs.closeSync(r);
  }
});

test('fd sender: a send to a full pipe makes no timer where it runs (it may be an interrupt): the retry timer comes from a job', async () => {
  const { r, w } = fifoPair();
  const sender = new FdSender(w);
  let inSend = false;
  let madeInSend = 0;
  let made = 0;
  const hook = createHook({
    init(_id, type) {
      if (type !== 'Timeout') return;
      made++;
      if (inSend) madeInSend++;
    },
  }).enable();
  try {
    // The pipe fills: the lines past it wait, and the sender wants its retry timer.
    for (let i = 0; i < 8; i++) {
      inSend = true;
      sender.send({ t: 'out', text: `${'y'.repeat(20_000)}\n` });
      inSend = false;
    }
    assert.equal(madeInSend, 0, 'no timer made inside a send');
    await new Promise<void>((resolve) => void queueMicrotask(resolve));
    await null;
    assert.equal(made, 1, 'the retry timer, made from a job');
  } finally {
    hook.disable();
    sender.close();
    readAll(r);
    fs.closeSync(r);
  }
});
