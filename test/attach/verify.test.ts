// jsprobe -p trusts nothing it has not checked, with real processes: a non-Node process named
// `node` is never signalled; a real Node named otherwise is accepted; a fake endpoint on the
// inspector port is refused and gets nothing; a target's own inspector port is used; and two
// jsprobe runs on two targets started at the same time both attach and both report.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { alive, fetchText, jsprobe, listening, load, node, startService, stopped, withoutProgress, type Service } from './procs.js';
import { spawnTracked } from '../cli/tracked.js';

const PATTERN = 'test/fixtures/attach/server.cjs:*';
const PROGRAM = 'fnret:test/fixtures/attach/server.cjs:handle { @n = count() }';

test('a non-Node process with node as its argv[0] is never signalled: one line, exit 1, and it lives on', async () => {
  const sleeper = spawnTracked('bash', ['-c', 'exec -a node sleep 300'], { stdio: 'ignore' });
  try {
    // bash has exec'd by the time its argv reads `node`.
    const end = Date.now() + 5000;
    while (!readFileSync(`/proc/${sleeper.pid}/cmdline`, 'utf8').startsWith('node\0') && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const r = await jsprobe(['-p', String(sleeper.pid), '-e', PROGRAM]).done;
    assert.equal(r.code, 1);
    assert.equal(r.err, `jsprobe: process ${sleeper.pid} is not a Node process (/usr/bin/sleep is not a Node binary): jsprobe did not signal it\n`);
    // SIGUSR1 would have ended it (sleep does not catch it): it is still running.
    assert.equal(alive(sleeper), true);
    process.kill(sleeper.pid!, 0);
    assert.match(readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8'), /^\d+ \(sleep\) [SR] /);
  } finally {
    sleeper.kill();
  }
});

test('a real Node started as `exec -a myapp node` is accepted', async () => {
  const svc = await startService(`exec -a myapp ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'test/fixtures/attach/server.cjs'))}`);
  try {
    assert.ok(readFileSync(`/proc/${svc.pid}/cmdline`, 'utf8').startsWith('myapp\0'));
    const r = await jsprobe(['-l', PATTERN, '-p', String(svc.pid)]).done;
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^fn:test\/fixtures\/attach\/server\.cjs:handle /m);
    assert.equal(await listening(9229), false, 'the inspector jsprobe opened is closed again');
  } finally {
    await stopped(svc);
  }
});

test('a fake endpoint on 9229 in another process is refused, named by its command, with what to do; it gets nothing, the target no signal', async () => {
  const fake = spawnTracked(process.execPath, [join(ROOT, 'test/fixtures/attach/fake-inspector.cjs'), '9229'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = '';
  const ready = new Promise<void>((resolve) => fake.stdout!.setEncoding('utf8').on('data', (d: string) => {
    seen += d;
    if (seen.includes('\n')) resolve();
  }));
  const svc = await startService(node());
  try {
    await ready;
    const r = await jsprobe(['-p', String(svc.pid), '-e', PROGRAM]).done;
    assert.equal(r.code, 1);
    // Named by its command line (its short name is `node`, or `MainThread` on Node 24 and later, which
    // says little), and what to do said.
    const held = `jsprobe: port 9229 on 127.0.0.1 is held by process ${fake.pid} (node ${join(ROOT, 'test/fixtures/attach/fake-inspector.cjs')} 9229), `
      + `not by process ${svc.pid}: jsprobe sent nothing to it; process ${svc.pid}'s inspector opens only on 9229 (its --inspect-port, else Node's `
      + `default; a running process cannot be given another), so free that port (stop process ${fake.pid}, or move it to another), or restart `
      + 'the program with --inspect-port=PORT (or NODE_OPTIONS=--inspect-port=PORT), a free port, which jsprobe -p then uses\n';
    assert.equal(r.err, held);
    fake.kill();
    await new Promise((r) => fake.once('close', r));
    assert.equal(seen, 'ready 9229\n', 'no connection and no request reached the fake');
    assert.doesNotMatch(svc.stderr(), /Debugger listening/, 'the target was not signalled');
  } finally {
    fake.kill();
    await stopped(svc);
  }
});

test("a target's own inspector port: open already (--inspect=127.0.0.1:9333, --inspect=:0) it is used and left open", async () => {
  for (const flags of ['--inspect=127.0.0.1:9333', '--inspect=:0']) {
    const svc = await startService(node(flags));
    try {
      const inspector = Number(/ws:\/\/127\.0\.0\.1:(\d+)\//.exec(svc.stderr())?.[1] ?? (await waitForInspector(svc)));
      const stop = load(svc.port, svc.pid);
      const cli = jsprobe(['-p', String(svc.pid), '-e', 'fnret:test/fixtures/attach/server.cjs:sleep { @n = count(); exit() }']);
      const r = await cli.done;
      await stop();
      assert.equal(r.code, 0, r.err);
      // jsprobe does not close an inspector the user opened, and says what that leaves open.
      const open = `jsprobe: process ${svc.pid} had its inspector open already (127.0.0.1:${inspector}); it stays open, and any local user can connect to it\n`;
      assert.equal(withoutProgress(r.err), `${open}Attached to ${svc.pid}: 1 probe. Ctrl-C to detach.\n`, flags);
      assert.match(r.out, /^@n: [1-9]\d*$/m, flags);
      assert.equal(await listening(inspector), true, `${flags}: the target's own inspector stays open`);
      assert.equal(await listening(9229), false, `${flags}: nothing was opened on 9229`);
    } finally {
      await stopped(svc);
    }
  }
});

/** The port the service's inspector printed on stderr, once it has. */
async function waitForInspector(svc: Service): Promise<number> {
  const end = Date.now() + 5000;
  for (;;) {
    const m = /ws:\/\/127\.0\.0\.1:(\d+)\//.exec(svc.stderr());
    if (m !== null) return Number(m[1]);
    if (Date.now() > end) throw new Error(`no inspector address on stderr: ${svc.stderr()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a target started with --inspect-port=9444 is opened there by SIGUSR1, and closed again', async () => {
  const svc = await startService(node('--inspect-port=9444'));
  try {
    assert.equal(await listening(9444), false);
    const r = await jsprobe(['-l', PATTERN, '-p', String(svc.pid)]).done;
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^fn:test\/fixtures\/attach\/server\.cjs:handle /m);
    assert.match(svc.stderr(), /Debugger listening on ws:\/\/127\.0\.0\.1:9444\//);
    assert.equal(await listening(9444), false);
    assert.equal(await listening(9229), false);
  } finally {
    await stopped(svc);
  }
});

test('two jsprobe -p runs on two targets, started at the same time: both attach and both report', async () => {
  const [a, b] = await Promise.all([startService(node()), startService(node())]);
  const stops = [load(a.port, a.pid), load(b.port, b.pid)];
  try {
    const program = 'fnret:test/fixtures/attach/server.cjs:sleep { @n = count(); exit() }';
    const runs = await Promise.all([a, b].map((svc) => jsprobe(['-p', String(svc.pid), '-e', program]).done));
    for (const r of runs) {
      assert.equal(r.code, 0, r.err);
      // The other jsprobe's short name is the kernel's: node, MainThread (24) or node-MainThread (26).
      // It is looked up after the lock is found taken, when its holder may just have let go: then it has no name.
      const waited = /^jsprobe: waiting for (?:jsprobe process \d+ \([^)\n]+\)|another jsprobe), which is attaching through port 9229\n/;
      assert.match(withoutProgress(r.err).replace(waited, ''), /^Attached to \d+: 1 probe\. Ctrl-C to detach\.\n$/);
      assert.match(r.out, /^@n: [1-9]\d*$/m);
    }
    assert.notEqual(runs[0].err, runs[1].err, 'each reports its own target');
    assert.equal(await listening(9229), false);
  } finally {
    await Promise.all(stops.map((s) => s()));
    await Promise.all([a, b].map(stopped));
  }
});

test("a second jsprobe on a target already attached fails, and leaves the first one's session and inspector alone", async () => {
  // A breakpoint site (no live edits), whose returns pause the target to read retval: the refused
  // second jsprobe took the first one's way to let a pause go, and its retval reads (undefined after it).
  const svc = await startService(`JSPROBE_LIVE_EDIT=0 ${node('--inspect=127.0.0.1:9333')}`);
  const stop = load(svc.port, svc.pid);
  try {
    const first = jsprobe(['-p', String(svc.pid), '-e', 'fnret:test/fixtures/attach/server.cjs:sleep { @n = count(); @t[typeof(retval)] = count() }']);
    const end = Date.now() + 20_000;
    while (!first.stderr().includes('Attached to') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const second = await jsprobe(['-p', String(svc.pid), '-e', 'fnret:test/fixtures/attach/server.cjs:sleep { @m = count() }']).done;
    assert.equal(second.code, 1, second.err);
    // One line of its own, said as an attach's error is, after the note on the open inspector.
    assert.ok(second.err.endsWith(`\njsprobe: process ${svc.pid}: another jsprobe traces it now: one at a time\n`), second.err);
    // The first is still attached, through an inspector the second did not close, and its returns still read.
    assert.equal(await listening(9333), true);
    for (let i = 0; i < 5; i++) assert.equal(await fetchText(svc.port, '/x', svc.pid), 'ok');
    const before = first.stderr();
    first.child.kill('SIGINT');
    const r = await first.done;
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err.slice(before.length), /went away|ended without|was killed/);
    assert.match(r.out, /^@n: [1-9]\d*$/m);
    assert.match(r.out, /^@t\[object\]: [1-9]\d*$/m);
    assert.doesNotMatch(r.out, /@t\[undefined\]/);
  } finally {
    try {
      await stop();
    } finally {
      await stopped(svc);
    }
  }
});
