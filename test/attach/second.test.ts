// A second jsprobe on a process another one traces is refused, and takes nothing of the first's
// on its way: here, the rings of the workers the first sets up, which each say hello on the
// process's attach link. The second's channel thread listened there from the start of its attach,
// refused or not, and its detach read every ring it had heard of: events of the first's workers,
// lost to it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { jsprobe } from './procs.js';
import { spawnTracked } from '../cli/tracked.js';

test("a refused second jsprobe reads none of the rings of the first one's workers", async () => {
  const args = [join(ROOT, 'test/fixtures/attach/first-hellos.mjs'), join(ROOT, 'build/attach-runtime.cjs'), join(ROOT, 'build/src')];
  const target = spawnTracked(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    let out = '';
    const lines = (n: number): Promise<string[]> => new Promise((resolve, reject) => {
      const check = (): void => {
        const all = out.split('\n').slice(0, -1);
        if (all.length >= n) resolve(all);
      };
      target.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        check();
      });
      target.once('exit', () => reject(new Error(`the target ended: ${out}`)));
      check();
    });
    const { pid } = JSON.parse((await lines(1))[0]) as { pid: number };
    const second = await jsprobe(['-p', String(pid), '-e', 'interval:s:1 { @m = count() }']).done;
    assert.equal(second.code, 1, second.err);
    assert.match(second.err, /another jsprobe traces it now/);
    target.stdin!.end('done\n');
    const { rings, read } = JSON.parse((await lines(2))[1]) as { rings: number; read: number };
    assert.ok(rings > 0, 'the target said hello while the second attached');
    assert.equal(read, 0, `${read} of the ${rings} rings were read`);
  } finally {
    target.kill('SIGKILL');
  }
});
