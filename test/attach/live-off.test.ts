// -p where the target makes no live edit (Node 24 and later by default; JSPROBE_LIVE_EDIT=0 on
// Node 20 and 22): a function a property holds gets a wrap site whatever the heap, as over the
// pause budget. Before, the same one-liner (fnret on an exported async handler) attached on a large
// heap (over the budget: a wrap site, which sees async returns) and was refused on a small one
// (under it: the "live" way, then a breakpoint site, which sees an async function's entries
// alone). The attach and --dry-run -p say which calls the wrap site does not see; an fn: probe's
// note speaks of no return; a refused fnret names the module#export target that would serve it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { jsprobe as jsprobeNow, ROOT } from '../cli/run.js';
import { jsprobe, type Service, startService, stopped, streamMatch } from './procs.js';

const FILE = 'test/fixtures/attach/async-export.cjs';
const RETURNS = `fnret:${FILE}:handleUser { @n = count(); printf("ret\\n") }`;
const major = Number(process.versions.node.split('.')[0]);
/** Live edits off: the default on Node 24 and later, JSPROBE_LIVE_EDIT=0 before. */
const OFF = major >= 24 ? 'env -u JSPROBE_LIVE_EDIT' : 'env JSPROBE_LIVE_EDIT=0';
const WRAP = 'a wrap site on module.exports.handleUser, which sees the calls made through that property, not calls that do not read it '
  + "(the module's own calls of the function by name)";

function serve(env: string, heldMb: number): Promise<Service> {
  return startService(`exec ${env} ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, FILE))} ${heldMb}`);
}

/** The dry run, then the attach until a return is seen: what each said. */
async function oneLiner(svc: Service): Promise<{ dry: ReturnType<typeof jsprobeNow>; code: number | null; out: string; err: string }> {
  const dry = jsprobeNow(['--dry-run', '-p', String(svc.pid), '-e', RETURNS]);
  const cli = jsprobe(['-p', String(svc.pid), '-e', RETURNS]);
  await streamMatch(cli, 'stdout', /^ret$/m);
  cli.child.kill('SIGINT');
  const { code, out, err } = await cli.done;
  return { dry, code, out, err };
}

const SAME = 'live edits off: fnret on an exported async handler gets a wrap site on a small heap and on a large one, and says what it misses';
test(SAME, { timeout: 240_000 }, async () => {
  const answers: string[] = [];
  // 0 MB held: a live patch would fit the 100 ms budget (6 ms a MB); 60 MB held: it would not, nor would a breakpoint site (3.5 ms a MB).
  for (const held of [0, 60]) {
    const svc = await serve(OFF, held);
    try {
      const heapMb = svc.first.heapMb as number;
      // Under the budget for a live patch, and over it for a live patch and for a breakpoint site.
      assert.ok(held === 0 ? heapMb * 6 <= 100 : heapMb * 3.5 > 100, `held ${held} MB: the heap is ${heapMb} MB`);
      const { dry, code, out, err } = await oneLiner(svc);
      assert.equal(dry.code, 0, dry.stderr);
      assert.ok(dry.stderr.includes(`in process ${svc.pid}, ${FILE}:handleUser gets ${WRAP}`), dry.stderr);
      assert.doesNotMatch(dry.stderr, /would not attach|may not attach/);
      assert.equal(code, 0, err);
      assert.ok(err.includes(`so it is ${WRAP}`), err);
      assert.doesNotMatch(err, /not attached|the heap is/);
      assert.match(out, /^@n: [1-9]\d*$/m);
      answers.push(err.replace(/\d+/g, 'N'));
    } finally {
      await stopped(svc);
    }
  }
  assert.equal(answers[0], answers[1], 'the same one-liner is told the same on both heaps');
});

test('live edits off: two fnret probes on one exported async handler share its wrap site, and both run', { timeout: 120_000 }, async () => {
  const svc = await serve(OFF, 0);
  try {
    // The second probe used to find the property holding the first one's wrapper, not the
    // handler, and so no holder: a breakpoint site, refused as never running, and with it (by its
    // text, the same) the first: "no probe attached".
    const cli = jsprobe(['-p', String(svc.pid), '-e', `${RETURNS} fnret:${FILE}:handleUser { @m = count(); printf("ret2\\n") }`]);
    await streamMatch(cli, 'stdout', /^ret2$/m);
    cli.child.kill('SIGINT');
    const { code, out, err } = await cli.done;
    assert.equal(code, 0, err);
    assert.doesNotMatch(err, /not attached|no probe attached|breakpoint site/);
    assert.match(err, /Attached to \d+: 2 probes/);
    assert.match(out, /^ret$/m);
    assert.match(out, /^@n: [1-9]\d*$/m);
    assert.match(out, /^@m: [1-9]\d*$/m);
  } finally {
    await stopped(svc);
  }
});

