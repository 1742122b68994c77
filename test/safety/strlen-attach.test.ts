// The string bound under -p: each thread of the target cuts its strings to --max-strlen, and the
// counts (of strings cut, and of strings too long to read) come back with the maps and add up in
// the lines printed at the end.

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

/** Attaches to `pid` with `args`, lets crunch() run a while, detaches: the command's output. */
async function traceAWhile(pid: number, args: string[]): Promise<string> {
  const cli = spawnTracked(process.execPath, [JSPROBE, ...args, '-p', String(pid)], { cwd: ROOT });
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
  return stdout;
}

test('-p: every thread cuts to --max-strlen, and the counts of all threads add up', async () => {
  const svc = await startService();
  try {
    const program = 'fnret:test/fixtures/attach/worker.cjs:crunch { @s = str(arg0) + "xxxx"; @all = count() }';
    const stdout = await traceAWhile(svc.pid, ['--max-strlen', '4', '-e', program]);
    // Each hit builds "100xxxx", cut to "1...": one cut a hit, in whichever thread.
    const all = Number(/^@all: (\d+)$/m.exec(stdout)?.[1]);
    assert.ok(all > 0, stdout);
    assert.match(stdout, /^@s: 1\.\.\.$/m);
    assert.ok(stdout.endsWith(`\n${all} string${all === 1 ? '' : 's'} cut at --max-strlen (4)\n`), stdout);
  } finally {
    svc.kill();
  }
});

test('-p: strings too long to read are counted apart, in every thread, and add up', async () => {
  const svc = await startService();
  try {
    // --unsafe: padEnd is the program's JavaScript, its 100 characters over 64 × 1, left unread.
    const program = 'fnret:test/fixtures/attach/worker.cjs:crunch { @u = "x".padEnd(100); @all = count() }';
    const stdout = await traceAWhile(svc.pid, ['--unsafe', '--max-strlen', '1', '-e', program]);
    const all = Number(/^@all: (\d+)$/m.exec(stdout)?.[1]);
    assert.ok(all > 0, stdout);
    assert.match(stdout, /^@u: \.$/m);
    const line = `${all} string${all === 1 ? '' : 's'} not read: longer than 64 characters (64 × --max-strlen), whose read could stall the program\n`;
    assert.ok(stdout.endsWith(`\n${line}`), stdout);
  } finally {
    svc.kill();
  }
});
