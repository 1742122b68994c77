// jsprobe -p A,B: one program traces two real services at once, each over its own channel; the
// maps merge and `pid` tells the targets apart. A bad pid in the list is one line and the others
// are traced; usage errors in the list are exit 2 before anything is attached.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsprobe as runToEnd } from '../cli/run.js';
import { alive, fetchText, jsprobe, listening, node, startService, withoutProgress, type CliRun, type Service } from './procs.js';
import { spawnTracked } from '../cli/tracked.js';

const PROGRAM = 'fn:test/fixtures/attach/server.cjs:handle { @[pid] = count() }';

/** Resolves once jsprobe has said "Attached to PID" for each of `pids`; rejects if it ends first. */
function attachedTo(cli: CliRun, pids: number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pids.every((p) => cli.stderr().includes(`Attached to ${p}:`))) resolve();
    };
    cli.child.stderr!.on('data', check);
    cli.child.once('close', () => reject(new Error(`jsprobe ended before attaching: ${cli.stderr()}`)));
  });
}

/** `n` requests to `port`, one after another: the handler has run `n` times when this resolves. */
async function requests(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.equal(await fetchText(port, '/x'), 'ok');
}

/** The count of key `pid` in `@[pid] = count()`'s text output. */
function countOf(out: string, pid: number): number | undefined {
  const m = new RegExp(`^@\\[${pid}\\]: (\\d+)$`, 'm').exec(out);
  return m === null ? undefined : Number(m[1]);
}

/** Every service ends, and nothing listens on the inspector port afterwards (the bound only stops a hang). */
async function cleanUp(services: Service[]): Promise<void> {
  for (const s of services) s.child.kill();
  const end = Date.now() + 60_000;
  while ((await listening(9229)) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}

test('-p A,B: both traced at once, each pid with its exact count; Ctrl-C detaches both; END runs once on both', async () => {
  const a = await startService(node());
  const b = await startService(node());
  try {
    const program = `${PROGRAM} fn:test/fixtures/attach/server.cjs:handle { @all = count() } END { printf("end\\n"); print(@all); clear(@all) }`;
    const cli = jsprobe(['-p', `${a.pid},${b.pid}`, '-e', program]);
    await attachedTo(cli, [a.pid, b.pid]);
    await requests(a.port, 5);
    await requests(b.port, 3);
    cli.child.kill('SIGINT');
    const { code, out, err } = await cli.done;
    assert.equal(code, 0, err);
    assert.equal(countOf(out, a.pid), 5, out);
    assert.equal(countOf(out, b.pid), 3, out);
    assert.match(out, /^end\n@all: 8\n/m, out);
    assert.equal(out.match(/^end$/gm)?.length, 1, out);
    assert.equal(await listening(9229), false, 'nothing listens on the inspector port');
  } finally {
    await cleanUp([a, b]);
  }
});

test('-p with a process that is not Node: one line for it, the other is traced', async () => {
  const a = await startService(node());
  const sleeper = spawnTracked('sleep', ['300'], { stdio: 'ignore' });
  try {
    const cli = jsprobe(['-p', `${sleeper.pid},${a.pid}`, '-e', PROGRAM]);
    await attachedTo(cli, [a.pid]);
    await requests(a.port, 4);
    cli.child.kill('SIGINT');
    const { code, out, err } = await cli.done;
    assert.equal(code, 0, err);
    assert.equal(countOf(out, a.pid), 4, out);
    const lines = withoutProgress(err).split('\n').filter((l) => l.includes(String(sleeper.pid)));
    assert.equal(lines.length, 1, err);
    assert.match(lines[0], /^jsprobe: .*not a Node process/, err);
    assert.ok(alive(sleeper), 'the process that is not Node was never signalled');
  } finally {
    sleeper.kill();
    await cleanUp([a]);
  }
});

test('-p where no target can be attached: a line for each, exit 1', async () => {
  const s1 = spawnTracked('sleep', ['300'], { stdio: 'ignore' });
  const s2 = spawnTracked('sleep', ['300'], { stdio: 'ignore' });
  try {
    const r = runToEnd(['-p', `${s1.pid},${s2.pid}`, '-e', PROGRAM]);
    assert.equal(r.code, 1, r.stderr);
    for (const p of [s1.pid, s2.pid]) assert.match(r.stderr, new RegExp(`^jsprobe: .*${p}.*not a Node process`, 'm'));
    assert.match(r.stderr, /^jsprobe: none of the 2 processes could be attached$/m);
    assert.equal(r.stdout, '');
  } finally {
    s1.kill();
    s2.kill();
  }
});

test('-l PATTERN -p A,B: each process\'s probe points under its pid; one that is gone gets a line, exit 1', async () => {
  const a = await startService(node());
  const b = await startService(node());
  try {
    const both = await jsprobe(['-l', 'test/fixtures/attach/server.cjs:*', '-p', `${a.pid},${b.pid}`]).done;
    assert.equal(both.code, 0, both.err);
    for (const pid of [a.pid, b.pid]) {
      const list = new RegExp(`^pid ${pid}:\\n((?:  .*\\n)+)`, 'm').exec(both.out)?.[1] ?? '';
      assert.match(list, /^ {2}fn:test\/fixtures\/attach\/server\.cjs:handle /m, both.out);
      assert.match(list, /^ {2}fn:test\/fixtures\/attach\/server\.cjs:sleep /m, both.out);
    }
    const gone = await jsprobe(['-l', 'test/fixtures/attach/server.cjs:*', '-p', `${a.pid},999999`]).done;
    assert.equal(gone.code, 1, gone.err);
    assert.match(gone.out, new RegExp(`^pid ${a.pid}:\\n  fn:`, 'm'));
    assert.match(gone.err, /999999/);
    assert.ok(!gone.err.includes('    at '), 'no stack trace');
    assert.equal(await listening(9229), false, 'nothing listens on the inspector port');
  } finally {
    await cleanUp([a, b]);
  }
});

test('-p list usage errors: exit 2, nothing attached', () => {
  for (const [args, message] of [
    [['-p', '12,x', '-e', PROGRAM], /-p takes a process id or a list of them \(PID,PID,\.\.\.\), not '12,x'/],
    [['-p', '12,', '-e', PROGRAM], /-p takes a process id or a list of them/],
    [['-p', '12,34,12', '-e', PROGRAM], /-p names process 12 twice/],
    [['-p', '12,34', '-c', 'node x.js', '-e', PROGRAM], /-c and -p cannot go together/],
  ] as const) {
    const r = runToEnd([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  }
});
