// --otlp under -p: jsprobe attaches to a running service, three requests make three calls of
// its handler, Ctrl-C detaches; the spans reach a node:http receiver here, read as OTLP JSON typed
// with the official transformer's request definitions, from the target's process.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IExportTraceServiceRequest, ISpan } from '@opentelemetry/otlp-transformer/build/src/trace/internal-types.js';
import { fetchText, jsprobe, listening, node, startService, stderrMatch } from '../attach/procs.js';

test('-p PID --otlp: the calls of the running service become spans of its process', async () => {
  const requests: IExportTraceServiceRequest[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
      requests.push(JSON.parse(body) as IExportTraceServiceRequest);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
  const a = await startService(node());
  try {
    const cli = jsprobe(['-p', String(a.pid), '--otlp', url, '--otlp-service', 'svc', '-e', 'fnret:test/fixtures/attach/server.cjs:handle { @n = count() }']);
    await stderrMatch(cli, new RegExp(`Attached to ${a.pid}:`));
    for (let i = 0; i < 3; i++) assert.equal(await fetchText(a.port, '/x'), 'ok');
    cli.child.kill('SIGINT');
    const { code, out, err } = await cli.done;
    assert.equal(code, 0, err);
    assert.match(out, /^@n: 3$/m);
    assert.match(err, /jsprobe: --otlp: 3 spans sent to /);
    const spans: ISpan[] = [];
    for (const q of requests) {
      for (const rs of q.resourceSpans ?? []) {
        assert.equal(rs.resource?.attributes.find((kv) => kv.key === 'service.name')?.value.stringValue, 'svc');
        for (const ss of rs.scopeSpans) spans.push(...(ss.spans ?? []));
      }
    }
    assert.equal(spans.length, 3);
    for (const s of spans) {
      assert.equal(s.name, 'handle');
      assert.equal(Number(s.attributes.find((kv) => kv.key === 'process.pid')?.value.intValue), a.pid);
      assert.ok(BigInt(s.endTimeUnixNano as string) > BigInt(s.startTimeUnixNano as string));
      assert.notEqual(s.status.code, 2);
    }
  } finally {
    receiver.close();
    a.child.kill();
    const end = Date.now() + 60_000;
    while ((await listening(9229)) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  }
});
