// jsprobe's disk cache (rewritten modules, the agent's compiled code) runs in the traced program
// when read back, so its directory is used only if it is this user's alone.

import { test, after } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import {
  chmodSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, isPrivateDir, pruneCache, pruneDue, writeCacheFile } from '../../src/sites/hooks/cache-dir.js';

const root = mkdtempSync(join(tmpdir(), 'jsprobe-cache-dir-'));
const saved = process.env.JSPROBE_CACHE;
after(() => {
  rmSync(root, { recursive: true, force: true });
  if (saved === undefined) delete process.env.JSPROBE_CACHE;
  else process.env.JSPROBE_CACHE = saved;
});

function withCache(path: string): string | null {
  process.env.JSPROBE_CACHE = path;
  return cacheDir();
}

test('a cache directory that is not there is made, 0700, and used', () => {
  const path = join(root, 'fresh', 'cache');
  assert.equal(withCache(path), path);
  assert.equal(statSync(path).mode & 0o777, 0o700);
});

test('a directory others can write to is not used: another user could plant code in it', () => {
  for (const mode of [0o777, 0o775, 0o757]) {
    const path = join(root, `open-${mode.toString(8)}`);
    mkdirSync(path);
    chmodSync(path, mode);
    assert.equal(isPrivateDir(path), false, mode.toString(8));
    assert.equal(withCache(path), null, mode.toString(8));
  }
});

test('a symlink to a private directory is not used', () => {
  const real = join(root, 'real');
  mkdirSync(real, { mode: 0o700 });
  const link = join(root, 'link');
  symlinkSync(real, link);
  assert.equal(isPrivateDir(real), true);
  assert.equal(withCache(link), null);
});

test('a file where the directory should be is not used; JSPROBE_CACHE=0 turns the cache off', () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  assert.equal(withCache(file), null);
  assert.equal(withCache('0'), null);
});

test('past its size cap, the cache loses the files written longest ago, and keeps a write in progress', () => {
  const dir = join(root, 'capped');
  mkdirSync(dir, { mode: 0o700 });
  const now = Date.now() / 1000;
  // Written 3, 2 and 1 hours ago, 1,000 bytes each; a .tmp being written now.
  for (const [name, hoursAgo] of [['old.js', 3], ['middle.v8', 2], ['new.js', 1]] as const) {
    writeFileSync(join(dir, name), Buffer.alloc(1000));
    utimesSync(join(dir, name), now - hoursAgo * 3600, now - hoursAgo * 3600);
  }
  writeFileSync(join(dir, 'x.123.tmp'), Buffer.alloc(1000));
  pruneCache(dir, 4000);
  // The ledger (.written) is started again by each read-through.
  assert.deepEqual(readdirSync(dir).sort(), ['.written', 'middle.v8', 'new.js', 'old.js', 'x.123.tmp'], 'within the cap: nothing goes');
  pruneCache(dir, 1500);
  assert.deepEqual(readdirSync(dir).sort(), ['.written', 'new.js', 'x.123.tmp'], 'the two oldest go, the write in progress stays');
});

test('the directory is read through only when a sixteenth of the cap has been written since it last was, or while the ledger is new', () => {
  const dir = join(root, 'ledger');
  mkdirSync(dir, { mode: 0o700 });
  // A cap of 256 KiB: a sixteenth is 16 KiB, four writes of 4 KiB.
  const cap = 256 * 1024;
  // New: due until the directory is read through, whoever writes.
  assert.deepEqual([pruneDue(dir, 10, cap), pruneDue(dir, 10, cap)], [true, true]);
  pruneCache(dir, cap);
  const due = [];
  for (let i = 0; i < 7; i++) due.push(pruneDue(dir, 4096, cap));
  // Due stays due: a prune put off to an exit that never comes falls to the next writer.
  assert.deepEqual(due, [false, false, false, false, true, true, true]);
  pruneCache(dir, cap);
  assert.equal(pruneDue(dir, 4096, cap), false);
  // A write bigger than a sixteenth is due at once; the ledger itself is never pruned.
  assert.equal(pruneDue(dir, 20_000, cap), true);
  pruneCache(dir, 0);
  assert.deepEqual(readdirSync(dir), ['.written']);
});

