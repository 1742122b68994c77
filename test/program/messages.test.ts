// The protocol's line reader: messages come out whole and in order however the stream is cut.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeMessage, LineReader, type Message } from '../../src/program/messages.js';

function read(chunks: string[]): Message[] {
  const got: Message[] = [];
  const reader = new LineReader((m) => got.push(m));
  for (const c of chunks) reader.push(c);
  return got;
}

test('LineReader: any cut of the stream gives the same messages, in order', () => {
  const message = fc.oneof(
    fc.string().map((text): Message => ({ t: 'out', text })),
    fc.string().map((text): Message => ({ t: 'err', text })),
    fc.nat().map((probes): Message => ({ t: 'ready', probes })),
  );
  fc.assert(fc.property(fc.array(message, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (messages, cuts) => {
    const stream = messages.map((m) => `${encodeMessage(m)}\n`).join('');
    const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
    const chunks = [0, ...at, stream.length].slice(1).map((end, i, ends) => stream.slice(i === 0 ? 0 : ends[i - 1], end));
    assert.deepEqual(read(chunks), messages);
  }));
});

test('LineReader: a line of several megabytes in small chunks, then more lines in the same chunk', () => {
  const big = 'x'.repeat(3 << 20);
  const stream = `${encodeMessage({ t: 'out', text: big })}\n${encodeMessage({ t: 'ready', probes: 2 })}\n`;
  const chunks: string[] = [];
  for (let i = 0; i < stream.length; i += 65536) chunks.push(stream.slice(i, i + 65536));
  const got = read(chunks);
  assert.equal(got.length, 2);
  assert.equal(got[0].t === 'out' && got[0].text.length, big.length);
  assert.deepEqual(got[1], { t: 'ready', probes: 2 });
});

test('LineReader: a line that is not a message is skipped, and the next one still reads', () => {
  assert.deepEqual(read(['not json\n{"t":"exit"}\n', '{"no":"tag"}\n']), [{ t: 'exit' }]);
});
