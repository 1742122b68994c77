// Small modules' rewrites, cached on disk by the agent (sites/hooks/rewrite-cache.ts, smallKey): a
// second start reads the rewrite back without loading oxc-parser, and an entry whose key is not
// exactly the one asked for (another rewriter, another source, a name that collides) is a miss.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'jsprobe-small-cache-'));
const cache = join(dir, 'cache');
after(() => rmSync(dir, { recursive: true, force: true }));

// Says whether oxc-parser's native code is mapped into this process (Linux: /proc/self/maps).
writeFileSync(join(dir, 'small.cjs'), [
  'function f() {}',
  'f(); f();',
  "let maps = '';",
  "try { maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8'); } catch {}",
  "console.log('parser loaded', /oxc/.test(maps));",
  '',
].join('\n'));

function run(): { stdout: string; detail: string } {
  const r = spawnSync(process.execPath, [JSPROBE, '-q', '-e', 'fn:small.cjs:f { @f = count() }', '-c', 'node small.cjs'], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, JSPROBE_CACHE: cache },
  });
  const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.status, 0, detail);
  assert.match(r.stdout, /^@f: 2$/m, detail);
  return { stdout: r.stdout, detail };
}

const entries = (): string[] => readdirSync(cache).filter((f) => f.startsWith('rw-'));
const linux = process.platform === 'linux';

test('a small module\'s rewrite is read back at the next start, without the parser; an entry for another key is a miss', () => {
  const first = run();
  assert.equal(entries().length, 1, `one entry for small.cjs\n${first.detail}`);
  if (linux) assert.match(first.stdout, /^parser loaded true$/m, first.detail);
  const second = run();
  if (linux) assert.match(second.stdout, /^parser loaded false$/m, second.detail);
  // The same file name, its key changed by one character (the rewriter's version, first in it).
  const file = join(cache, entries()[0]);
  const text = readFileSync(file, 'utf8');
  const nl = text.indexOf('\n');
  writeFileSync(file, `${text.slice(0, nl + 1)}${text[nl + 1] === '0' ? '1' : '0'}${text.slice(nl + 2)}`);
  const third = run();
  if (linux) assert.match(third.stdout, /^parser loaded true$/m, `a changed key is a miss\n${third.detail}`);
  const fourth = run();
  if (linux) assert.match(fourth.stdout, /^parser loaded false$/m, `the miss wrote the entry again\n${fourth.detail}`);
});
