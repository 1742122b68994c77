// --otlp against a receiver in the test (otlp-receiver.ts): jsprobe -c traces a program that makes
// known calls, one of which throws; the exporter's protobuf requests are decoded with
// OpenTelemetry's generated ExportTraceServiceRequest and the spans checked one by one. Also:
// http/json by flag and by OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, a collector that is not there (one
// warning line, counts, the program's exit code), and what is refused with exit 2.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { JSPROBE, ROOT, jsprobe } from './run.js';
import { attr, otlpReceiver, spansOf, type Receiver } from './otlp-receiver.js';

const APP = 'test/fixtures/cli/otlp-app.cjs';
// refund through a pattern: its rows carry the function they hit; buy's, the probe's own target.
const PROGRAM = `fnret:${APP}:Shop.prototype.buy, fnret:${APP}:Shop.prototype.ref* { @n[func] = count(); @c[ctx] = count() }`;
/** Failure bound only, far above a run on a busy machine. */
const RUN_TIMEOUT_MS = 120_000;
/** The OTel protocol settings of the test's own environment are not the test's: each run sets its own. */
const NO_OTEL_ENV = { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: undefined, OTEL_EXPORTER_OTLP_PROTOCOL: undefined };

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JSPROBE, ...args], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...NO_OTEL_ENV, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** Run PROGRAM on APP with --otlp to a receiver, and check what every run must show; the receiver's spans for the rest. */
async function traced(args: string[], env: Record<string, string | undefined> = {}): Promise<{ r: Receiver; before: number; after: number }> {
  const r = await otlpReceiver();
  try {
    const before = Date.now();
    const out = await run(['-e', PROGRAM, '-c', `node ${APP}`, '--otlp', r.url, ...args], env);
    const after = Date.now();
    assert.equal(out.code, 0, out.stderr);
    // The maps print as without --otlp.
    assert.match(out.stdout, /@n\[Shop\.prototype\.buy\]: 3/);
    assert.match(out.stdout, /@n\[Shop\.prototype\.refund\]: 1/);
    assert.doesNotMatch(out.stdout, /GETTER RAN/, 'reading the thrown error ran its message getter');
    assert.match(out.stderr, /jsprobe: --otlp: 4 spans sent to http:\/\/127\.0\.0\.1:\d+\/v1\/traces\n/);
    return { r, before, after };
  } finally {
    r.server.close();
  }
}

