// --dry-run -p tells the truth of the attach without signalling the target: an fnret probe on an
// async function, which the runtime there would take off as never running (a breakpoint site sees
// its entries alone where live edits are off: Node 24 and later, or JSPROBE_LIVE_EDIT=0 in the
// target's environment), is said to be refused, why, and what to do instead; the attach says the
// same. Before, the dry run said it would attach.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeVersionOf } from '../../src/attach/verify.js';
import { jsprobe as jsprobeNow } from '../cli/run.js';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { jsprobe, SERVER, type Service, startService, stderrMatch, stopped, streamMatch } from './procs.js';

const FILE = 'test/fixtures/attach/server.cjs';
const PROBE = `fnret:${FILE}:handle`;
const RETURNS = `${PROBE} { @n = count() }`;
const INSTEAD = 'Instead, fn: on the same target sees its calls';
const major = Number(process.versions.node.split('.')[0]);

/** `script` (server.cjs) under this Node, with JSPROBE_LIVE_EDIT as given in its environment (unset: the default). */
function serve(liveEdit: string | undefined, script = SERVER): Promise<Service> {
  const env = liveEdit === undefined ? 'env -u JSPROBE_LIVE_EDIT' : `env JSPROBE_LIVE_EDIT=${liveEdit}`;
  return startService(`exec ${env} ${JSON.stringify(process.execPath)} ${JSON.stringify(script)}`);
}

test("the target's Node version is read from its binary without running it", () => {
  assert.equal(nodeVersionOf(process.execPath), process.versions.node);
  assert.equal(nodeVersionOf('/bin/sh'), null);
  assert.equal(nodeVersionOf('/nonexistent'), null);
});

test('default environment: on Node 24 and later the dry run says fnret on an async function would not attach, as the attach does', async () => {
  const svc = await serve(undefined);
  try {
    const dry = jsprobeNow(['--dry-run', '-p', String(svc.pid), '-e', RETURNS]);
    assert.match(dry.stdout, /^ {4}test\/fixtures\/attach\/server\.cjs:handle \(/m);
    if (major < 24) {
      // Live edits: the probe gets a live site, and sees the returns.
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(dry.stderr, '');
    } else {
      assert.equal(dry.code, 1, dry.stderr);
      const why = `would not attach in process ${svc.pid}: live edits are off on Node ${process.versions.node} (V8 13 and later)`;
      assert.ok(dry.stderr.includes(`jsprobe: ${PROBE}: ${why}`), dry.stderr);
      assert.match(dry.stderr, /server\.cjs:handle gets a breakpoint site, which sees an async function's or a generator's entries alone/);
      assert.ok(dry.stderr.includes(INSTEAD), dry.stderr);
      assert.match(dry.stderr, /^jsprobe: no probe would attach in process \d+: nothing to trace$/m);
    }
    // With an fn: probe beside it, something attaches: exit 0, the fnret line still said.
    const both = jsprobeNow(['--dry-run', '-p', String(svc.pid), '-e', `${RETURNS} fn:${FILE}:handle { @e = count() }`]);
    assert.equal(both.code, 0, both.stderr);
    assert.equal(both.stderr.includes('would not attach'), major >= 24, both.stderr);
    assert.doesNotMatch(svc.stderr(), /Debugger listening/, 'the dry run signalled nothing');
  } finally {
    await stopped(svc);
  }
});

test('JSPROBE_LIVE_EDIT=0 in the target: every Node; the dry run and the attach say the same', async () => {
  const svc = await serve('0');
  try {
    const dry = jsprobeNow(['--dry-run', '-p', String(svc.pid), '-e', RETURNS]);
    assert.equal(dry.code, 1, dry.stderr);
    assert.ok(dry.stderr.includes(`jsprobe: ${PROBE}: would not attach in process ${svc.pid}: JSPROBE_LIVE_EDIT=0 in its environment`), dry.stderr);
    assert.ok(dry.stderr.includes(INSTEAD), dry.stderr);
    assert.doesNotMatch(svc.stderr(), /Debugger listening/, 'the dry run signalled nothing');
    const r = await jsprobe(['-p', String(svc.pid), '-e', RETURNS]).done;
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /: not attached, as it would never run: .*only onEntry runs/);
    assert.ok(r.err.includes(INSTEAD), r.err);
  } finally {
    await stopped(svc);
  }
});

