// `jsprobe -c` on a program with worker threads: the probes apply in every thread, `tid` is the
// worker's threadId, printf output comes from workers too, and each worker's maps are merged into
// what prints at the end, asked for at exit within a bound that names a thread that did not answer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { jsprobe, ROOT } from './run.js';

const WORKERS = 'test/fixtures/cli/workers.cjs';
// Thread ids: the first worker of the program is not always 1 (Node 20 runs the module hooks on a
// thread of its own), so the program prints tid from a worker and the tests read it back.
const PROGRAM = `fn:${WORKERS}:work { @calls[tid] = count(); @all = count() } fn:${WORKERS}:work /arg0 == 100/ { printf("worker %d\\n", tid) }`;

/** The tids that printed, in order of their first line, and how many lines each. */
function printers(stdout: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of stdout.split('\n')) {
    const tid = /^worker (\d+)$/.exec(l)?.[1];
    if (tid !== undefined) m.set(Number(tid), (m.get(Number(tid)) ?? 0) + 1);
  }
  return m;
}

test('worker threads that end on their own: every thread probed, printf from a worker, maps merged', () => {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${WORKERS} ends`]);
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, detail);
  assert.ok(r.stdout.split('\n').includes('main done'), detail);
  const tids = [...printers(r.stdout)].sort(([a], [b]) => a - b);
  assert.equal(tids.length, 2, detail);
  assert.ok(tids.every(([tid, n]) => tid > 0 && n === 10), detail);
  const [a, b] = tids.map(([tid]) => tid);
  // Entries print in ascending order of count: the main thread's 5 first.
  assert.match(r.stdout,
    new RegExp(`@calls\\[0\\]: 5\\n(@calls\\[${a}\\]: 10\\n@calls\\[${b}\\]: 10|@calls\\[${b}\\]: 10\\n@calls\\[${a}\\]: 10)\\n\\n@all: 25\\n\\n$`), detail);
  assert.doesNotMatch(r.stderr, /did not answer|lost/, detail);
});

// How long the main thread waits at exit for its workers' maps (JSPROBE_FLUSH_MS). The spinning
// worker makes the test wait all of it; the idle one must answer within it, and on a busy machine
// the default (1000 ms) was not always enough for a thread to be scheduled.
const FLUSH_MS = 5000;

test('a warning each thread says once (a NaN left out of a sum) is said once, not once a thread', () => {
  // work(n) has no second argument: arg1 is undefined in the main thread and in both workers.
  const r = jsprobe(['-q', '-e', `fn:${WORKERS}:work { @s = sum(arg1); @n = count() }`, '-c', `node ${WORKERS} ends`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@n: 25$/m);
  assert.deepEqual(r.stderr.match(/^.*\(said once\)$/gm), ['jsprobe: sum() takes a number, and got undefined: left out of the map (said once)']);
});

test('process.exit() with a worker idling and one spinning: the idle one answers, the spinning one is named', () => {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${WORKERS} exit`], undefined, { JSPROBE_FLUSH_MS: String(FLUSH_MS) });
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, detail);
  // The idle worker printed 10 lines, the spinning one 3 (its ring is read even while it spins).
  const by = [...printers(r.stdout)];
  const idle = by.find(([, n]) => n === 10)?.[0];
  const spin = by.find(([, n]) => n === 3)?.[0];
  assert.ok(idle !== undefined && spin !== undefined, detail);
  const late = `jsprobe: worker thread \\(tid ${spin}\\) did not answer within ${FLUSH_MS} ms; its maps are as of its last snapshot`;
  assert.match(r.stderr, new RegExp(late), detail);
  assert.doesNotMatch(r.stderr, new RegExp(`worker thread \\(tid ${idle}\\) did not answer`), detail);
  // The main thread's 5 and the idle worker's 10 are there; the spinning worker's calls are only
  // there if a snapshot of its came before it started spinning (its timer never fires after).
  // Entries print in ascending order of count.
  assert.match(r.stdout, new RegExp(`(@calls\\[${spin}\\]: 3\\n)?@calls\\[0\\]: 5\\n@calls\\[${idle}\\]: 10\\n\\n@all: (15|18)\\n\\n$`), detail);
});

test('exit() in a worker ends the program, and END and the maps still print (a second exit() while ending is ignored)', () => {
  const r = jsprobe(['-q', '-e', `fn:${WORKERS}:work /tid != 0/ { @w = count(); exit() } END { printf("end\\n") }`, '-c', `node ${WORKERS} ends`]);
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, detail);
  assert.match(r.stdout, /end\n@w: \d+\n\n$/, detail);
});

