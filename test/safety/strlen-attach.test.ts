// The string bound under -p: each thread of the target cuts its strings to --max-strlen, and the
// counts come back with the maps and add up in the one line printed at the end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { JSPROBE, ROOT } from '../cli/run.js';
import { spawnTracked } from '../cli/tracked.js';

/** The attach tests' service (test/fixtures/attach/server.cjs) with two workers calling crunch() every few ms. */
async function startService(): Promise<{ kill(): void; pid: number }> {
  // A client starved on a busy machine must not be taken for gone (5 s by default).
  const env = { ...process.env, JSPROBE_CLIENT_TIMEOUT_MS: '120000' };
  const child = spawnTracked(process.execPath, [join(ROOT, 'test/fixtures/attach/server.cjs'), '2'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out);
    });
  });
  return { kill: () => child.kill(), pid: (JSON.parse(line) as { pid: number }).pid };
}

test('-p: every thread cuts to --max-strlen, and the counts of all threads add up', async () => {
  const svc = await startService();
  try {
    const program = 'fnret:test/fixtures/attach/worker.cjs:crunch { @s = str(arg0) + "xxxx"; @all = count() }';
    const cli = spawnTracked(process.execPath, [JSPROBE, '--max-strlen', '4', '-p', String(svc.pid), '-e', program], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    cli.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    await new Promise<void>((resolve, reject) => {
      cli.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (stderr.includes('Attached to')) resolve();
      });
      cli.once('exit', () => reject(new Error(`jsprobe exited before attaching: ${stderr}`)));
    });
    // crunch() runs every 2 ms in each worker: some hits, then detach.
    await new Promise((r) => setTimeout(r, 500));
    cli.kill('SIGINT');
    assert.equal(await new Promise<number | null>((resolve) => cli.on('close', resolve)), 0, stderr);
    // Each hit builds "100xxxx", cut to "1...": one cut a hit, in whichever thread.
    const all = Number(/^@all: (\d+)$/m.exec(stdout)?.[1]);
    assert.ok(all > 0, stdout);
    assert.match(stdout, /^@s: 1\.\.\.$/m);
    assert.ok(stdout.endsWith(`\n${all} string${all === 1 ? '' : 's'} cut at --max-strlen (4)\n`), stdout);
  } finally {
    svc.kill();
  }
});
