// --otlp against a receiver in the test (node:http): jsprobe -c traces a program that makes known
// calls, one of which throws; the exporter's requests are read as OTLP JSON, typed with the
// official transformer's request definitions, and the spans checked one by one. Also: a collector
// that is not there (one warning line, counts, the program's exit code), and a bad URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IExportTraceServiceRequest, ISpan } from '@opentelemetry/otlp-transformer/build/src/trace/internal-types.js';
import type { IKeyValue } from '@opentelemetry/otlp-transformer/build/src/common/internal-types.js';
import { JSPROBE, ROOT, jsprobe } from './run.js';

const APP = 'test/fixtures/cli/otlp-app.cjs';
// refund through a pattern: its rows carry the function they hit; buy's, the probe's own target.
const PROGRAM = `fnret:${APP}:Shop.prototype.buy, fnret:${APP}:Shop.prototype.ref* { @n[func] = count(); @c[ctx] = count() }`;
/** Failure bound only, far above a run on a busy machine. */
const RUN_TIMEOUT_MS = 120_000;

/** A receiver of OTLP/HTTP JSON trace exports: every request body, parsed. */
async function receiver(): Promise<{ server: Server; url: string; requests: IExportTraceServiceRequest[]; types: string[] }> {
  const requests: IExportTraceServiceRequest[] = [];
  const types: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
      types.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      requests.push(JSON.parse(body) as IExportTraceServiceRequest);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, requests, types };
}

function run(args: string[]): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JSPROBE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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

function attr(kvs: IKeyValue[] | undefined, key: string): unknown {
  const v = kvs?.find((kv) => kv.key === key)?.value as Record<string, unknown> | undefined;
  if (v === undefined) return undefined;
  // OTLP JSON: an int64 may come as a number or a decimal string.
  if ('intValue' in v) return Number(v.intValue);
  return v.stringValue ?? v.doubleValue ?? v.boolValue;
}

test('--otlp exports each call of the fnret probes as a span, with its time, status and attributes', async () => {
  const r = await receiver();
  try {
    const before = Date.now();
    const out = await run(['-e', PROGRAM, '-c', `node ${APP}`, '--otlp', r.url]);
    const after = Date.now();
    assert.equal(out.code, 0, out.stderr);
    // The maps print as without --otlp.
    assert.match(out.stdout, /@n\[Shop\.prototype\.buy\]: 3/);
    assert.match(out.stdout, /@n\[Shop\.prototype\.refund\]: 1/);
    assert.doesNotMatch(out.stdout, /GETTER RAN/, 'reading the thrown error ran its message getter');
    assert.match(out.stderr, /jsprobe: --otlp: 4 spans sent to http:\/\/127\.0\.0\.1:\d+\/v1\/traces\n/);
    assert.ok(r.types.length > 0 && r.types.every((t) => t === 'POST /v1/traces application/json'), r.types.join('\n'));

    const spans: { span: ISpan; service: unknown }[] = [];
    for (const req of r.requests) {
      for (const rs of req.resourceSpans ?? []) {
        const service = attr(rs.resource?.attributes, 'service.name');
        for (const ss of rs.scopeSpans) for (const span of ss.spans ?? []) spans.push({ span, service });
      }
    }
    assert.equal(spans.length, 4);
    assert.deepEqual(spans.map((s) => s.span.name).sort(), ['Shop.prototype.buy', 'Shop.prototype.buy', 'Shop.prototype.buy', 'Shop.prototype.refund']);
    const pids = new Set<unknown>();
    for (const { span, service } of spans) {
      assert.equal(service, 'otlp-app');
      const start = Number(BigInt(span.startTimeUnixNano as string) / 1000n) / 1000;
      const end = Number(BigInt(span.endTimeUnixNano as string) / 1000n) / 1000;
      // Real times: within the run (1 ms slack for rounding), and a duration above zero and below the run's.
      assert.ok(start >= before - 1 && end <= after + 1, `${span.name}: ${start}..${end} outside ${before}..${after}`);
      assert.ok(end > start, `${span.name}: duration ${end - start} ms`);
      assert.equal(attr(span.attributes, 'code.function.name'), span.name);
      assert.match(String(attr(span.attributes, 'code.file.path')), /\/test\/fixtures\/cli\/otlp-app\.cjs$/);
      assert.equal(attr(span.attributes, 'thread.id'), 0);
      assert.ok(Number.isInteger(attr(span.attributes, 'jsprobe.ctx')), 'the program reads ctx: spans carry it');
      assert.equal(attr(span.attributes, 'jsprobe.probe'), `fnret:${APP}:${span.name === 'Shop.prototype.buy' ? span.name : 'Shop.prototype.ref*'}`);
      pids.add(attr(span.attributes, 'process.pid'));
    }
    assert.equal(pids.size, 1);
    assert.ok(Number.isInteger([...pids][0]) && [...pids][0] !== process.pid);

    const failed = spans.filter((s) => s.span.status.code === 2).map((s) => s.span);
    assert.equal(failed.length, 2);
    const buy = failed.find((s) => s.name === 'Shop.prototype.buy');
    assert.equal(buy?.status.message, 'out of stock: gone');
    assert.equal(attr(buy?.attributes, 'exception.message'), 'out of stock: gone');
    // The getter is not called: the error's safe formatted form stands in for its message.
    const refund = failed.find((s) => s.name === 'Shop.prototype.refund');
    assert.ok(refund !== undefined && refund.status.message !== 'from getter' && (refund.status.message ?? '').length > 0, refund?.status.message);
    for (const s of spans.filter((x) => x.span.status.code !== 2)) assert.equal(attr(s.span.attributes, 'exception.message'), undefined);
  } finally {
    r.server.close();
  }
});

test('--otlp-service names the service', async () => {
  const r = await receiver();
  try {
    const out = await run(['-e', `fnret:${APP}:Shop.prototype.buy {}`, '-c', `node ${APP}`, '--otlp', r.url, '--otlp-service', 'checkout']);
    assert.equal(out.code, 0, out.stderr);
    const services = r.requests.flatMap((q) => (q.resourceSpans ?? []).map((rs) => attr(rs.resource?.attributes, 'service.name')));
    assert.ok(services.length > 0);
    assert.deepEqual([...new Set(services)], ['checkout']);
  } finally {
    r.server.close();
  }
});

test('--otlp with no collector: one warning line, the spans counted as failed, the program unharmed', async () => {
  // A port that was free a moment ago, in the tests' own network namespace.
  const r = await receiver();
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
