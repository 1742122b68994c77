// A traced program that ends without running its 'exit' handlers (SIGKILL, an abort, out of
// memory) cannot send its maps: the first process sends the command a backup of them every second
// (JSPROBE_BACKUP_MS here), which prints in their place with a line saying so; END runs either way.
// The program's timer that kills it runs after the backup's, which is due first (Node runs due
// timers in the order they fall due): no wait stands in for the backup.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsprobe } from './run.js';

const APP = 'test/fixtures/cli/killed.cjs';
const PROGRAM = `fn:${APP}:tick { @n = count() } END { printf("END ran\\n") }`;

test('a program killed after a backup of its maps: the backup prints, said so; END runs; exit 137', () => {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${APP} later`], undefined, { JSPROBE_BACKUP_MS: '20' });
  assert.equal(r.code, 137, r.stderr);
  assert.equal(r.stdout, 'END ran\n@n: 50\n\n');
  assert.match(r.stderr, new RegExp('^jsprobe: process \\d+ ended without sending its maps \\(node \\S+killed\\.cjs later was killed by SIGKILL\\); '
    + 'the maps above are its last snapshot, from \\d+ ms before the end\n$'));
});

test('killed after a backup, with -o FILE: the backup goes to the file, and the line says the maps there, not above', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-killed-'));
  try {
    const file = join(dir, 'maps.txt');
    const r = jsprobe(['-q', '-e', PROGRAM, '-o', file, '-c', `node ${APP} later`], undefined, { JSPROBE_BACKUP_MS: '20' });
    assert.equal(r.code, 137, r.stderr);
    assert.equal(readFileSync(file, 'utf8'), 'END ran\n@n: 50\n\n');
    assert.ok(r.stderr.includes(`; the maps in ${file} are its last snapshot, from `), r.stderr);
    assert.doesNotMatch(r.stderr, /maps above/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an aborted program (as out of memory ends one): the backup prints; exit 134', () => {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${APP} abort`], undefined, { JSPROBE_BACKUP_MS: '20' });
  assert.equal(r.code, 134, r.stderr);
  assert.equal(r.stdout, 'END ran\n@n: 50\n\n');
  assert.match(r.stderr, /ended without sending its maps \(.* was killed by SIGABRT\); the maps above are its last snapshot/);
});

test('a program killed before its first backup: END runs, and the maps are said to be lost', () => {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${APP} now`]);
  assert.equal(r.code, 137, r.stderr);
  assert.equal(r.stdout, 'END ran\n');
  assert.match(r.stderr, /^jsprobe: node \S+killed\.cjs now was killed by SIGKILL before it sent its maps or a snapshot of them /);
  assert.match(r.stderr, /\(one a second, of maps of up to 4,096 keys\): /);
  assert.match(r.stderr, /: its own maps are lost\n$/);
});

test('a program that ends as usual after backups: its maps print once, the backups never with them', () => {
  const r = jsprobe(['-q', '-e', PROGRAM, '-c', `node ${APP} end`], undefined, { JSPROBE_BACKUP_MS: '20' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'END ran\n@n: 50\n\n');
  assert.equal(r.stderr, '');
});

// The child loaded the file by require: "in a traced process" (until 2026-12) said otherwise.
test('a probe only a killed child process ran: its "never matched" says that process did not report', () => {
  const r = jsprobe(['-q', '-e', `fn:${APP}:tick { @n = count() }`, '-c', 'node test/fixtures/cli/killed-parent.cjs']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^jsprobe: fn:${APP.replace(/\./g, '\\.')}:tick never matched a function that ran in the processes that reported; `
    + 'process \\d+ ended before reporting, and may have run it \\(no file it names was loaded by require or import in the processes that reported; .*\\)\n$'));
});