test('a worker ended by terminate() is not waited for at exit, nor named', () => {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${WORKERS} terminate`]);
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, detail);
  assert.doesNotMatch(r.stderr, /did not answer/, detail);
  assert.match(r.stdout, /@calls\[0\]: 5\n/, detail);
});

test('a worker whose maps are bigger than its ring hands them over in pieces', () => {
  const r = jsprobe(['-q', '-e', `fn:${WORKERS}:work /tid != 0/ { @k[arg0] = count() }`, '-c', `node ${WORKERS} many`], 120_000);
  const detail = `stderr:\n${r.stderr}`;
  assert.equal(r.code, 0, detail);
  const keys = r.stdout.split('\n').filter((l) => l.startsWith('@k['));
  // 26,667 values of i divisible by 3 (i = 0 included) and 1: each a key; 1 is also every other call.
  assert.equal(keys.length, 26_667 + 1, detail);
  assert.ok(keys.includes('@k[1]: 53333'), detail);
  assert.doesNotMatch(r.stderr, /lost|did not answer/, detail);
});

const POOL = 'test/fixtures/cli/terminated-pool.cjs';

// A pool terminated at shutdown (tinypool under vitest --pool=threads, piscina): terminate() runs
// none of the worker's code from then on, its 'exit' handlers included, so jsprobe asks the worker
// and the worker it started for their maps before Node's terminate() ends them. Until 2026-12 a
// suite shorter than a second lost every hit made in its workers.
test('a worker ended by terminate(): its maps and those of the worker it started are taken first, and nothing is said lost', () => {
  const r = jsprobe(['-q', '-e', `fn:${POOL}:crunch { @[tid] = count() }`, '-c', `node ${POOL}`], undefined, { JSPROBE_FLUSH_MS: String(FLUSH_MS) });
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, detail);
  assert.match(r.stdout, /^pool \d+ sub \d+$/m, detail);
  // The program's first worker is tid 1, whatever threadId jsprobe's own threads left it.
  assert.match(r.stdout, /^@\[1\]: 5$/m, detail);
  assert.doesNotMatch(r.stderr, /did not answer|ended from outside/, detail);
});

// What the program sees of terminate() is Node's, but for the wait: until 2026-12 each worker got
// an own `terminate` that hid a subclass's and the program's replacement of the prototype's (which
// then never ran), showed in Object.getOwnPropertyNames, crashed a program that had made the worker
// non-extensible (TypeError in jsprobe's 'worker' listener), settled a second call with undefined
// rather than the exit code, made terminate() from the 'exit' handler wait 250 ms, and called the
// program's Promise.prototype.then.
test('terminate(): the program sees what it sees without jsprobe, and the maps of every worker are taken', () => {
  const SEEN = 'test/fixtures/cli/terminate-seen.cjs';
  const alone = spawnSync(process.execPath, [SEEN], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(alone.status, 0, alone.stderr);
  const r = jsprobe(['-q', '-e', `fn:${SEEN}:crunch { @[tid] = count() }`, '-c', `node ${SEEN}`], undefined, { JSPROBE_FLUSH_MS: String(FLUSH_MS) });
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, detail);
  const lines = r.stdout.split('\n');
  const maps = lines.filter((l) => l.startsWith('@'));
  assert.equal(lines.filter((l) => l !== '' && !l.startsWith('@')).join('\n'), alone.stdout.trimEnd(), detail);
  // One worker a scenario (7), each with its 5 calls: none ended before it answered.
  assert.equal(maps.length, 7, detail);
  assert.ok(maps.every((l) => /^@\[\d+\]: 5$/.test(l)), detail);
  assert.doesNotMatch(r.stderr, /ended from outside|did not answer/, detail);
});

// A worker that never yields cannot answer before it is ended (terminate() waits 250 ms for it):
// its hits since its last snapshot are lost, and the message says so, naming it by its tid; the
// idle worker it had started answers, is not named, and is not waited for at exit.
test('a busy worker ended by terminate(): named by its tid as ended from outside, and the worker it started is not waited for', () => {
  const r = jsprobe(['-q', '-e', `fn:${POOL}:crunch { @[tid] = count() }`, '-c', `node ${POOL} busy`], undefined, { JSPROBE_FLUSH_MS: String(FLUSH_MS) });
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, detail);
  assert.match(r.stdout, /^pool \d+ sub \d+$/m, detail);
  assert.doesNotMatch(r.stderr, /did not answer/, detail);
  const ended = /^jsprobe: worker thread \(tid 1\) was ended from outside \(worker\.terminate\(\), or its parent's end\), which runs none of its code: /m;
  assert.match(r.stderr, ended, detail);
  assert.doesNotMatch(r.stderr, /worker thread \(tid [^1]/, detail);
});