test('--otlp exports each call of the fnret probes as a span (protobuf, decoded by OpenTelemetry\'s own code): ids, times, status, attributes', async () => {
  const { r, before, after } = await traced([]);
  assert.ok(r.types.length > 0 && r.types.every((t) => t === 'POST /v1/traces application/x-protobuf'), r.types.join('\n'));
  const spans = spansOf(r.requests);
  assert.equal(spans.length, 4);
  assert.deepEqual(spans.map((s) => s.span.name).sort(), ['Shop.prototype.buy', 'Shop.prototype.buy', 'Shop.prototype.buy', 'Shop.prototype.refund']);
  const pids = new Set<unknown>();
  const ids = new Set<string>();
  for (const { span, service, scope } of spans) {
    assert.equal(service, 'otlp-app');
    assert.equal(scope, 'jsprobe');
    // A root span each: a trace of its own, a span id, no parent; kind INTERNAL (1 in the protocol).
    assert.match(span.traceId, /^[0-9a-f]{32}$/);
    assert.match(span.spanId, /^[0-9a-f]{16}$/);
    assert.doesNotMatch(span.traceId, /^0+$/);
    assert.doesNotMatch(span.spanId, /^0+$/);
    assert.equal(span.parentSpanId, '');
    ids.add(span.traceId).add(span.spanId);
    assert.equal(span.kind, 1);
    const start = BigInt(span.startTimeUnixNano);
    const end = BigInt(span.endTimeUnixNano);
    // Real times: within the run (1 ms slack for rounding), and a duration above zero and below the run's.
    const inRun = start >= BigInt(before - 1) * 1_000_000n && end <= BigInt(after + 1) * 1_000_000n;
    assert.ok(inRun, `${span.name}: ${start}..${end} outside ${before}..${after} ms`);
    assert.ok(end > start, `${span.name}: duration ${end - start} ns`);
    assert.equal(attr(span.attributes, 'code.function.name'), span.name);
    assert.match(String(attr(span.attributes, 'code.file.path')), /\/test\/fixtures\/cli\/otlp-app\.cjs$/);
    assert.equal(attr(span.attributes, 'thread.id'), 0);
    assert.ok(Number.isInteger(attr(span.attributes, 'jsprobe.ctx')), 'the program reads ctx: spans carry it');
    assert.equal(attr(span.attributes, 'jsprobe.probe'), `fnret:${APP}:${span.name === 'Shop.prototype.buy' ? span.name : 'Shop.prototype.ref*'}`);
    pids.add(attr(span.attributes, 'process.pid'));
  }
  assert.equal(ids.size, 8, 'every trace id and span id differs');
  assert.equal(pids.size, 1);
  assert.ok(Number.isInteger([...pids][0]) && [...pids][0] !== process.pid);
  // The calls in the order they ended: the spans' times follow the program's order of calls.
  const buys = spans.filter((s) => s.span.name === 'Shop.prototype.buy').map((s) => s.span)
    .sort((x, y) => (BigInt(x.startTimeUnixNano) < BigInt(y.startTimeUnixNano) ? -1 : 1));
  assert.ok(BigInt(buys[0].endTimeUnixNano) <= BigInt(buys[1].startTimeUnixNano), 'two calls one after the other do not overlap');

  const failed = spans.filter((s) => s.span.status.code === 2).map((s) => s.span);
  assert.equal(failed.length, 2);
  const buy = failed.find((s) => s.name === 'Shop.prototype.buy');
  assert.equal(buy?.status.message, 'out of stock: gone');
  assert.equal(attr(buy?.attributes, 'exception.message'), 'out of stock: gone');
  assert.equal(buy, buys[2], 'the third call threw');
  // The getter is not called: the error's safe formatted form stands in for its message.
  const refund = failed.find((s) => s.name === 'Shop.prototype.refund');
  assert.ok(refund !== undefined && refund.status.message !== 'from getter' && refund.status.message.length > 0, refund?.status.message);
  for (const s of spans.filter((x) => x.span.status.code !== 2)) {
    assert.equal(s.span.status.code, 0, 'a call that returned has status UNSET');
    assert.equal(attr(s.span.attributes, 'exception.message'), undefined);
  }
});

