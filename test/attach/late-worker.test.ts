// Workers a target starts while jsprobe -p is attached: each is set up as it starts (docs/attach.md,
// "A worker started after the attach"), and the target lives on. Most of them used to end it: the
// runtime's require() came before Node had set up the worker's module loaders, whose own check
// then failed (ERR_INTERNAL_ASSERTION), an 'error' the target did not handle. And a worker whose
// inspector session had no command-line `require` (built once, by Node, at the session's first
// evaluate: broken for good by a throw there) was never set up, named as a 60 s time-out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { alive, fetchText, jsprobe, startService, stderrMatch, stopped, type CliRun, type Service } from './procs.js';

const FIXTURE = 'test/fixtures/attach/late-worker.cjs';
// Each worker says it is traced every 100 ticks (~0.3 s), from whenever its probe is armed.
const PROGRAM = `fn:${FIXTURE}:tick /arg0 % 100 == 0/ { printf("worker %d\\n", tid); @n[tid] = count() }`;

/** The workers that printed, by tid. */
const printed = (out: string): Set<string> => new Set([...out.matchAll(/^worker (\d+)$/gm)].map((m) => m[1]));

/** Resolves once `n` workers have printed; rejects if jsprobe ends first, or names more than `untraced` workers it does not trace. */
async function workersSeen(cli: CliRun, n: number, untraced = 0): Promise<void> {
  const failed = (): string | undefined => {
    if ([...cli.stderr().matchAll(/not traced/g)].length > untraced) return `a worker is not traced: ${cli.stderr()}`;
    if (cli.child.exitCode === null && cli.child.signalCode === null) return undefined;
    return `jsprobe ended with ${printed(cli.stdout()).size} of ${n} workers seen: ${cli.stderr()}`;
  };
  while (printed(cli.stdout()).size < n) {
    const why = failed();
    if (why !== undefined) throw new Error(why);
    await new Promise<void>((resolve) => {
      const next = (): void => {
        cli.child.stdout!.off('data', next);
        cli.child.stderr!.off('data', next);
        cli.child.off('close', next);
        resolve();
      };
      cli.child.stdout!.on('data', next);
      cli.child.stderr!.on('data', next);
      cli.child.once('close', next);
    });
  }
}

/** Ctrl-C: jsprobe detaches, prints each thread's count and ends, and the target answers on. */
async function detached(cli: CliRun, port: number, pid: number, tids: number): Promise<void> {
  cli.child.kill('SIGINT');
  const r = await cli.done;
  assert.equal(r.code, 0, r.err);
  assert.equal(printed(r.out).size, tids, r.out);
  assert.equal([...r.out.matchAll(/^@n\[\d+\]: \d+$/gm)].length, tids, r.out);
  assert.doesNotMatch(r.err, /its maps are not in the output/);
  assert.equal(await fetchText(port, '/x', pid), 'ok');
}

/** GET `path` on the target: a worker started (and up, for /trap-worker and /hook-worker). */
async function started(svc: Service, path: string): Promise<void> {
  assert.equal(await fetchText(svc.port, path, svc.pid).catch((e: Error) => `${e.message}: ${svc.stderr()}`), 'ok');
}

/** The fixture as a service, with one `kind` of worker up before jsprobe attaches to it. */
async function attachedAfter(kind: 'trap' | 'hook'): Promise<{ svc: Service; cli: CliRun }> {
  const svc = await startService(`exec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, FIXTURE))}`);
  try {
    await started(svc, `/${kind}-worker`);
    const cli = jsprobe(['-p', String(svc.pid), '-e', PROGRAM]);
    await stderrMatch(cli, /^Attached to /m);
    return { svc, cli };
  } catch (e) {
    await stopped(svc);
    throw e;
  }
}

test('three workers started one after another while attached: each is traced, and the target lives on', async () => {
  const svc = await startService(`exec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, FIXTURE))}`);
  try {
    const cli = jsprobe(['-p', String(svc.pid), '-e', PROGRAM]);
    await stderrMatch(cli, /^Attached to /m);
    for (let i = 1; i <= 3; i++) {
      await started(svc, '/worker');
      await workersSeen(cli, i);
    }
    assert.equal(alive(svc.child), true, svc.stderr());
    await detached(cli, svc.port, svc.pid, 3);
    assert.doesNotMatch(svc.stderr(), /ERR_INTERNAL_ASSERTION/);
  } finally {
    await stopped(svc);
  }
});

test("a worker where Node's inspector cannot build its command-line require (a getter of the program's throws once) is traced", async () => {
  // Up, and trapped, before the attach: jsprobe's first evaluate in it comes after the trap.
  const { svc, cli } = await attachedAfter('trap');
  try {
    await workersSeen(cli, 1);
    await detached(cli, svc.port, svc.pid, 1);
  } finally {
    await stopped(svc);
  }
});

test("a worker whose require hook refuses jsprobe's runtime is named at once with what it threw; the others are traced, and Ctrl-C ends it all", async () => {
  // The note comes with the attach's answer: a worker that threw is not one that took 60 s.
  const { svc, cli } = await attachedAfter('hook');
  try {
    assert.match(cli.stderr(), /^jsprobe: worker thread \(tid 1\) could not be set up: Error: not one of this program's files: it is not traced$/m);
    await started(svc, '/worker');
    await workersSeen(cli, 1, 1);
    // No detach goes to the worker that refused: it has nothing to take off.
    await detached(cli, svc.port, svc.pid, 1);
  } finally {
    await stopped(svc);
  }
});
