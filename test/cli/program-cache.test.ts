// The compiled program, kept in jsprobe's cache directory (cli/program-cache.ts): a second run of
// the same program reads it back instead of compiling it; --unsafe is another entry; a program that
// does not compile is never kept, and its errors are said at every run; an entry that cannot be
// read is compiled again and rewritten. (The command's front and the rest of the command are two
// files of jsprobe's, each keyed by its own: a -c run and a --dry-run keep an entry each.)

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsprobe } from './run.js';

const APP = 'test/fixtures/cli/app.cjs';
const cache = mkdtempSync(join(tmpdir(), 'jsprobe-program-cache-'));
after(() => rmSync(cache, { recursive: true, force: true }));

const run = (args: string[]) => jsprobe(['-q', ...args, '-c', `node ${APP}`], 120_000, { JSPROBE_CACHE: cache });
const entries = (): Set<string> => new Set(readdirSync(cache).filter((f) => f.startsWith('program-')));
/** The entries `body` added. */
function added(body: () => void): string[] {
  const before = entries();
  body();
  return [...entries()].filter((f) => !before.has(f));
}
interface Entry { key: string; program: { source: string; maps: { name: string }[] } }
const read = (name: string): Entry => JSON.parse(readFileSync(join(cache, name), 'utf8')) as Entry;

test('a -c run compiles its program once, keeps it, and reads it back at the next run', () => {
  const program = `fn:${APP}:work { @calls = count() }`;
  let first: ReturnType<typeof run> | undefined;
  const [name, ...more] = added(() => (first = run(['-e', program])));
  assert.equal(first!.code, 0, first!.stderr);
  assert.match(first!.stdout, /^@calls: \d+\n/);
  assert.deepEqual(more, []);
  assert.ok(name !== undefined, 'the run kept the compiled program');
  assert.ok(read(name).key.endsWith(`\nsafe\n${program}`));
  assert.equal(read(name).program.source, program);
  const written = statSync(join(cache, name), { bigint: true }).mtimeNs;
  const second = run(['-e', program]);
  assert.equal(second.stdout, first!.stdout, second.stderr);
  assert.equal(statSync(join(cache, name), { bigint: true }).mtimeNs, written, 'read back, not compiled and written again');
});

test('what is read back is the kept program; one that cannot be read is compiled and written again', () => {
  const program = `fn:${APP}:work { @calls = count() }`;
  const [name] = added(() => assert.equal(run(['--dry-run', '-e', program]).code, 0));
  assert.ok(name !== undefined);
  // --dry-run lists the maps of the program the command holds: a name changed in the entry shows it was read.
  const entry = read(name);
  entry.program.maps[0].name = 'kept';
  writeFileSync(join(cache, name), JSON.stringify(entry));
  const dry = run(['--dry-run', '-e', program]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /\nmaps: @kept \(count\)\n$/);
  writeFileSync(join(cache, name), '{');
  const again = run(['--dry-run', '-e', program]);
  assert.match(again.stdout, /\nmaps: @calls \(count\)\n$/);
  assert.equal(read(name).program.maps[0].name, 'calls');
});

test('--unsafe keeps an entry of its own; a program that does not compile is never kept', () => {
  const program = `fn:${APP}:work { @unsafe = count() }`;
  assert.equal(added(() => assert.equal(run(['-e', program]).code, 0)).length, 1);
  const [unsafe] = added(() => assert.equal(run(['--unsafe', '-e', program]).code, 0));
  assert.ok(read(unsafe).key.endsWith(`\nunsafe\n${program}`));
  const none = added(() => {
    for (let i = 0; i < 2; i++) {
      const bad = run(['-e', `fn:${APP}:work { @c = count( }`]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^1:\d+: /);
    }
  });
  assert.deepEqual(none, []);
});
