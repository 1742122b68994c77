// The command's front (cli/front.ts) starts a `-c` program itself: whatever is wrong with the
// command line, the program, its targets or the socket for its children is said, exit 2, before
// anything is spawned (the program writes a marker file when it runs, and none is there); the
// paths it hands to the rest of the command (--dry-run, -f html) still get there.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsprobe } from './run.js';

/** `body` gets a program that writes `marker` when it runs (its function `ping` called once), in a directory of its own. */
function withProgram(body: (app: string, marker: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-front-'));
  const marker = join(dir, 'marker');
  const app = join(dir, 'app.cjs');
  writeFileSync(app, `function ping() { return 1 }\nping();\nrequire('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
  try {
    body(app, marker, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const probe = (app: string): string[] => ['-e', `fn:${app}:ping { @c = count() }`];
const refusals: { name: string; args: (app: string, dir: string) => string[]; stderr: RegExp }[] = [
  { name: 'a syntax error in the program', args: (app) => ['-e', `fn:${app}:ping { @c = count( }`, '-c', `node ${app}`], stderr: /^1:\d+: / },
  {
    name: 'a target that matches nothing',
    args: (app) => ['-e', `fn:${app}:pnig { @c = count() }`, '-c', `node ${app}`],
    stderr: /^1:1: nothing matches .*app\.cjs:pnig\. Did you mean .*app\.cjs:ping\?/,
  },
  { name: 'a bad option value', args: (app) => ['--max-strlen', '0', ...probe(app), '-c', `node ${app}`], stderr: /^jsprobe: --max-strlen takes a whole/ },
  { name: 'an unbalanced quote in -c', args: (app) => [...probe(app), '-c', `node '${app}`], stderr: /^jsprobe: unbalanced ' in -c/ },
  {
    name: '--otlp-protocol without --otlp',
    args: (app) => ['--otlp-protocol', 'http/json', ...probe(app), '-c', `node ${app}`],
    stderr: /^jsprobe: --otlp-protocol goes with --otlp URL\nusage:/,
  },
  {
    name: '-o where nothing can be written',
    args: (app, dir) => ['-o', join(dir, 'none', 'out.txt'), ...probe(app), '-c', `node ${app}`],
    stderr: /^jsprobe: -o .*out\.txt: cannot write there \(ENOENT\)/,
  },
];

for (const r of refusals) {
  test(`${r.name}: said, exit 2, and the program never starts`, () => {
    withProgram((app, marker, dir) => {
      const out = jsprobe(['-q', ...r.args(app, dir)]);
      assert.match(out.stderr, r.stderr);
      assert.equal(out.stdout, '');
      assert.equal(out.code, 2);
      assert.equal(existsSync(marker), false, 'nothing was spawned');
    });
  });
}

test('no socket for the children (TMPDIR is a file): said, exit 2, and the program never starts', () => {
  withProgram((app, marker) => {
    const out = jsprobe(['-q', ...probe(app), '-c', `node ${app}`], 120_000, { TMPDIR: app });
    assert.match(out.stderr, /^jsprobe: cannot open a socket for the program's child processes in .*app\.cjs .*set TMPDIR to a writable directory\n$/);
    assert.equal(out.code, 2);
    assert.equal(existsSync(marker), false);
  });
});

test('the front runs the program and prints the maps; --dry-run and -f html go on to the rest of the command', () => {
  withProgram((app, marker, dir) => {
    const traced = jsprobe(['-q', '-e', `fn:${app}:ping { @c = count() }`, '-c', `node ${app}`]);
    assert.equal(traced.stderr, '');
    assert.equal(traced.stdout, '@c: 1\n\n');
    assert.equal(traced.code, 0);
    assert.equal(readFileSync(marker, 'utf8'), 'ran');
    rmSync(marker);
    const dry = jsprobe(['--dry-run', '-e', `fn:${app}:ping { @c = count() }`, '-c', `node ${app}`]);
    assert.match(dry.stdout, /^would attach 1 probe:\n {2}fn:.*app\.cjs:ping: 1 match\n/);
    assert.equal(dry.code, 0);
    assert.equal(existsSync(marker), false, '--dry-run starts nothing');
    const page = join(dir, 'report.html');
    const report = jsprobe(['-q', '-o', page, '-e', `fn:${app}:ping { @c = count() }`, '-c', `node ${app}`]);
    assert.equal(report.code, 0);
    assert.match(readFileSync(page, 'utf8'), /^<!DOCTYPE html>/i);
    assert.equal(readFileSync(marker, 'utf8'), 'ran');
  });
});
