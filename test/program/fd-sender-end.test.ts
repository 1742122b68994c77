// The agent's sender to the -c command (fd 3) when the end itself lands inside a send: a busy
// program's Ctrl-C runs the stop (finish(), the maps, the last count) as an inspector interrupt,
// at any function entry, and the command kills the program as soon as the stop has answered. So
// by the time the stop returns, its messages must be in the pipe, whole: they cannot wait for the
// send it interrupted to end (which may never come). And where the interrupted send was writing
// a line whose outcome the sender had not recorded yet, the end cannot know how much of it went:
// that line is ended by a newline and given up, and counted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, type Message } from '../../src/program/messages.js';
import { FdSender } from '../../src/program/fd-sender.js';
import { fifoPair, landing, readAll } from './fifo.js';

/** Lines longer than PIPE_BUF, so that a pipe with some room takes part of one. */
const text = (i: number): string => `${String(i).padStart(4, '0')}${'x'.repeat(20_000)}\n`;
const MAPS: Message = { t: 'maps', maps: [] };

/** The messages in `got`, and the lines that are not one (a broken line: its first 40 characters). */
function parse(got: string): { messages: Message[]; broken: string[] } {
  const messages: Message[] = [];
  const broken: string[] = [];
  for (const line of got.split('\n')) {
    if (line === '') continue;
    const m = decodeMessage(line);
    if (m === null) broken.push(line.slice(0, 40));
    else messages.push(m);
  }
  return { messages, broken };
}

/**
 * Four 20 kB lines into a 64 KiB pipe that nobody reads: the fourth is the write that the pipe
 * takes part of. The stop lands at `where` of the sends; it reads the pipe (the command reads
 * all the while), then does what the agent's end does. What the pipe holds when it returns is
 * what the command has when it kills the program.
 */
interface Stopped {
  /** What the pipe held when the stop returned. */
  atStop: string;
  sender: FdSender;
  sent: string[];
  close: () => void;
}

function stopInside(after: boolean, at: (n: number | undefined, writes: number) => boolean): Stopped {
  const { r, w } = fifoPair();
  const sender = new FdSender(w);
  const sent: string[] = [];
  let atStop = '';
  let writes = 0;
  const stop = (): void => {
    atStop = readAll(r);
    sender.finish(2000);
    sender.send({ t: 'err', text: 'END ran\n' });
    sender.send(MAPS);
    sender.reportLost();
    atStop += readAll(r);
  };
  const landed = landing(stop, () => {
    for (let i = 0; i < 4; i++) {
      sent.push(text(i));
      sender.send({ t: 'out', text: sent[i] });
    }
  }, { after, at: (n) => at(n, ++writes) });
  assert.ok(landed, 'the stop landed');
  return { atStop, sender, sent, close: () => { sender.close(); readAll(r); } };
}

test('fd sender: the end landing inside a send, before its write: the maps are out when the stop returns, every line whole', () => {
  const { atStop, sender, close } = stopInside(false, (_n, writes) => writes === 2);
  try {
    const { messages, broken } = parse(atStop);
    assert.deepEqual(broken, [], 'no broken line');
    const kinds = messages.map((m) => m.t);
    assert.deepEqual(kinds, ['out', 'lost', 'err', 'maps', 'lost'], 'the maps are out, the last count last');
    // The line under way is given up and counted: the end cannot know that its write had not begun
    // (here it goes whole after the end's lines, if the program lives that long).
    assert.equal(sender.lost, 1);
  } finally {
    close();
  }
});

test('fd sender: the end landing right after the write of a line the pipe took part of: that line is ended and counted, the maps are out whole', () => {
  // The write the pipe took only part of (the fourth line's).
  const { atStop, sender, sent, close } = stopInside(true, (n) => n !== undefined && n > 0 && n < 20_005);
  try {
    const { messages, broken } = parse(atStop);
    // The first three lines whole, the fourth's start ended by a newline (a broken line the command drops), then the end's messages.
    const outs = messages.filter((m) => m.t === 'out').map((m) => (m as { text: string }).text);
    assert.deepEqual(outs, sent.slice(0, 3));
    assert.equal(broken.length, 1, `one broken line: ${broken.join(' | ')}`);
    assert.ok(encodeMessage({ t: 'out', text: sent[3] }).startsWith(broken[0]), 'the fourth line\'s start');
    const kinds = messages.map((m) => m.t);
    assert.deepEqual(kinds.slice(3), ['lost', 'err', 'maps', 'lost'], kinds.join(' '));
    assert.ok(messages.some((m) => m.t === 'lost' && m.n === 1), 'the line given up is counted');
    assert.equal(sender.lost, 1);
  } finally {
    close();
  }
});

test('fd sender: a send that lands inside the end\'s own send waits for it, and the end\'s lines stay whole', () => {
  const { r, w } = fifoPair();
  const sender = new FdSender(w);
  try {
    sender.send({ t: 'out', text: 'first\n' });
    sender.finish(2000);
    const big: Message = { t: 'maps', maps: [{ name: '@big', entries: [], dropped: 0, text: 'y'.repeat(20_000) } as never] };
    const landed = landing(() => sender.send({ t: 'out', text: 'a profile tick\'s printf\n' }), () => sender.send(big), { after: true });
    assert.ok(landed);
    sender.reportLost();
    const { messages, broken } = parse(readAll(r));
    assert.deepEqual(broken, []);
    // (Nothing was lost: the last count is not sent.)
    assert.deepEqual(messages.map((m) => m.t), ['out', 'lost', 'maps', 'out']);
    assert.equal(sender.lost, 0);
  } finally {
    sender.close();
    readAll(r);
  }
});
