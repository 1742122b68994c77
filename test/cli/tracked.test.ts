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
