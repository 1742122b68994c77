// The agent's compiled code, cached on disk (cli/agent-load.ts), read back by a second install of
// the same build: code from the cache keeps the name of the script it was made from, so each
// install must have its own entry, or ustack would name the first install's files and show
// jsprobe's own frames (which sites/own-code.ts knows by their path).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE, ROOT } from './run.js';

const APP = 'test/fixtures/cli/stack.cjs';
const cache = mkdtempSync(join(tmpdir(), 'jsprobe-agent-cache-'));
// A sibling of build/, so that it finds this checkout's node_modules as build/ does.
const copy = join(ROOT, `build-copy-${process.pid}`);
cpSync(join(ROOT, 'build'), copy, { recursive: true });
after(() => {
  rmSync(cache, { recursive: true, force: true });
  rmSync(copy, { recursive: true, force: true });
});

function stacks(command: string): string {
  const program = `fn:${APP}:inner { @[ustack] = count() }`;
  const r = spawnSync(process.execPath, [command, '-q', '-e', program, '-c', `node ${APP}`], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, JSPROBE_CACHE: cache },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('two installs of one build, one cache: each one\'s stacks name its own files, and none of jsprobe\'s frames', () => {
  const first = stacks(join(copy, 'src/cli/main.js'));
  assert.ok(readdirSync(cache).some((f) => f.startsWith('agent-')), 'the first run wrote the agent\'s code cache');
  assert.doesNotMatch(first, /agent-bundle|build-copy/, first);
  const second = stacks(JSPROBE);
  assert.match(second, /inner \(.*stack\.cjs:\d+:\d+\)/, second);
  assert.doesNotMatch(second, /agent-bundle|build-copy/, second);
});

test('a cache file far bigger than the runtime is not read: the program runs traced, and the cache is made again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-agent-cache-big-'));
  try {
    const program = 'fn:test/fixtures/cli/stack.cjs:inner { @n = count() }';
    const run = (): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [JSPROBE, '-q', '-e', program, '-c', 'node test/fixtures/cli/stack.cjs'], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, JSPROBE_CACHE: dir },
    });
    assert.equal(run().status, 0);
    const files = readdirSync(dir).filter((f) => f.startsWith('agent-'));
    assert.ok(files.length > 0, 'the first run wrote the agent\'s code cache');
    // Sparse: 8 GiB that take no disk. Read whole, it could not even be allocated.
    for (const f of files) truncateSync(join(dir, f), 8 * 2 ** 30);
    const r = run();
    assert.equal(r.status, 0, String(r.stderr));
    assert.match(String(r.stdout), /@n: [1-9]/);
    for (const f of files) assert.ok(statSync(join(dir, f)).size < 2 ** 24, `${f} was made again`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the code cache is written at exit after the end: the functions the end runs are in it, for the first process and a child', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-agent-cache-end-'));
  try {
    const app = 'test/fixtures/cli/exit-listeners.cjs';
    const r = spawnSync(process.execPath, [JSPROBE, '-q', '-e', `fn:${app}:f { @n = count() }`, '-c', `node ${app}`], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, JSPROBE_CACHE: dir },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^@n: 2$/m);
    for (const kind of ['first', 'child']) {
      // The names of the process's 'exit' listeners, in the order they run: the session's end (which
      // sends the maps) before the cache's writer, which runs last of jsprobe's.
      const line = new RegExp(`^${kind}: (.*)$`, 'm').exec(r.stdout)?.[1].split(' ') ?? [];
      assert.ok(line.includes('end') && line.includes('writeRuntimeCache'), `${kind}: ${line.join(' ')}`);
      assert.ok(line.indexOf('end') < line.indexOf('writeRuntimeCache'), `${kind}: ${line.join(' ')}`);
    }
    assert.ok(readdirSync(dir).filter((f) => f.startsWith('agent-')).length >= 2, 'the first process and the child each wrote a cache');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
