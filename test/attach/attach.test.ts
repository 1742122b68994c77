// jsprobe -p PID against a real service started without jsprobe, under a loop of real requests:
// attach, a return probe on its non-exported handler, detach; afterwards the service answers as
// before, its handler's source is the original, and nothing listens on the inspector port. And
// when the CLI is killed outright, the target cleans up by itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { JSPROBE, ROOT } from '../cli/run.js';
import { fetchText, inspectorClosed, listening, threadCount, threadsBackTo, withoutProgress } from './procs.js';
import { spawnTracked } from '../cli/tracked.js';

const PROGRAM = 'fnret:test/fixtures/attach/server.cjs:handle { @us = hist(elapsed / 1000); @n = count() }';



async function startService(workers = 0): Promise<{ child: ChildProcess; port: number; pid: number }> {
  const args = [join(ROOT, 'test/fixtures/attach/server.cjs'), String(workers)];
  const child = spawnTracked(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out);
    });
  });
  const { port, pid } = JSON.parse(line) as { port: number; pid: number };
  return { child, port, pid };
}

/** Requests one after another, a few ms apart, until stopped; counts those sent after `mark()`. */
function loadLoop(port: number) {
  let stop = false;
  let total = 0;
  let afterMark = -1;
  const waiter: { current: { n: number; resolve(): void } | null } = { current: null };
  const done = (async () => {
    while (!stop) {
      const marked = afterMark >= 0;
      assert.equal(await fetchText(port, '/x'), 'ok');
      total++;
      if (marked) afterMark++;
      if (waiter.current !== null && afterMark >= waiter.current.n) waiter.current.resolve();
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
  return {
    mark: () => void (afterMark = 0),
    /** Resolves once `n` requests have completed since mark(). */
    reached: (n: number) => new Promise<void>((resolve) => (waiter.current = { n, resolve })),
    stop: async () => {
      stop = true;
      await done;
      return { total, afterMark };
    },
  };
}

function startCli(pid: number, program = PROGRAM, more: string[] = []): { child: ChildProcess; out: () => string; attached: Promise<void> } {
  const child = spawnTracked(process.execPath, [JSPROBE, ...more, '-p', String(pid), '-e', program], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const attached = new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('Attached to')) resolve();
    });
    child.once('exit', () => reject(new Error(`jsprobe exited before attaching: ${stderr}`)));
  });
  return { child, out: () => stdout, attached };
}

test('attach to a service under load, probe its handler, detach: it is as it was', async () => {
  const svc = await startService();
  try {
    const original = await fetchText(svc.port, '/source');
    const threads = threadCount(svc.pid);
    const load = loadLoop(svc.port);
    const cli = startCli(svc.pid);
    await cli.attached;
    load.mark();
    // Some requests while attached, then let them all finish before detaching.
    await load.reached(30);
    const { total, afterMark } = await load.stop();
    cli.child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => cli.child.on('close', resolve));
    assert.equal(code, 0);
    const out = cli.out();
    const n = Number(/@n: (\d+)/.exec(out)?.[1]);
    const histTotal = [...out.matchAll(/^\[[^\n]*\)\s+(\d+) \|/gm)].reduce((s, m) => s + Number(m[1]), 0);
    assert.ok(afterMark > 0, 'requests were made while attached');
    assert.ok(n >= afterMark && n <= total, `@n ${n}, ${afterMark} requests after attach, ${total} in all`);
    assert.equal(histTotal, n, out);
    // Afterwards: it still answers, its handler is the original, the inspector port is closed.
    assert.equal(await fetchText(svc.port, '/x'), 'ok');
    assert.equal(await fetchText(svc.port, '/source'), original);
    assert.equal(await inspectorClosed(), true, 'nothing listens on the inspector port');
    // jsprobe's thread has ended, and the process goes on until it is told to end, by that signal.
    assert.equal(await threadsBackTo(svc.pid, threads), true, `${threadCount(svc.pid)} threads, ${threads} before the attach`);
    assert.equal(await fetchText(svc.port, '/x'), 'ok');
    const ended = new Promise<NodeJS.Signals | null>((resolve) => svc.child.once('exit', (_code, signal) => resolve(signal)));
    svc.child.kill('SIGTERM');
    assert.equal(await ended, 'SIGTERM');
  } finally {
    svc.child.kill();
  }
});