test('a ledger that is not a file (a FIFO nobody reads, a symlink) is never waited on nor written through: every write is due', () => {
  const dir = join(root, 'odd-ledger');
  mkdirSync(dir, { mode: 0o700 });
  execFileSync('mkfifo', [join(dir, '.written')]);
  // Opened for writing without O_NONBLOCK, a FIFO with no reader would block here for good.
  assert.equal(pruneDue(dir, 10), true);
  assert.equal(pruneDue(dir, 10), true);
  const other = join(root, 'elsewhere');
  writeFileSync(other, '');
  const linked = join(root, 'linked-ledger');
  mkdirSync(linked, { mode: 0o700 });
  symlinkSync(other, join(linked, '.written'));
  assert.equal(pruneDue(linked, 4096 * 100), true);
  assert.equal(statSync(other).size, 0, 'nothing written through the symlink');
  // A second name for another file: not the ledger's own, not written nor cut.
  writeFileSync(other, 'kept');
  const hard = join(root, 'hard-ledger');
  mkdirSync(hard, { mode: 0o700 });
  linkSync(other, join(hard, '.written'));
  assert.equal(pruneDue(hard, 4096 * 100), true);
  pruneCache(hard);
  assert.equal(readFileSync(other, 'utf8'), 'kept');
});

test('a write prunes a directory over its cap when due, and only then: a full cache is not read through at every write', () => {
  const dir = join(root, 'full');
  mkdirSync(dir, { mode: 0o700 });
  const old = (name: string): void => {
    // 300 MB, sparse: more than the default cap (256 MB), written an hour ago.
    writeFileSync(join(dir, name), '');
    truncateSync(join(dir, name), 300 * 1024 * 1024);
    const t = Date.now() / 1000 - 3600;
    utimesSync(join(dir, name), t, t);
  };
  old('old-1.js');
  assert.equal(writeCacheFile(dir, 'a.js', 'a'), true, 'the first write to a directory is due');
  assert.deepEqual(readdirSync(dir).sort(), ['.written', 'a.js']);
  old('old-2.js');
  assert.equal(writeCacheFile(dir, 'b.js', 'b'), false);
  assert.deepEqual(readdirSync(dir).sort(), ['.written', 'a.js', 'b.js', 'old-2.js'], 'not due: the directory is not read');
  // A write that leaves its prune to later (a small module's, at its process's exit) finds it due;
  // lost (the process killed), it stays due for the next writer.
  writeFileSync(join(dir, '.written'), Buffer.alloc(5000));
  assert.equal(writeCacheFile(dir, 'later.js', 'l', false), true);
  assert.ok(readdirSync(dir).includes('old-2.js'));
  assert.equal(writeCacheFile(dir, 'b2.js', 'b', true), true);
  assert.deepEqual(readdirSync(dir).sort(), ['.written', 'a.js', 'b.js', 'b2.js', 'later.js']);
  old('old-2.js');
  // More than a sixteenth of the cap (16 MB) written since.
  assert.equal(writeCacheFile(dir, 'c.v8', Buffer.alloc(16 * 1024 * 1024 + 4096)), true);
  assert.deepEqual(readdirSync(dir).sort(), ['.written', 'a.js', 'b.js', 'b2.js', 'c.v8', 'later.js']);
});

test('a write whose name a directory holds fails, and leaves no file of its own behind', () => {
  const dir = join(root, 'taken');
  mkdirSync(join(dir, 'entry.js'), { recursive: true });
  assert.throws(() => writeCacheFile(dir, 'entry.js', 'code', false));
  assert.deepEqual(readdirSync(dir), ['entry.js']);
});
