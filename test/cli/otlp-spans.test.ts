// The span batch from end to end without processes: program/spans.ts records calls as the
// handlers report them, and cli/otlp-spans.ts makes the SDK's finished spans of its messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { now } from '../../src/core/clock.js';
import { spanRecorder } from '../../src/program/spans.js';
import type { Message } from '../../src/program/messages.js';
import type { Runtime } from '../../src/program/runtime.js';
import { SpanMaker } from '../../src/cli/otlp-spans.js';

const PROBES = [
  { text: 'fnret:app.js:Db.query', target: 'app.js:Db.query' },
  { text: 'fnret:lib/*.js:*', target: 'lib/*.js:*' },
];

function recorder(usesCtx: boolean): { sent: Message[]; rec: ReturnType<typeof spanRecorder> } {
  const sent: Message[] = [];
  let ctx = 40;
  const rt = { pid: 1234, tid: 2, ctx: () => ++ctx } as unknown as Runtime;
  return { sent, rec: spanRecorder(rt, { send: (m) => void sent.push(m) }, usesCtx) };
}

function spansOf(sent: Message[]): ReadableSpan[] {
  const maker = new SpanMaker(PROBES, resourceFromAttributes({ 'service.name': 'app' }));
  return sent.flatMap((m) => (m.t === 'spans' ? maker.spans(m.pid, m.rows) : []));
}

const ns = (t: readonly [number, number]): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

test('a batch of calls becomes spans: names, targets, durations, errors, ctx, in order', () => {
  const { sent, rec } = recorder(true);
  const before = Date.now();
  // A call's start as the dispatcher timed it (core's clock, ms), or NaN: untimed, the recorder reads the clock.
  const started = (elapsedNs: number): number => now() - elapsedNs / 1e6;
  rec.span(1500, false, undefined, 'Db.query', '', 0, started(1500));
  rec.span(2_000_000, true, new Error('no such table'), 'Db.query', '', 0, started(2_000_000));
  rec.span(70, false, undefined, 'helper', '/lib/a.js:helper', 1, NaN);
  rec.span(NaN, false, undefined, 'other', '/lib/b.js:other', 1, NaN);
  rec.flush();
  const after = Date.now();
  assert.equal(sent.length, 1);
  assert.equal(sent[0].t === 'spans' && sent[0].n, 4);
  const spans = spansOf(sent);
  assert.deepEqual(spans.map((s) => s.name), ['Db.query', 'Db.query', 'helper', 'other']);
  assert.deepEqual(spans.map((s) => Number(ns(s.endTime) - ns(s.startTime))), [1500, 2_000_000, 70, 0]);
  for (const s of spans) {
    const end = Number(ns(s.endTime) / 1_000_000n);
    // Spans are timed from performance.timeOrigin plus the monotonic clock, which drifts from
    // Date.now() (NTP slews the wall clock) by a few ms over a process's life: 2 ms in one CI run.
    const SKEW = 50;
    assert.ok(end >= before - SKEW && end <= after + SKEW, `${s.name} ended at ${end}, outside ${before}..${after} ± ${SKEW} ms`);
    assert.equal(s.attributes['process.pid'], 1234);
    assert.equal(s.attributes['thread.id'], 2);
    assert.equal(s.resource.attributes['service.name'], 'app');
    assert.equal(s.parentSpanContext, undefined);
  }
  for (let i = 1; i < spans.length; i++) assert.ok(ns(spans[i].endTime) >= ns(spans[i - 1].endTime), 'ends in the order of the calls');
  assert.deepEqual(spans.map((s) => s.attributes['jsprobe.ctx']), [41, 42, 43, 44]);
  assert.deepEqual(spans.map((s) => s.status.code), [0, 2, 0, 0]);
  assert.equal(spans[1].status.message, 'no such table');
  assert.equal(spans[1].attributes['exception.message'], 'no such table');
  assert.equal(spans[0].attributes['exception.message'], undefined);
  // A plain probe's file is its own target's; a pattern's, the function's it hit.
  assert.equal(spans[0].attributes['code.file.path'], resolve('app.js'));
  assert.equal(spans[2].attributes['code.file.path'], '/lib/a.js');
  assert.equal(spans[3].attributes['code.file.path'], '/lib/b.js');
  assert.equal(spans[2].attributes['jsprobe.probe'], 'fnret:lib/*.js:*');
  const ids = new Set(spans.flatMap((s) => [s.spanContext().traceId, s.spanContext().spanId]));
  assert.equal(ids.size, 8);
});

test('a batch goes when it holds 256 calls, then a new one begins; without ctx, spans carry none', () => {
  const { sent, rec } = recorder(false);
  for (let i = 0; i < 300; i++) rec.span(i, false, undefined, 'Db.query', '', 0, now());
  assert.equal(sent.length, 1);
  rec.flush();
  assert.deepEqual(sent.map((m) => m.t === 'spans' && m.n), [256, 44]);
  const spans = spansOf(sent);
  assert.equal(spans.length, 300);
  assert.deepEqual(spans.map((s) => Number(ns(s.endTime) - ns(s.startTime))), [...Array(300).keys()]);
  assert.ok(spans.every((s) => s.attributes['jsprobe.ctx'] === undefined));
  // Calls of one function share their attributes' object: made once, not per call.
  assert.equal(spans[0].attributes, spans[299].attributes);
});

test('rows that are not a batch make no span', () => {
  const maker = new SpanMaker(PROBES, resourceFromAttributes({}));
  const notBatches = ['', 'not json', '[]', '[1,2,3,[],[],""]', '[1,2,3,[0,0,-1,-1],["f"],"AAAA"]'];
  // A kind whose probe the command does not have (9).
  notBatches.push('[1,2,3,[9,0,-1,-1],["f"],"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]');
  for (const rows of notBatches) {
    assert.deepEqual(maker.spans(1, rows), [], rows);
  }
});