test('the CLI killed with SIGKILL mid-trace: the target cleans up by itself and keeps serving', async () => {
  const svc = await startService();
  try {
    const original = await fetchText(svc.port, '/source');
    const cli = startCli(svc.pid);
    await cli.attached;
    assert.notEqual(await fetchText(svc.port, '/source'), original, 'patched while attached');
    cli.child.kill('SIGKILL');
    // The runtime's channel thread sees the socket close and detaches: wait for that. The bound
    // only stops a test that would hang.
    const end = Date.now() + 120_000;
    while (Date.now() < end && ((await fetchText(svc.port, '/source')) !== original || (await listening(9229)))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await fetchText(svc.port, '/source'), original);
    assert.equal(await inspectorClosed(), true, 'nothing listens on the inspector port');
    assert.equal(await fetchText(svc.port, '/x'), 'ok');
  } finally {
    svc.child.kill();
  }
});

/**
 * Resolves once `n` threads have printed `hit TID`, `lines` times in all: each worker calls
 * crunch() every 2 ms, so a test detaches once all have been heard from, however long a busy
 * machine takes to get there.
 */
function heardFrom(cli: { child: ChildProcess; out: () => string }, n: number, lines = 0): Promise<void> {
  return new Promise<void>((resolve) => {
    const check = (): void => {
      const hits = [...cli.out().matchAll(/^hit (\d+)$/gm)].map((m) => m[1]);
      if (new Set(hits).size < n || hits.length < lines) return;
      cli.child.stdout!.off('data', check);
      resolve();
    };
    cli.child.stdout!.on('data', check);
    check();
  });
}

/**
 * `program` traced in a service with two workers until each worker has printed "hit TID" (and
 * `lines` of them in all), then Ctrl-C: its output, once jsprobe has exited 0; `whileUp` runs then,
 * the service still up.
 */
async function traceWorkers(program: string, o: { more?: string[]; lines?: number; whileUp?: () => Promise<void> } = {}): Promise<string> {
  const svc = await startService(2);
  try {
    const cli = startCli(svc.pid, program, o.more);
    await cli.attached;
    await heardFrom(cli, 2, o.lines);
    cli.child.kill('SIGINT');
    assert.equal(await new Promise<number | null>((resolve) => cli.child.on('close', resolve)), 0);
    await o.whileUp?.();
    return cli.out();
  } finally {
    svc.child.kill();
  }
}

/** Each `@calls[TID]: N` line's thread and count, by thread. */
const perThreadCalls = (out: string): number[][] =>
  [...out.matchAll(/^@calls\[(\d+)\]: (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]).sort(([a], [b]) => a - b);

test('a process with two worker threads: each worker is attached, and counts are merged across threads', async () => {
  const program = 'fnret:test/fixtures/attach/worker.cjs:crunch { @calls[tid] = count(); @all = count(); printf("hit %d\\n", tid) }';
  const whileUp = async (): Promise<void> => assert.equal(await inspectorClosed(), true, 'nothing listens on the inspector port');
  const out = await traceWorkers(program, { whileUp });
  const perThread = perThreadCalls(out);
  assert.deepEqual(perThread.map(([tid]) => tid), [1, 2], out);
  assert.ok(perThread.every(([, n]) => n > 0), out);
  assert.equal(Number(/^@all: (\d+)$/m.exec(out)?.[1]), perThread.reduce((s, [, n]) => s + n, 0));
});

test('workers that ran detach() under -p: Ctrl-C prints their maps, with the counts at the detach', async () => {
  // Each thread counts in its own maps: each worker takes its probe off at its own third call.
  const program = 'fnret:test/fixtures/attach/worker.cjs:crunch { @calls[tid] = count(); if (@calls[tid] == 3) { detach(); printf("hit %d\\n", tid) } }';
  const out = await traceWorkers(program);
  assert.deepEqual(perThreadCalls(out), [[1, 3], [2, 3]], out);
});

test('--max-map-keys under -p: each worker keeps to it, and the drops of every thread add up', async () => {
  // Every hit is a new key: each worker keeps its first and drops the rest; both workers, and more hits than keys kept.
  const program = 'fnret:test/fixtures/attach/worker.cjs:crunch { @calls[tid, nsecs] = count(); @all = count(); printf("hit %d\\n", tid) }';
  const out = await traceWorkers(program, { more: ['--max-map-keys', '1'], lines: 3 });
  const kept = [...out.matchAll(/^@calls\[\d+, \d+\]: 1$/gm)].length;
  const all = Number(/^@all: (\d+)$/m.exec(out)?.[1]);
  assert.equal(kept, 2, out);
  assert.ok(all > kept, out);
  assert.match(out, new RegExp(`\n@calls: ${all - kept} updates dropped at the key limit\n$`));
});

test('a worker blocked in a synchronous call is named, not traced, and the others are', async () => {
  // Its stdin is a pipe the test never writes to: one worker stays blocked reading it.
  const child = spawnTracked(process.execPath, [join(ROOT, 'test/fixtures/attach/blocked-worker.cjs')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    const pid = await new Promise<number>((resolve) => {
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('\n')) resolve((JSON.parse(out) as { pid: number }).pid);
      });
    });
    const cli = startCli(pid, 'fnret:test/fixtures/attach/worker.cjs:crunch { @n = count(); printf("hit\\n") }');
    let err = '';
    cli.child.stderr!.on('data', (d: string) => (err += d));
    await cli.attached;
    assert.match(err, /^jsprobe: worker thread \(tid \d+\) did not answer within \d+ s \(blocked in a synchronous call\?\): it is not traced$/m);
    assert.match(err, /^Attached to \d+: 0 probes, and in 1 worker thread\. Ctrl-C to detach\.$/m);
    // The other worker is traced: detach once it has been heard from.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (!cli.out().includes('hit\n')) return;
        cli.child.stdout!.off('data', check);
        resolve();
      };
      cli.child.stdout!.on('data', check);
      check();
    });
    cli.child.kill('SIGINT');
    assert.equal(await new Promise<number | null>((resolve) => cli.child.on('close', resolve)), 0, err);
    assert.ok(Number(/^@n: (\d+)$/m.exec(cli.out())?.[1]) > 0, cli.out());
  } finally {
    child.kill();
  }
});

