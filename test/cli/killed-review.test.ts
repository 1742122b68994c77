// Review of 6791b23 (backups of the maps): cases where the backup path goes wrong. Each of these
// fails at 6791b23.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe } from './run.js';

const MOCK = 'test/fixtures/review/pidmock.cjs';
const SEQ = 'test/fixtures/review/seq.cjs';
const FAST = { JSPROBE_BACKUP_MS: '20' };

test('a backup never runs the program\'s code: a process.pid getter that throws does not crash the program', () => {
  const r = jsprobe(['-q', '-e', `fn:${MOCK}:tick { @n = count() }`, '-c', `node ${MOCK} throw`], undefined, FAST);
  assert.doesNotMatch(r.stderr, /the program's getter ran/);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '@n: 50\n\n');
});

test('a program that mocks process.pid after a backup: its maps print once, no note', () => {
  const r = jsprobe(['-q', '-e', `fn:${MOCK}:tick { @n = count() }`, '-c', `node ${MOCK} mock`], undefined, FAST);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '@n: 50\n\n');
  assert.equal(r.stderr, '');
});

test('a first process a shell started, killed after a backup: the backup prints, and is said to be a snapshot (docs/cli.md)', () => {
  const r = jsprobe(['-q', '-e', `fn:${SEQ}:tick { @n = count() }`, '-c', `sh -c 'node ${SEQ} kill; true'`]);
  assert.equal(r.stdout, '@n: 50\n\n');
  assert.match(r.stderr, /ended without sending its maps.*last snapshot/);
});
