// --otlp under -p: jsprobe attaches to a running service, three requests make three calls of
// its handler, Ctrl-C detaches; the spans reach the receiver here (otlp-receiver.ts), protobuf
// decoded by OpenTelemetry's generated code, from the target's process.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attr, otlpReceiver, spansOf } from './otlp-receiver.js';
import { fetchText, jsprobe, listening, node, startService, stderrMatch } from '../attach/procs.js';

test('-p PID --otlp: the calls of the running service become spans of its process', async () => {
  const receiver = await otlpReceiver();
  const url = receiver.url;
  const a = await startService(node());
  try {
    const cli = jsprobe(['-p', String(a.pid), '--otlp', url, '--otlp-service', 'svc', '-e', 'fnret:test/fixtures/attach/server.cjs:handle { @n = count() }']);
    await stderrMatch(cli, new RegExp(`Attached to ${a.pid}:`));
    for (let i = 0; i < 3; i++) assert.equal(await fetchText(a.port, '/x'), 'ok');
    cli.child.kill('SIGINT');
    const { code, out, err } = await cli.done;
    assert.equal(code, 0, err);
    assert.match(out, /^@n: 3$/m, `stderr: ${err}`);
    assert.match(err, /jsprobe: --otlp: 3 spans sent to /);
    assert.ok(receiver.types.every((t) => t === 'POST /v1/traces application/x-protobuf'), receiver.types.join('\n'));
    const spans = spansOf(receiver.requests);
    assert.equal(spans.length, 3);
    for (const { span, service } of spans) {
      assert.equal(service, 'svc');
      assert.equal(span.name, 'handle');
      assert.equal(attr(span.attributes, 'process.pid'), a.pid);
      assert.ok(BigInt(span.endTimeUnixNano) > BigInt(span.startTimeUnixNano));
      assert.equal(span.status.code, 0);
      assert.equal(span.parentSpanId, '');
    }
  } finally {
    receiver.server.close();
    a.child.kill();
    const end = Date.now() + 60_000;
    while ((await listening(9229)) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  }
});
