// connect() to an inspector that answers with an error (the process ending: "Cannot find context
// with specified id") must not stay connected: Node, ending with a client connected, waits for it
// to go, and -c's stop of a busy program (cli/busy-stop.ts), which then waited for the program to
// end, held it there for good (found with `jsprobe -c ... | head -1` as the program finished).
// And one that closes the connection before its first answer (a killed jsprobe's runtime closing
// the port it left open, under the next jsprobe) is tried again once, not a crash of the command:
// its error was a plain one, and `jsprobe -p` printed a stack (CI, test/attach/kill-steps.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AttachError, connect } from '../../src/attach/inspector-ws.js';
import { unmark } from '../../src/attach/marker.js';
import { startTimeOf } from '../../src/attach/procfs.js';
import { loopbackListeners } from '../../src/attach/verify.js';
import { ROOT } from '../cli/run.js';
import { spawnTracked } from '../cli/tracked.js';

/** A fixture that listens on its --inspect-port itself, started, and a wait for a line of its output. */
async function fakeInspector(
  fixture: string, args: string[] = [],
): Promise<{ target: ChildProcess; port: number; said(re: RegExp): Promise<void>; out(): string }> {
  // A free port for its --inspect-port, where it listens itself.
  const free = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => free.once('listening', resolve));
  const port = (free.address() as { port: number }).port;
  await new Promise((resolve) => free.close(resolve));
  const target = spawnTracked(process.execPath, [`--inspect-port=${port}`, join(ROOT, 'test/fixtures/attach', fixture), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  target.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const said = (re: RegExp) => new Promise<void>((resolve, reject) => {
    const check = (): void => void (re.test(out) && resolve());
    target.stdout!.on('data', check);
    target.once('exit', () => reject(new Error(`the fixture ended: ${out}`)));
    check();
  });
  await said(/^\d+\n/);
  return { target, port, said, out: () => out };
}

/**
 * `re` in the fixture's output, once there: its line comes on its stdout, which this process may
 * read after the answer it gave on the inspector's socket (Node 26 did). The bound only stops a test that would hang.
 */
function saidWithin(said: (re: RegExp) => Promise<void>, re: RegExp): Promise<void> {
  const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${re} not said in 30 s`)), 30_000).unref());
  return Promise.race([said(re), bound]);
}

test('connect(): an inspector whose first answer is an error is disconnected, and the error thrown', async () => {
  const { target, said } = await fakeInspector('ending-inspector.cjs');
  try {
    await assert.rejects(connect(target.pid!, true), /Cannot find context with specified id/);
    // Generous: without the fix the client stays until this process ends.
    const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still connected after 30 s')), 30_000).unref());
    await Promise.race([said(/^closed$/m), bound]);
  } finally {
    target.kill();
  }
});

test('connect(): an inspector that closes the connection before its first answer is connected to again', async () => {
  const { target, said } = await fakeInspector('closing-inspector.cjs');
  try {
    const { conn, opened } = await connect(target.pid!, true);
    conn.ws.terminate();
    assert.equal(opened, false);
    await saidWithin(said, /^connection 2$/m);
  } finally {
    target.kill();
  }
});

test('connect(): one that closes every connection so is an attach error that says so, after one more try', async () => {
  const { target, said, out } = await fakeInspector('closing-inspector.cjs', ['always']);
  try {
    const e = await connect(target.pid!, true).then(() => null, (x: unknown) => x);
    assert.ok(e instanceof AttachError, `an AttachError (one line from the command), not ${String(e)}`);
    assert.match(e.message, new RegExp(`^the inspector of process ${target.pid} on 127\\.0\\.0\\.1:\\d+ closed the connection before it answered$`));
    await saidWithin(said, /^connection 2$/m);
    assert.doesNotMatch(out(), /^connection 3$/m);
  } finally {
    target.kill();
  }
});

/** The marker a jsprobe killed in its window leaves for process `pid` (marker.ts): written by a process that has ended. */
async function markedByEnded(pid: number, startTime: string): Promise<void> {
  const marker = pathToFileURL(join(ROOT, 'build/src/attach/marker.js')).href;
  const code = `(await import(${JSON.stringify(marker)})).markOpening(${pid}, ${JSON.stringify(startTime)})`;
  const child = spawnTracked(process.execPath, ['--input-type=module', '-e', code], { stdio: 'inherit' });
  assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0);
}

test('connect(): an inspector a killed jsprobe left open, whose first listing fails, is still closed as jsprobe\'s own when tried again', async () => {
  // The first try takes it over by the killed one's marker and writes its own; the port did not
  // close, so that marker stayed. The second try read it as a live jsprobe's, took the inspector
  // for the program's own, and left it open for good.
  const { target, said } = await fakeInspector('closing-inspector.cjs', ['list']);
  const pid = target.pid!;
  const startTime = startTimeOf(pid)!;
  await markedByEnded(pid, startTime);
  try {
    const { conn, opened } = await connect(pid, true);
    conn.ws.terminate();
    await saidWithin(said, /^list 2$/m);
    assert.equal(opened, true, 'the inspector a killed jsprobe left open is to be closed by this one');
  } finally {
    unmark(pid, startTime);
    target.kill();
  }
});

test('connect(): a target that says it runs a Node before 20 is refused, and the inspector jsprobe opened for it closes again', async () => {
  // Its version is known only from the inspector SIGUSR1 opened: the refusal closed the connection
  // and left the port open, for any local user, for as long as the process ran.
  const { target, port } = await fakeInspector('says-node18.cjs');
  try {
    const e = await connect(target.pid!, true).then(() => null, (x: unknown) => x);
    assert.ok(e instanceof AttachError, `an AttachError, not ${String(e)}`);
    assert.equal(e.message, `process ${target.pid} runs Node v18.20.4; jsprobe needs Node 20.6 or later`);
    // Generous: the close is one evaluate away.
    const end = Date.now() + 30_000;
    while (loopbackListeners(port).length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(loopbackListeners(port), [], `the inspector on ${port} stayed open`);
  } finally {
    target.kill();
  }
});

test("connect(): a target that knows itself by another pid (a container's PID namespace): refused, the inspector it opened closed", async () => {
  // The refusal closed the connection alone: the port SIGUSR1 opened stayed open, for any local user.
  const { target, port } = await fakeInspector('says-node18.cjs', ['pid']);
  try {
    const e = await connect(target.pid!, true).then(() => null, (x: unknown) => x);
    assert.ok(e instanceof AttachError, `an AttachError, not ${String(e)}`);
    assert.equal(e.message, `the inspector on 127.0.0.1:${port} belongs to process 1, not ${target.pid}`);
    const end = Date.now() + 30_000;
    while (loopbackListeners(port).length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(loopbackListeners(port), [], `the inspector on ${port} stayed open`);
  } finally {
    target.kill();
  }
});
