// What a test file starts dies with it, even when the file's own process is killed: on Node 20
// and 22 --test-timeout kills it, and no after() hook runs. A service left by a killed attach test
// held 127.0.0.1:9229 for the files after it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './run.js';
import { tracked } from './tracked.js';

/** Whether process `pid` has ended (gone, or a zombie whose end its new parent has not collected yet). */
function ended(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Resolves true once `pid` has ended; false past a bound that only stops a test that would hang. */
async function endsSoon(pid: number): Promise<boolean> {
  const end = Date.now() + 60_000;
  while (!ended(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

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
  assert.equal(ended(child), false);
  file.kill('SIGKILL');
  assert.equal(await endsSoon(child), true, `process ${child}, started by the killed file, is still alive`);
});
