// `jsprobe -c` with a target that reaches its file through a symlink (a linked file, a linked
// directory; pnpm's node_modules, npm link): Node loads the module by its real path, and the probe
// fires there. Until 2026-12 such a probe never matched ("never matched a function that ran").

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE } from './run.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'jsprobe-symlinks-')));
after(() => rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'prog.cjs': 'function sq(x) { return x * x; }\nlet s = 0;\nfor (let i = 0; i < 100; i++) s += sq(i);\nconsole.log(s);\n',
  'esm/m.mjs': 'export function sq(x) { return x * x; }\nlet s = 0;\nfor (let i = 0; i < 50; i++) s += sq(i);\nconsole.log(s);\n',
  // The program through the link runs in a child process: it loads the runtime at its first matching source (cli/child-watch.ts).
  'spawner.cjs': "require('node:child_process').execFileSync(process.execPath, ['lnk/p2.cjs'], { stdio: 'inherit' });\n",
};
mkdirSync(join(dir, 'esm'));
mkdirSync(join(dir, 'lnk'));
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
symlinkSync(join(dir, 'prog.cjs'), join(dir, 'lnk', 'p2.cjs'));
symlinkSync('esm', join(dir, 'lnkdir'));

function run(args: string[]): { stdout: string; stderr: string; code: number | null; detail: string } {
  const r = spawnSync(process.execPath, [JSPROBE, '-q', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status, detail: `stdout:\n${r.stdout}\nstderr:\n${r.stderr}` };
}

for (const [what, probe, count] of [
  ['fn: through a linked file', 'fn:lnk/p2.cjs:sq', 100],
  ['fnret: through a linked file', 'fnret:lnk/p2.cjs:sq', 100],
  ['line: through a linked file', 'line:lnk/p2.cjs:3', 1],
] as const) {
  test(`${what} counts the calls of the module Node loads by its real path`, () => {
    const r = run(['-e', `${probe} { @n = count() }`, '-c', 'node lnk/p2.cjs']);
    assert.equal(r.code, 0, r.detail);
    assert.match(r.stdout, new RegExp(`^@n: ${count}$`, 'm'), r.detail);
    assert.doesNotMatch(r.stderr, /never matched/, r.detail);
  });
}

test('fn: through a linked directory, an ES module, and a glob through it, each count its calls; -l and --dry-run name it as written', () => {
  for (const target of ['lnkdir/m.mjs:sq', 'lnkdir/*.mjs:sq', 'lnkdir/**/*.mjs:s*']) {
    const r = run(['-e', `fn:${target} { @n = count() }`, '-c', 'node lnkdir/m.mjs']);
    assert.equal(r.code, 0, `${target}\n${r.detail}`);
    assert.match(r.stdout, /^@n: 50$/m, `${target}\n${r.detail}`);
    assert.doesNotMatch(r.stderr, /never matched/, `${target}\n${r.detail}`);
  }
  const l = run(['-l', 'lnkdir/*.mjs:*']);
  assert.equal(l.code, 0, l.detail);
  assert.match(l.stdout, /^fn:lnkdir\/m\.mjs:sq {2}\S*\/lnkdir\/m\.mjs:1$/m, l.detail);
  const dry = run(['--dry-run', '-e', 'fn:lnkdir/*.mjs:sq { @n = count() }', '-c', 'node lnkdir/m.mjs']);
  assert.equal(dry.code, 0, dry.detail);
  assert.match(dry.stdout, /^ {4}lnkdir\/m\.mjs:sq /m, dry.detail);
  assert.doesNotMatch(dry.stdout + dry.stderr, /esm\/m\.mjs/, dry.detail);
});

test('a child process that loads the file through the link is traced', () => {
  const r = run(['-e', 'fn:lnk/p2.cjs:sq { @n = count() }', '-c', 'node spawner.cjs']);
  assert.equal(r.code, 0, r.detail);
  assert.match(r.stdout, /^@n: 100$/m, r.detail);
  assert.doesNotMatch(r.stderr, /never matched|untraced/, r.detail);
});