test('a process that is not Node: the dry run says so and exits 1, as the attach would', () => {
  const dry = jsprobeNow(['--dry-run', '-p', '1', '-e', RETURNS]);
  assert.equal(dry.code, 1, dry.stderr);
  assert.match(dry.stderr, /^jsprobe: process 1 (is not a Node process|belongs to another user)/m);
});

test('a pattern: every match async, refused by the attach as by the dry run; some async, said, and it runs for the others', async () => {
  // Before, a pattern's probe (more than one site) was never refused: it attached and never ran.
  const PAIR = 'test/fixtures/attach/async-pair.cjs';
  const svc = await serve('0', join(ROOT, PAIR));
  try {
    const pair = `fnret:${PAIR}:load*`;
    const dry = jsprobeNow(['--dry-run', '-p', String(svc.pid), '-e', `${pair} { @n = count() }`]);
    assert.equal(dry.code, 1, dry.stderr);
    assert.ok(dry.stderr.includes(`jsprobe: ${pair}: would not attach in process ${svc.pid}: `), dry.stderr);
    const refusing = jsprobe(['-p', String(svc.pid), '-e', `${pair} { @n = count() }`]);
    const [said] = await stderrMatch(refusing, /not attached, as it would never run|Attached to \d+/);
    // Attached, it would wait for Ctrl-C with nothing to trace.
    if (said.startsWith('Attached')) refusing.child.kill('SIGINT');
    const r = await refusing.done;
    assert.equal(said, 'not attached, as it would never run', r.err);
    assert.equal(r.code, 1, r.err);
    assert.ok(r.err.includes(`jsprobe: ${pair}: not attached, as it would never run: `), r.err);
    assert.ok(r.err.includes(INSTEAD), r.err);

    const all = `fnret:${PAIR}:*`;
    const dryAll = jsprobeNow(['--dry-run', '-p', String(svc.pid), '-e', `${all} { @n = count() }`]);
    assert.equal(dryAll.code, 0, dryAll.stderr);
    assert.match(dryAll.stderr, /: in process \d+, 2 of its \d+ functions \(.*loadUser, .*loadOrder\) get breakpoint sites, .*: it runs for the others only/);
    const cli = jsprobe(['-p', String(svc.pid), '-e', `${all} /func == "total"/ { @n = count(); printf("total\\n") }`]);
    await streamMatch(cli, 'stdout', /^total$/m);
    cli.child.kill('SIGINT');
    const run = await cli.done;
    assert.equal(run.code, 0, run.err);
    assert.match(run.err, /: 2 of its \d+ functions \(.*loadUser, .*loadOrder\) have breakpoint sites, where .*: it runs for the others only\. Instead/);
    assert.match(run.out, /^@n: [1-9]\d*$/m);
  } finally {
    await stopped(svc);
  }
});

test('a TypeScript service run through tsx: the dry run says fnret on its async function may not attach, on every Node, as the attach refuses it', async () => {
  const tsx = 'test/fixtures/attach/tsx-app.ts';
  // The default environment (the suite's sets JSPROBE_LIVE_EDIT=1 for live sites on every Node).
  const svc = await startService(`exec env -u JSPROBE_LIVE_EDIT ${JSON.stringify(process.execPath)} --import tsx ${tsx}`);
  try {
    const dry = jsprobeNow(['--dry-run', '-p', String(svc.pid), '-e', `fnret:${tsx}:nap { @n = count() } fnret:${tsx}:spin { @s = count() }`]);
    // Live edits on (Node 20, 22): tsx's one-line output is why; off (24 and later): that is.
    const why = major < 24 ? "its TypeScript runs as tsx's output, a module on one line, where V8's LiveEdit patches no function" : 'live edits are off';
    assert.ok(dry.stderr.includes(`jsprobe: fnret:${tsx}:nap: may not attach in process ${svc.pid}: ${why}`), dry.stderr);
    assert.ok(dry.stderr.includes(INSTEAD), dry.stderr);
    // spin is sync: a breakpoint site sees its returns.
    assert.doesNotMatch(dry.stderr, /:spin: (may|would) not attach/);
    assert.doesNotMatch(svc.stderr(), /Debugger listening/, 'the dry run signalled nothing');
  } finally {
    await stopped(svc);
  }
});
