// `jsprobe -c` follows the program into its child node processes: node --test's, npm's, cluster
// workers, spawned ones, at any depth. Each reports to the one command, whose maps merge every
// process's (pid tells them apart); "never matched" is said only when no process, no thread matched.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE, ROOT } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'jsprobe-children-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'work.js': 'function work(n) { return n * 2; }\nfor (let i = 0; i < 5; i++) work(i);\nconsole.log("work done");\n',
  'never.js': 'function never() {}\nnever();\n',
  'calls.test.js': [
    "const { test } = require('node:test');",
    'function inTest(n) { return n + 1; }',
    "test('three calls', () => { inTest(1); inTest(2); inTest(3); });",
    '',
  ].join('\n'),
  'package.json': JSON.stringify({ name: 'x', version: '1.0.0', private: true, scripts: { x: 'node work.js' } }),
  // The primary calls work() once, each of its two workers three times.
  'cluster.js': [
    "const cluster = require('node:cluster');",
    'function work() {}',
    'if (cluster.isPrimary) {',
    '  work();',
    '  let left = 2;',
    "  for (let i = 0; i < 2; i++) cluster.fork().on('exit', () => { if (--left === 0) console.log('primary done'); });",
    '} else {',
    '  work(); work(); work();',
    '  process.exit(0);',
    '}',
    '',
  ].join('\n'),
  // kid() runs only in a grandchild (spawn -> exec'd shell -> node), lone() only in a worker thread of it.
  'spawner.js': [
    "const { execSync } = require('node:child_process');",
    "execSync('node kid.js', { stdio: 'inherit' });",
    '',
  ].join('\n'),
  'kid.js': [
    "const { Worker, isMainThread } = require('node:worker_threads');",
    'function kid() {}',
    'function lone() {}',
    'if (isMainThread) { kid(); kid(); new Worker(__filename); } else { lone(); lone(); lone(); lone(); }',
    '',
  ].join('\n'),
  // A child told a socket that does not exist: it must run, untraced, with one warning.
  'lost-link.js': [
    "const { spawnSync } = require('node:child_process');",
    "const env = { ...process.env, JSPROBE_SOCKET: require('node:path').join(__dirname, 'no-such-dir', 's.sock') };",
    "const r = spawnSync(process.execPath, ['work.js'], { env, stdio: 'inherit' });",
    "console.log('child exit', r.status);",
    '',
  ].join('\n'),
  // A program whose last act is to signal itself (as a CLI that forwards its child's signal does).
  'selfkill.js': "function last() {}\nlast();\nprocess.kill(process.pid, 'SIGINT');\n",
  'signals-child.js': [
    "const { spawnSync } = require('node:child_process');",
    "const r = spawnSync(process.execPath, ['selfkill.js'], { stdio: 'inherit' });",
    "console.log('child status', r.status, 'signal', r.signal);",
    '',
  ].join('\n'),
};
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);

/** Run the command in the fixtures' directory (npm needs its package.json there). */
function run(args: string[]): { stdout: string; stderr: string; code: number | null; detail: string } {
  // Without the variable by which this test's own runner tells its children they run a test file:
  // the `node --test` under the command would take itself for one and run nothing.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, [JSPROBE, '-q', ...args], { cwd: dir, encoding: 'utf8', timeout: 180_000, env });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status, detail: `stdout:\n${r.stdout}\nstderr:\n${r.stderr}` };
}

/** `@[pid]: N` lines: pid to count. */
function byPid(stdout: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const [, pid, n] of stdout.matchAll(/^@\[(\d+)\]: (\d+)$/gm)) m.set(Number(pid), Number(n));
  return m;
}

test('node --test: the calls in the test file, which runs in a child process, are counted', () => {
  const r = run(['-e', 'fn:calls.test.js:inTest { @calls = count() }', '-c', 'node --test calls.test.js']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /^@calls: 3$/m, r.detail);
  assert.doesNotMatch(r.stderr, /never matched|untraced/, r.detail);
});

test('npm run: the node process npm starts (through a shell) is traced', () => {
  const r = run(['-e', 'fn:work.js:work { @[pid] = count() }', '-c', 'npm run x']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /work done/, r.detail);
  const counts = [...byPid(r.stdout).values()];
  assert.deepEqual(counts, [5], r.detail);
});