test('--otlp-protocol http/json, and OTEL_EXPORTER_OTLP_TRACES_PROTOCOL without it, send OTLP JSON', async () => {
  const ways = [
    [['--otlp-protocol', 'http/json'], { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }],
    [[], { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }],
  ] as const;
  for (const [args, env] of ways) {
    const { r } = await traced([...args], env);
    assert.ok(r.types.length > 0 && r.types.every((t) => t === 'POST /v1/traces application/json'), r.types.join('\n'));
    const spans = spansOf(r.requests);
    assert.deepEqual(spans.map((s) => s.span.name).sort(), ['Shop.prototype.buy', 'Shop.prototype.buy', 'Shop.prototype.buy', 'Shop.prototype.refund']);
    for (const { span, service } of spans) {
      assert.equal(service, 'otlp-app');
      assert.match(span.traceId, /^[0-9a-f]{32}$/);
      assert.equal(attr(span.attributes, 'code.function.name'), span.name);
    }
    assert.equal(spans.filter((s) => s.span.status.code === 2).length, 2);
  }
  // OTEL_EXPORTER_OTLP_PROTOCOL is the fallback of the traces one.
  const { r } = await traced([], { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
  assert.ok(r.types.every((t) => t.endsWith(' application/json')), r.types.join('\n'));
});

test('--otlp-service names the service', async () => {
  const r = await otlpReceiver();
  try {
    const out = await run(['-e', `fnret:${APP}:Shop.prototype.buy {}`, '-c', `node ${APP}`, '--otlp', r.url, '--otlp-service', 'checkout']);
    assert.equal(out.code, 0, out.stderr);
    const services = spansOf(r.requests).map((s) => s.service);
    assert.equal(services.length, 3);
    assert.deepEqual([...new Set(services)], ['checkout']);
  } finally {
    r.server.close();
  }
});

test('--otlp with no collector: one warning line, the spans counted as failed, the program unharmed', async () => {
  // A port that was free a moment ago, in the tests' own network namespace.
  const r = await otlpReceiver();
  const url = r.url;
  await new Promise((resolve) => r.server.close(resolve));
  const out = await run(['-e', PROGRAM, '-c', `node ${APP}`, '--otlp', url]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /@n\[Shop\.prototype\.buy\]: 3/);
  const lines = out.stderr.split('\n').filter((l) => l.includes('--otlp'));
  assert.equal(lines.length, 2, out.stderr);
  assert.match(lines[0], /^jsprobe: --otlp: cannot export spans to http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(.*ECONNREFUSED.*\)/);
  assert.match(lines[1], /^jsprobe: --otlp: 0 spans sent to .*, 4 failed$/);
  assert.doesNotMatch(out.stderr, /^\s+at /m);
});

test('--otlp refuses a URL it cannot use, and a run with neither -c nor -p, with exit 2', () => {
  for (const url of ['ftp://127.0.0.1/v1/traces', 'not a url']) {
    const out = jsprobe(['-e', `fnret:${APP}:Shop.prototype.buy {}`, '-c', `node ${APP}`, '--otlp', url]);
    assert.equal(out.code, 2);
    assert.match(out.stderr.split('\n')[0], /^jsprobe: --otlp takes an http\(s\) URL such as http:\/\/127\.0\.0\.1:4318\/v1\/traces, not '.*'$/);
    assert.doesNotMatch(out.stderr, /^\s+at /m);
  }
  const out = jsprobe(['-e', 'BEGIN { exit() }', '--otlp', 'http://127.0.0.1:4318/v1/traces']);
  assert.equal(out.code, 2);
  assert.match(out.stderr.split('\n')[0], /^jsprobe: --otlp exports the calls of fnret probes in a traced program: add -c 'node app.js' or -p PID$/);
});

test('--otlp-protocol and the OTel protocol variables: gRPC and unknown values are refused with exit 2, before the program runs', () => {
  const base = ['-e', `fnret:${APP}:Shop.prototype.buy {}`, '-c', `node ${APP}`, '--otlp', 'http://127.0.0.1:4318/v1/traces'];
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['--otlp-protocol', 'grpc'], {}, /^jsprobe: --otlp-protocol is http\/protobuf or http\/json, not 'grpc' \(jsprobe sends OTLP over HTTP only; .*\)$/],
    [['--otlp-protocol', 'json'], {}, /^jsprobe: --otlp-protocol is http\/protobuf or http\/json, not 'json'$/],
    [[], { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, /^jsprobe: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL is http\/protobuf or http\/json, not 'grpc'/],
    [[], { OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }, /^jsprobe: OTEL_EXPORTER_OTLP_PROTOCOL is http\/protobuf or http\/json, not 'thrift'$/],
  ];
  for (const [args, env, message] of cases) {
    const out = jsprobe([...base, ...args], 120_000, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: '', OTEL_EXPORTER_OTLP_PROTOCOL: '', ...env });
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr.split('\n')[0], message);
    assert.doesNotMatch(out.stdout, /./, 'the program did not run');
  }
  const out = jsprobe(['-e', 'BEGIN { exit() }', '--otlp-protocol', 'http/json']);
  assert.equal(out.code, 2);
  assert.match(out.stderr.split('\n')[0], /^jsprobe: --otlp-protocol goes with --otlp URL$/);
});
