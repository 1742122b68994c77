// Where jsprobe -p keeps what another local user must neither read nor plant (its channel's socket,
// the markers of inspectors it opened): $XDG_RUNTIME_DIR only when no other user can enter it. And
// a marker's writer counts as gone when it is a zombie, as the closer has it (procfs.ts, stillRuns).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTimeOf, stateOf, stillRuns } from '../../src/attach/procfs.js';
import { privateRuntimeDir } from '../../src/attach/user-dir.js';
import { spawnTracked } from '../cli/tracked.js';

function withXdg<T>(dir: string, f: () => T): T {
  const was = process.env.XDG_RUNTIME_DIR;
  process.env.XDG_RUNTIME_DIR = dir;
  try {
    return f();
  } finally {
    if (was === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = was;
  }
}

test('XDG_RUNTIME_DIR is used when it is 0700, and not when another user can enter it, or it is a link', () => {
  const root = mkdtempSync(join(tmpdir(), 'jsprobe-user-dir-'));
  try {
    const dir = join(root, 'run');
    const link = join(root, 'link');
    mkdirSync(dir);
    chmodSync(dir, 0o700);
    assert.equal(withXdg(dir, privateRuntimeDir), dir);
    symlinkSync(dir, link);
    assert.equal(withXdg(link, privateRuntimeDir), null);
    for (const mode of [0o750, 0o711, 0o701, 0o770]) {
      chmodSync(dir, mode);
      assert.equal(withXdg(dir, privateRuntimeDir), null, mode.toString(8));
    }
    assert.equal(withXdg('', privateRuntimeDir), null);
    assert.equal(withXdg(join(root, 'none'), privateRuntimeDir), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a process runs until it is gone or a zombie; another start time is another process', async () => {
  assert.equal(stillRuns(process.pid, startTimeOf(process.pid)!), true);
  assert.equal(stillRuns(process.pid, 'another'), false);
  // `sleep 0` ends at once, and its parent (the exec'd `sleep 60`) never reaps it: a zombie.
  const parent = spawnTracked('sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = Number(await new Promise<string>((resolve) => parent.stdout!.setEncoding('utf8').once('data', resolve)));
    const started = startTimeOf(pid);
    assert.notEqual(started, null);
    const end = Date.now() + 60_000;
    while (stateOf(pid) !== 'Z' && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.equal(stateOf(pid), 'Z');
    assert.equal(stillRuns(pid, started!), false);
  } finally {
    parent.kill('SIGKILL');
  }
});
