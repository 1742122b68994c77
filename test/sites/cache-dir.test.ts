// jsprobe's disk cache (rewritten modules, the agent's compiled code) runs in the traced program
// when read back, so its directory is used only if it is this user's alone.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, isPrivateDir, pruneCache, writeCacheFile } from '../../src/sites/hooks/cache-dir.js';

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
  assert.deepEqual(readdirSync(dir).sort(), ['middle.v8', 'new.js', 'old.js', 'x.123.tmp'], 'within the cap: nothing goes');
  pruneCache(dir, 1500);
  assert.deepEqual(readdirSync(dir).sort(), ['new.js', 'x.123.tmp'], 'the two oldest go, the write in progress stays');
});

test('a write whose name a directory holds fails, and leaves no file of its own behind', () => {
  const dir = join(root, 'taken');
  mkdirSync(join(dir, 'entry.js'), { recursive: true });
  assert.throws(() => writeCacheFile(dir, 'entry.js', 'code', false));
  assert.deepEqual(readdirSync(dir), ['entry.js']);
});
