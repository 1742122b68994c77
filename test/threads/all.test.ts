// `threads: 'all'` in the library: one probe registered in the main thread applies in worker
// threads started before and after it; their calls reach the main thread's handlers with the
// worker's threadId; unregister waits for every worker, within a bound that names the silent one.
// The bound (JSPROBE_THREAD_GRACE_MS) is generous unless a silent worker is what a test is about:
// a worker that answers ends the wait at once, so a long bound costs nothing, and a short one
// would name a worker that was merely slow on a busy machine.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function run(mode: string, env: Record<string, string> = {}): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', join(root, 'build/src/register.js'), join(root, 'test/fixtures/threads/all.mjs'), mode], {
    cwd: root, encoding: 'utf8', env: { ...process.env, JSPROBE_THREAD_GRACE_MS: '20000', ...env }, timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test("threads: 'all': every thread's calls reach the handlers, with its threadId; none after unregister", () => {
  const out = run('events') as {
    allFromWorker: string; probed: { probesHere: number; site: string }[]; after: { probesHere: number }[]; nothingAfter: boolean; warnings: string[];
    earlyTid: number; lateTid: number; seen: unknown[][];
  };
  const { earlyTid, lateTid } = out;
  // Both workers answered unregister: neither is named.
  assert.deepEqual(out.warnings, []);
  // Each worker had its side of the probe; after unregister resolved, none.
  assert.deepEqual(out.probed.map((r) => r.probesHere), [1, 1]);
  assert.deepEqual(out.after.map((r) => r.probesHere), [0, 0]);
  // The early worker had loaded the target: a live patch. The late one found the probe as it
  // started, before it loaded the target: a load site, whichever way its modules load.
  assert.deepEqual(out.probed.map((r) => r.site), ['live', 'load']);
  assert.equal(out.nothingAfter, true);
  const by = (tid: number) => out.seen.filter((s) => s[1] === tid);
  assert.deepEqual(by(0), [['entry', 0, 1], ['return', 0, 1, false, true]]);
  assert.deepEqual(by(earlyTid),
    [['entry', earlyTid, 10], ['return', earlyTid, 55, false, true], ['entry', earlyTid, 10], ['return', earlyTid, 55, false, true]]);
  assert.deepEqual(by(lateTid),
    [['entry', lateTid, 20], ['return', lateTid, 210, false, true], ['entry', lateTid, 20], ['return', lateTid, 210, false, true]]);
  assert.equal(out.seen.length, 10);
  // Registered from a worker, 'all' is refused: its handlers would have no main thread to run in.
  assert.equal(out.allFromWorker, 'JSPROBE_E_UNSUPPORTED');
});

test("threads: 'all': a worker that never answers does not hold unregister past its bound, and is named", () => {
  const out = run('stuck', { JSPROBE_THREAD_GRACE_MS: '300' }) as { stuckTid: number; warnings: string[]; seen: unknown[][] };
  // Only the bound's timer emits this warning, and it was there when unregister resolved: the
  // stuck worker held unregister until the bound, and no longer. It is the one worker left.
  const timeouts = out.warnings.filter((w) => w.includes('did not acknowledge unregister'));
  const named = timeouts.map((w) => /worker thread\(s\) ([\d, ]+) did not acknowledge unregister within 300 ms/.exec(w)?.[1]);
  assert.deepEqual(named, [String(out.stuckTid)], out.warnings.join('\n'));
  // The stuck worker's call before it blocked still reached the handler.
  assert.ok(out.seen.some((s) => s[1] === out.stuckTid && s[0] === 'return' && s[2] === 210));
});

test("threads: 'all': a worker that has ended (terminate()) is not waited for", () => {
  // A bound far above any answer's time: a warning means the ended worker was waited for.
  const out = run('gone', { JSPROBE_THREAD_GRACE_MS: '5000' }) as { warnings: string[]; seen: unknown[][] };
  assert.deepEqual(out.warnings, []);
  // Its call before it ended still reached the handler.
  assert.ok(out.seen.some((s) => s[0] === 'return' && s[2] === 55));
});

test("threads: 'all': a worker started as the probe is unregistered drops what it found at its start", () => {
  const out = run('stale') as { stale: { atStart: number; after: number } };
  // It had the probe when its code began (usually; the main thread's answer can come first, when
  // its modules load asynchronously, as on Node 20), and none once that answer came.
  assert.ok(out.stale.atStart <= 1, JSON.stringify(out.stale));
  assert.equal(out.stale.after, 0, JSON.stringify(out.stale));
});

test("threads: 'all': a worker's ring overflowing while the main thread is busy: every drop counted and reported", () => {
  const out = run('flood') as { warnings: string[]; fromWorker: number };
  const warning = out.warnings.find((w) => w.includes("threads: 'all' events lost"));
  assert.ok(warning !== undefined, out.warnings.join('\n'));
  const lost = Number(/(\d+) of worker thread/.exec(warning)?.[1]);
  assert.ok(lost > 0);
  // 20,000 calls, an entry and a return event each: delivered + lost, exactly.
  assert.equal(out.fromWorker + lost, 40_000);
});

test("threads: 'all': a handler that throws on a worker's event is a fault of its probe, counted and reported through setFaultHandler", () => {
  const out = run('fault') as { faults: number; reported: string[][]; warnings: string[]; earlyTid: number; seen: unknown[][] };
  // Two calls in the worker, each entry threw: two faults, the first reported, once.
  assert.equal(out.faults, 2);
  assert.deepEqual(out.reported, [['entry', `entry of thread ${out.earlyTid}`]]);
  assert.ok(!out.warnings.some((w) => /threw/.test(w)), out.warnings.join('\n'));
  // The relayed call is a whole Call: it names the function it is in, as in the main thread.
  const where = out.seen.filter((s) => s[0] === 'where');
  assert.deepEqual(where.map((s) => [s[1], s[2]]), [[0, 'work'], [out.earlyTid, 'work'], [out.earlyTid, 'work']]);
  for (const s of where) assert.match(String(s[3]), /test\/fixtures\/threads\/target\.cjs:work$/);
});
