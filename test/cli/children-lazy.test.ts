// A child process of a `jsprobe -c` program loads jsprobe's runtime only once one of its sources
// matches a probe's file (cli/child-watch.ts), where Node runs load hooks in the loading thread
// (module.registerHooks); elsewhere, and where a probe needs it from the start, it loads it at
// start. Either way its hits are counted: in the module whose load brought the runtime in, in ES
// modules, in worker threads started before any match.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import module from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'jsprobe-children-lazy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Whether this Node has the in-thread hooks that let a child wait for its first match. */
const LAZY = typeof (module as unknown as { registerHooks?: unknown }).registerHooks === 'function';

/** What the child's CommonJS compile hook is: jsprobe's watcher alone, or the runtime's own hook. */
const HOOK = "require('node:module').prototype._compile.name";

const FILES: Record<string, string> = {
  // Starts the file named in its arguments in a child node process.
  'parent.js': [
    "const { spawnSync } = require('node:child_process');",
    "const r = spawnSync(process.execPath, process.argv.slice(2), { stdio: 'inherit' });",
    "if (r.status !== 0) throw new Error('child failed: ' + r.status);",
    '',
  ].join('\n'),
  // Says which hook it has before and after it loads a file a probe names.
  'late.js': [
    `console.log('before', ${HOOK});`,
    "require('./matched.js');",
    `console.log('after', ${HOOK});`,
    '',
  ].join('\n'),
  'matched.js': 'function hit() {}\nhit(); hit();\n',
  'esm-child.mjs': "import { twice } from './esm-lib.mjs';\ntwice(); twice(); twice();\n",
  'esm-lib.mjs': 'export function twice() {}\n',
  // Its own file matches nothing: its worker thread's does.
  'pool.js': [
    "const { Worker } = require('node:worker_threads');",
    "new Worker(require('node:path').join(__dirname, 'job.js'));",
    '',
  ].join('\n'),
  'job.js': 'function job() {}\njob(); job(); job(); job();\n',
  // Replaces functions of Node's before it loads a file a probe names: none may be called by jsprobe.
  'patches.js': [
    "const fs = require('node:fs');",
    'const called = [];',
    'const patch = (obj, key, name) => {',
    '  const orig = obj[key];',
    // Called by jsprobe's own code: its caller's frame is in jsprobe's bundle (Node's loader, reading a module for it, is not).
    "  obj[key] = function (...a) { if (/agent-bundle/.test(new Error().stack.split('\\n')[2])) called.push(name); return orig.apply(this, a); };",
    '};',
    // As graceful-fs replaces fs's functions.
    "for (const name of ['readFileSync', 'readSync', 'openSync', 'closeSync', 'statSync', 'writeFileSync']) patch(fs, name, `fs.${name}`);",
    "patch(Buffer, 'allocUnsafeSlow', 'Buffer.allocUnsafeSlow');",
    "require('./matched.js');",
    "console.log('called by jsprobe:', JSON.stringify(called));",
    '',
  ].join('\n'),
};
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);

function run(args: string[], env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string; code: number | null; detail: string } {
  const r = spawnSync(process.execPath, [JSPROBE, '-q', ...args], { cwd: dir, encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env } });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status, detail: `stdout:\n${r.stdout}\nstderr:\n${r.stderr}` };
}

test('a child loads the runtime at the first source that matches, and that source gets its sites', () => {
  const r = run(['-e', 'fn:matched.js:hit { @hit = count() }', '-c', 'node parent.js late.js']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, LAZY ? /^before jsprobeWatch$/m : /^before jsprobeCompile$/m, r.detail);
  assert.match(r.stdout, /^after jsprobeCompile$/m, r.detail);
  assert.match(r.stdout, /^@hit: 2$/m, r.detail);
  assert.doesNotMatch(r.stderr, /never matched|untraced/, r.detail);
});

test('a child whose sources match nothing runs with the watcher alone, and the probe never matched', () => {
  const r = run(['-e', 'fn:matched.js:hit { @hit = count() }', '-c', 'node parent.js esm-child.mjs']);
  assert.equal(r.code, 0, r.detail);
  assert.doesNotMatch(r.stdout, /@hit/, r.detail);
  assert.match(r.stderr, /fn:matched\.js:hit never matched a function that ran/, r.detail);
});

test('an ES module that matches in a child: its calls are counted', () => {
  const r = run(['-e', 'fn:esm-lib.mjs:twice { @esm = count() }', '-c', 'node parent.js esm-child.mjs']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /^@esm: 3$/m, r.detail);
  assert.doesNotMatch(r.stderr, /never matched|untraced/, r.detail);
});

test('a worker thread a child starts before any of its sources matched: its calls are counted', () => {
  const r = run(['-e', 'fn:job.js:job { @job = count() }', '-c', 'node parent.js pool.js']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /^@job: 4$/m, r.detail);
  assert.doesNotMatch(r.stderr, /never matched|untraced/, r.detail);
});

test('a probe on a module export: the child loads the runtime at start', () => {
  const r = run(['-e', 'fn:node:path#basename { @b = count() } fn:matched.js:hit { @hit = count() }', '-c', 'node parent.js late.js']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /^before jsprobeCompile$/m, r.detail);
  assert.match(r.stdout, /^@hit: 2$/m, r.detail);
});

test('a child that replaced node:fs\'s functions before its first match: the runtime it loads then calls none of them', () => {
  // Twice, with a cache of its own: the first rewrites matched.js, the second reads its rewrite from the cache.
  const cache = join(dir, 'patches-cache');
  for (let i = 0; i < 2; i++) {
    const r = run(['-e', 'fn:matched.js:hit { @hit = count() }', '-c', 'node parent.js patches.js'], { JSPROBE_CACHE: cache });
    assert.equal(r.code, 0, r.detail);
    assert.match(r.stdout, /^called by jsprobe: \[\]$/m, r.detail);
    assert.match(r.stdout, /^@hit: 2$/m, r.detail);
  }
});