test('attach errors: no such process, not a Node process, each one line and exit 1', async () => {
  const none = spawnTracked(process.execPath, [JSPROBE, '-p', '999999', '-e', PROGRAM], { cwd: ROOT });
  let err = '';
  none.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  assert.equal(await new Promise((resolve) => none.on('close', resolve)), 1);
  assert.equal(err, 'jsprobe: no process with pid 999999\n');
  const sleeper = spawnTracked('sleep', ['30']);
  try {
    const notNode = spawnTracked(process.execPath, [JSPROBE, '-p', String(sleeper.pid), '-e', PROGRAM], { cwd: ROOT });
    let err2 = '';
    notNode.stderr.setEncoding('utf8').on('data', (d: string) => (err2 += d));
    assert.equal(await new Promise((resolve) => notNode.on('close', resolve)), 1);
    assert.match(err2, /^jsprobe: process \d+ is not a Node process \(.*sleep is not a Node binary\): jsprobe did not signal it\n$/);
  } finally {
    sleeper.kill();
  }
});

test('-l PATTERN -p PID lists the running process\'s probe points', async () => {
  const svc = await startService();
  try {
    const cli = spawnTracked(process.execPath, [JSPROBE, '-l', 'test/fixtures/attach/server.cjs:*', '-p', String(svc.pid)], { cwd: ROOT });
    let out = '';
    cli.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    assert.equal(await new Promise((resolve) => cli.on('close', resolve)), 0);
    assert.match(out, /^fn:test\/fixtures\/attach\/server\.cjs:sleep /m);
    assert.match(out, /^fn:test\/fixtures\/attach\/server\.cjs:handle /m);
    assert.equal(await inspectorClosed(), true, 'nothing listens on the inspector port');
    // Nothing matches: an error, as -l without -p, exit 2. A pattern that matches no file there:
    // the target's message, as written for the user; a misspelt name: the nearest there.
    for (const [pattern, message] of [
      ['test/fixtures/attach/nosuch.cjs:*', /^jsprobe: no source files match test\/fixtures\/attach\/nosuch\.cjs \(from \/\S+\)\n$/],
      ['test/fixtures/attach/server.cjs:handel',
        /^jsprobe: nothing matches test\/fixtures\/attach\/server\.cjs:handel\. Did you mean test\/fixtures\/attach\/server\.cjs:handle\?\n$/],
    ] as const) {
      const none = spawnTracked(process.execPath, [JSPROBE, '-l', pattern, '-p', String(svc.pid)], { cwd: ROOT });
      let err = '';
      let listed = '';
      none.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      none.stdout.setEncoding('utf8').on('data', (d: string) => (listed += d));
      assert.equal(await new Promise((resolve) => none.on('close', resolve)), 2, err);
      assert.match(withoutProgress(err), message, err);
      assert.equal(listed, '');
      assert.equal(await inspectorClosed(), true, 'nothing listens on the inspector port');
    }
  } finally {
    svc.child.kill();
  }
});