test('live edits off: exports the file does not show plainly: the dry run says the fnret may not attach, and exits 0', async () => {
  const svc = await serve(OFF, 0);
  try {
    const other = 'test/fixtures/attach/async-assign.cjs';
    const dry = jsprobeNow(['--dry-run', '-p', String(svc.pid), '-e', `fnret:${other}:handle { @n = count() }`]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.ok(dry.stderr.includes(`jsprobe: fnret:${other}:handle: may not attach in process ${svc.pid}: `), dry.stderr);
    assert.ok(dry.stderr.includes("(or a wrap site, which sees its returns, where a property of the module's exports holds it"), dry.stderr);
    assert.doesNotMatch(dry.stderr, /would not attach|no probe would attach/);
  } finally {
    await stopped(svc);
  }
});

test('live edits off: an fn: probe on a breakpoint site is told nothing of returns; an fnret: probe is', { timeout: 120_000 }, async () => {
  const svc = await serve(OFF, 0);
  try {
    const cli = jsprobe(['-p', String(svc.pid), '-e', `fn:${FILE}:byName { @e = count(); printf("e\\n") } fnret:${FILE}:byName { @r = count() }`]);
    await streamMatch(cli, 'stdout', /^e$/m);
    cli.child.kill('SIGINT');
    const { code, err } = await cli.done;
    assert.equal(code, 0, err);
    const entry = new RegExp(`^jsprobe: fn:${FILE}:byName: .*$`, 'm').exec(err)?.[0] ?? '';
    const ret = new RegExp(`^jsprobe: fnret:${FILE}:byName: .*$`, 'm').exec(err)?.[0] ?? '';
    assert.match(entry, /so it is a breakpoint site/, err);
    assert.doesNotMatch(entry, /retval|onReturn|throw/, entry);
    assert.match(ret, /a return whose retval a handler reads pauses the thread to read it|onReturn sees no retval/, err);
  } finally {
    await stopped(svc);
  }
});

// Live edits are on by default before Node 24: nothing to tell there.
if (major >= 24) test('a running target is told that JSPROBE_LIVE_EDIT works at its next start, not now', async () => {
  const svc = await serve('env -u JSPROBE_LIVE_EDIT', 0);
  try {
    const r = await jsprobe(['-p', String(svc.pid), '-e', `fn:${FILE}:byName { @e = count(); exit() }`]).done;
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /only a process started with JSPROBE_LIVE_EDIT=1 in its environment makes them, which one already running cannot be given/);
    assert.doesNotMatch(r.err, /JSPROBE_LIVE_EDIT=1 in its environment turns them on/);
  } finally {
    await stopped(svc);
  }
});

const BLOCKED = 'live edits on, a live patch V8 keeps refusing (a call always suspended): the refused fnret names the module#export that serves it';
test(BLOCKED, { timeout: 120_000 }, async () => {
  const svc = await serve('env JSPROBE_LIVE_EDIT=1 JSPROBE_LIVE_RETRY_MS=200', 0);
  try {
    const r = await jsprobe(['-p', String(svc.pid), '-e', `fnret:${FILE}:handleUser { @n = count() }`]).done;
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /: not attached, as it would never run: live patch of .* refused/);
    assert.ok(r.err.includes(`fnret:./${FILE}#handleUser sees its returns: it gets ${WRAP}`), r.err);
    // And it does.
    const cli = jsprobe(['-p', String(svc.pid), '-e', `fnret:./${FILE}#handleUser { @n = count(); printf("ret\\n") }`]);
    await streamMatch(cli, 'stdout', /^ret$/m);
    cli.child.kill('SIGINT');
    const done = await cli.done;
    assert.equal(done.code, 0, done.err);
    assert.match(done.out, /^@n: [1-9]\d*$/m);
  } finally {
    await stopped(svc);
  }
});
