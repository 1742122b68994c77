// `tid` is the program's own number for a thread (0 for the main thread, n for the nth worker it
// started), the same under -c and -p: jsprobe's own threads (Node 20's hooks
// thread, the -p channel thread) are left out. Each worker of the fixture calls crunch(100 + i),
// so the argument says which worker a call came from.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from './run.js';
import { inspectorClosed, jsprobe, startService, type CliRun } from '../attach/procs.js';

const FIXTURE = 'test/fixtures/cli/tid-workers.cjs';
const PROGRAM = `fn:${FIXTURE}:crunch { @[arg0, tid] = count(); printf("hit %d %d\\n", arg0, tid) }`;

/** Resolves once both workers have been heard from (however long a busy machine takes). */
function bothHeard(cli: CliRun, out: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (new Set([...out().matchAll(/^hit (\d+) \d+$/gm)].map((m) => m[1])).size === 2) resolve();
    };
    cli.child.stdout!.on('data', check);
    cli.child.once('close', () => reject(new Error(`jsprobe ended first: ${cli.stderr()}`)));
  });
}

/** Worker (by its argument) → tid, from the map. */
function tids(out: string): Record<string, number> {
  const m: Record<string, number> = {};
  for (const [, arg, tid] of out.matchAll(/^@\[(\d+), (\d+)\]: \d+$/gm)) {
    assert.equal(m[arg], undefined, `worker ${arg} under two tids: ${out}`);
    m[arg] = Number(tid);
  }
  return m;
}

async function run(args: string[]): Promise<Record<string, number>> {
  const cli = jsprobe(['-q', '-e', PROGRAM, ...args]);
  let out = '';
  cli.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await bothHeard(cli, () => out);
  cli.child.kill('SIGINT');
  const { code, err } = await cli.done;
  assert.ok(code === 0 || code === 130, `exit ${code}: ${err}`);
  return tids(out);
}

test('the same worker has the same tid under -c and -p: the program\'s first worker 1, its second 2', async () => {
  const underC = await run(['-c', `${JSON.stringify(process.execPath)} ${FIXTURE}`]);
  assert.deepEqual(underC, { 100: 1, 101: 2 });
  const svc = await startService(`exec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, FIXTURE))}`);
  try {
    const underP = await run(['-p', String(svc.pid)]);
    assert.deepEqual(underP, underC);
    assert.equal(await inspectorClosed(), true, 'nothing listens on the inspector port');
  } finally {
    svc.child.kill();
  }
});
