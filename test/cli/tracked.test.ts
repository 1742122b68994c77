// What a test file starts dies with it, even when the file's own process is killed: on Node 20
// and 22 --test-timeout kills it, and no after() hook runs. A service left by a killed attach test
// held 127.0.0.1:9229 for the files after it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './run.js';
import { endsSoon, stillRuns, tracked } from './tracked.js';

test("a killed test file's processes die with it", async () => {
  const file = tracked(spawn(process.execPath, [join(ROOT, 'test/fixtures/procs/killed-file.mjs'), join(ROOT, 'build/test/cli/tracked.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  }));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    file.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out);
    });
    file.once('exit', () => reject(new Error(`the file's process ended first: ${out}`)));
  });
  const { child } = JSON.parse(line) as { child: number };
  assert.equal(stillRuns(child), true);
  file.kill('SIGKILL');
  assert.equal(await endsSoon(child), true, `process ${child}, started by the killed file, is still alive`);
});

test('a file whose reaper has gone goes on: the next process it starts is not written to a closed pipe that ends it', async () => {
  const file = tracked(spawn(process.execPath, [join(ROOT, 'test/fixtures/procs/reaper-gone.mjs'), join(ROOT, 'build/test/cli/tracked.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  let out = '';
  let err = '';
  file.stdout!.setEncoding('utf8').on('data', (d: string) => void (out += d));
  file.stderr!.setEncoding('utf8').on('data', (d: string) => void (err += d));
  const code = await new Promise<number | null>((resolve) => file.once('close', resolve));
  assert.equal(code, 0, `stderr: ${err}`);
  // node:test's after() in tracked.ts makes the fixture print a report of its own around the line.
  assert.match(out, /^still here$/m);
  assert.match(err, /tracked\.ts: the reaper is gone \(.*EPIPE.*\)/);
});
