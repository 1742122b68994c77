// --prometheus under -p A,B: while jsprobe traces two running services, /metrics shows their
// merged maps as they are at the scrape (a snapshot over each target's channel), with exact
// counts; Ctrl-C detaches as always, and the page's port closes with jsprobe.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchText, jsprobe, listening, node, startService, stderrMatch } from '../attach/procs.js';

const PROGRAM = 'fn:test/fixtures/attach/server.cjs:handle { @[pid] = count(); @all = count() }';

async function requests(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.equal(await fetchText(port, '/x'), 'ok');
}

test('-p A,B --prometheus: the page holds both targets\' counts as they are now, merged; it closes with jsprobe', async () => {
  const a = await startService(node());
  const b = await startService(node());
  try {
    const cli = jsprobe(['-p', `${a.pid},${b.pid}`, '--prometheus', '127.0.0.1:0', '-e', PROGRAM]);
    const [, port] = await stderrMatch(cli, /serving the maps at http:\/\/127\.0\.0\.1:(\d+)\/metrics\n/);
    await stderrMatch(cli, new RegExp(`Attached to ${a.pid}:[^]*Attached to ${b.pid}:|Attached to ${b.pid}:[^]*Attached to ${a.pid}:`));
    await requests(a.port, 5);
    await requests(b.port, 3);
    // Each handler has run before its response: the next snapshot (at most 500 ms on) has them all.
    const end = Date.now() + 60_000;
    let page = '';
    while (!/^jsprobe_all 8$/m.test(page) && Date.now() < end) {
      page = await fetchText(Number(port), '/metrics');
      if (!/^jsprobe_all 8$/m.test(page)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(page, /^jsprobe_all 8$/m, page);
    assert.match(page, new RegExp(`^jsprobe_map\\{key="${a.pid}"\\} 5$`, 'm'), page);
    assert.match(page, new RegExp(`^jsprobe_map\\{key="${b.pid}"\\} 3$`, 'm'), page);
    assert.match(page, /^# TYPE jsprobe_map gauge$/m);
    // Still tracing: more calls show on a later scrape.
    await requests(a.port, 2);
    const later = Date.now() + 60_000;
    while (!/^jsprobe_all 10$/m.test(page) && Date.now() < later) {
      page = await fetchText(Number(port), '/metrics');
      if (!/^jsprobe_all 10$/m.test(page)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(page, /^jsprobe_all 10$/m, page);
    cli.child.kill('SIGINT');
    const { code, out, err } = await cli.done;
    assert.equal(code, 0, err);
    assert.match(out, /^@all: 10$/m);
    assert.equal(await listening(Number(port)), false, 'the page closed with jsprobe');
  } finally {
    a.child.kill();
    b.child.kill();
    const end = Date.now() + 60_000;
    while ((await listening(9229)) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  }
});