test('cluster: the primary and its two workers each report, merged into one map keyed by pid; END sees them all', () => {
  const program = 'BEGIN { printf("begin\\n") } fn:cluster.js:work { @[pid] = count(); @all = count() } END { printf("end\\n"); print(@all); clear(@all) }';
  const r = run(['-e', program, '-c', 'node cluster.js']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /primary done/, r.detail);
  // Entries print in ascending order of count: the primary's 1 first.
  const counts = [...byPid(r.stdout).values()];
  assert.deepEqual(counts, [1, 3, 3], r.detail);
  // BEGIN runs once, in the first process, not in each child; END once, on every process's maps merged.
  assert.equal(r.stdout.match(/^begin$/gm)?.length, 1, r.detail);
  assert.equal(r.stdout.match(/^end$/gm)?.length, 1, r.detail);
  assert.match(r.stdout, /^end\n@all: 7\n/m, r.detail);
  assert.equal(r.stdout.match(/^@all:/gm)?.length, 1, `END cleared @all after printing it\n${r.detail}`);
});

test('never matched: not for a function that runs only in a grandchild or only in its worker thread', () => {
  const r = run(['-e', 'fn:kid.js:kid { @kid[pid] = count() } fn:kid.js:lone { @lone[tid] = count() }', '-c', 'node spawner.js']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /^@kid\[\d+\]: 2$/m, r.detail);
  assert.match(r.stdout, /^@lone\[[1-9]\d*\]: 4$/m, r.detail);
  assert.doesNotMatch(r.stderr, /never matched/, r.detail);
});

test('never matched: not for a function that runs only in a worker thread of the first process', () => {
  const r = run(['-e', 'fn:kid.js:lone { @lone = count() }', '-c', 'node kid.js']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /^@lone: 4$/m, r.detail);
  assert.doesNotMatch(r.stderr, /never matched/, r.detail);
});

test('never matched: said once when no process matched, and not for the probe that matched in a child', () => {
  const r = run(['-e', 'fn:never.js:never { @n = count() } fn:kid.js:kid { @k = count() }', '-c', 'node spawner.js']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /^@k: 2$/m, r.detail);
  assert.equal(r.stderr.match(/never matched/g)?.length, 1, r.detail);
  assert.match(r.stderr, /jsprobe: fn:never\.js:never never matched a function that ran/, r.detail);
});

test('the first process started by a shell (no pipes of its own) runs BEGIN and END once and is counted', () => {
  const r = run(['-e', 'BEGIN { printf("begin\\n") } fn:work.js:work { @w = count() } END { printf("end\\n") }', '-c', 'sh -c "node work.js; true"']);
  assert.equal(r.code, 0, r.detail);
  // (BEGIN's line and the program's own output take different ways to stdout: their order is not fixed.)
  assert.equal(r.stdout.match(/^begin$/gm)?.length, 1, r.detail);
  assert.equal(r.stdout.match(/^end$/gm)?.length, 1, r.detail);
  assert.match(r.stdout, /^work done$/m, r.detail);
  assert.match(r.stdout, /@w: 5\n\n$/, r.detail);
});

test('a child that cannot reach the command runs untraced, with one warning', () => {
  const r = run(['-e', 'fn:work.js:work { @w = count() }', '-c', 'node lost-link.js']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /work done\nchild exit 0\n/, r.detail);
  assert.equal(r.stderr.match(/runs untraced/g)?.length, 1, r.detail);
  assert.match(r.stderr, /jsprobe: process \d+ runs untraced: cannot reach the jsprobe command \(ENOENT\)/, r.detail);
  assert.doesNotMatch(r.stdout, /@w/, r.detail);
});

test('a program that signals itself as its last act still ends by that signal, with its maps, first process or child', () => {
  const first = run(['-e', 'fn:selfkill.js:last { @last = count() }', '-c', 'node selfkill.js']);
  // Without jsprobe the signal ends it (a shell shows 130); the signal's listener must still get its turn.
  assert.equal(first.code, 130, first.detail);
  assert.match(first.stdout, /^@last: 1$/m, first.detail);
  const child = run(['-e', 'fn:selfkill.js:last { @last = count() }', '-c', 'node signals-child.js']);
  assert.equal(child.code, 0, child.detail);
  assert.match(child.stdout, /^child status null signal SIGINT$/m, child.detail);
  assert.match(child.stdout, /^@last: 1$/m, child.detail);
});

// A child that never yields sends no report at all: until 2026-12 the line said its maps were "at
// most a second old", when none of its calls were in them.
test('a child process still running when the program ends: named, and not said to be a second behind', () => {
  const F = 'test/fixtures/cli/busy-child.cjs';
  const args = [JSPROBE, '-q', '-e', `fn:${F}:work { @n = count() }`, '-c', `node ${F}`];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const pid = Number(/^child (\d+)$/m.exec(r.stdout)?.[1]);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Ended already.
  }
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.status, 0, detail);
  const named = `^jsprobe: 1 child process\\(es\\) of the program still run \\(pid ${pid}\\): their maps are as of their last report `;
  assert.match(r.stderr, new RegExp(named, 'm'), detail);
  assert.doesNotMatch(r.stderr, /at most a second old/, detail);
});
