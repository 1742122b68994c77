// jsprobe killed (SIGKILL) at each step of an attach, one kill after another on one target: no
// sequence of kills leaves the target's inspector port open. A kill from the runtime's load on is
// undone by the runtime's channel thread; one before (from SIGUSR1 until the load) leaves the port
// open with nothing of jsprobe's in the target, and the next jsprobe closes it, told by the marker
// the killed one left (src/attach/marker.ts). Each kill comes at jsprobe's own step line
// (JSPROBE_ATTACH_STEPS=1), not after a sleep.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectTo } from 'node:net';
import WebSocket from 'ws';
import { CLOSE_INSPECTOR_NOW, inspectorUrl } from '../../src/attach/inspector-ws.js';
import { ownLoopbackListeners } from '../../src/attach/port.js';
import { inspectorClosed, jsprobe, node, startService, stderrMatch, type Service } from './procs.js';

const PROGRAM = 'fn:test/fixtures/attach/server.cjs:handle { @n = count() }';
const STEPS = ['sigusr1', 'listening', 'checked', 'loading', 'connected', 'closed', 'attaching'] as const;
/** From here on the runtime is in the target: it closes the port by itself, with nobody after it. */
const RUNTIME_STEPS: readonly string[] = ['connected', 'closed', 'attaching'];

/** A whole attach and detach (Ctrl-C once attached): afterwards nothing listens on 9229. */
async function cleanRun(svc: Service): Promise<string> {
  const cli = jsprobe(['-p', String(svc.pid), '-e', PROGRAM]);
  await stderrMatch(cli, /^Attached to /m);
  cli.child.kill('SIGINT');
  const { code, err } = await cli.done;
  assert.equal(code, 0, err);
  return err;
}

test('SIGKILL at every step of an attach, one after another on one target: the inspector port ends closed each time', async () => {
  // With two worker threads: nothing of a killed jsprobe's may stay attached in them either.
  const svc = await startService(`${node()} 2`);
  try {
    for (const step of STEPS) {
      const cli = jsprobe(['-p', String(svc.pid), '-e', PROGRAM], { JSPROBE_ATTACH_STEPS: '1' });
      await stderrMatch(cli, new RegExp(`^jsprobe: attach step ${step}$`, 'm'));
      cli.child.kill('SIGKILL');
      await cli.done;
      if (RUNTIME_STEPS.includes(step)) {
        assert.equal(await inspectorClosed(), true, `killed at ${step}: the runtime closes the port by itself`);
      }
      const err = await cleanRun(svc);
      assert.equal(await inspectorClosed(), true, `killed at ${step}, then a whole attach: the port is closed (${err})`);
      assert.doesNotMatch(err, /had its inspector open already/, `killed at ${step}: the next jsprobe takes the port as its own`);
      assert.doesNotMatch(err, /already attached/, `killed at ${step}: nothing of the killed jsprobe's stays attached`);
    }
  } finally {
    svc.child.kill();
  }
});

/** The target's own listeners other than its HTTP port: its inspector, on a port of its choosing. */
const inspectorPorts = (svc: Service): number[] => ownLoopbackListeners(svc.pid).map((l) => l.port).filter((p) => p !== svc.port);

/** Close process `pid`'s inspector on `port` from inside, as the runtime a killed jsprobe loaded does: one evaluate. */
async function closeFromInside(pid: number, port: number): Promise<void> {
  const listed = await inspectorUrl(pid, port);
  assert.ok(listed !== null, `no inspector listed on ${port}`);
  const ws = new WebSocket(listed.url, { perMessageDeflate: false, createConnection: () => listed.socket ?? connectTo(port) });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: CLOSE_INSPECTOR_NOW, includeCommandLineAPI: true } }));
  await new Promise((resolve) => ws.once('close', resolve));
}

/** A jsprobe on `svc` killed (SIGKILL) once the inspector it opened listens: the port it left open. */
async function killedOnceOpen(svc: Service): Promise<number> {
  const killed = jsprobe(['-p', String(svc.pid), '-e', PROGRAM], { JSPROBE_ATTACH_STEPS: '1' });
  await stderrMatch(killed, /^jsprobe: attach step listening$/m);
  killed.child.kill('SIGKILL');
  await killed.done;
  const ports = inspectorPorts(svc);
  assert.equal(ports.length, 1, 'the killed jsprobe left the inspector open');
  return ports[0];
}

test('a port-0 target: the inspector a killed jsprobe left open closes by itself under the next one, after its SIGUSR1', async () => {
  // The next jsprobe's SIGUSR1 comes while that inspector is open, and opens nothing; then the
  // killed one's runtime closes it. Nothing new appeared, and the sockets from before held no
  // inspector any more: it waited its 10 s, said the thread was blocked, and left a watcher that
  // held the target's lock for as long as it ran (every later -p waited for it, and gave up).
  const svc = await startService(node('--inspect-port=0'));
  try {
    const left = await killedOnceOpen(svc);
    const cli = jsprobe(['-p', String(svc.pid), '-e', PROGRAM]);
    // Its line a second on: the SIGUSR1 has come and gone.
    await stderrMatch(cli, /waiting for process \d+ to open its inspector/);
    await closeFromInside(svc.pid, left);
    await stderrMatch(cli, /^Attached to /m);
    cli.child.kill('SIGINT');
    const { code, err } = await cli.done;
    assert.equal(code, 0, err);
    assert.deepEqual(inspectorPorts(svc), [], `the port ends closed (${err})`);
  } finally {
    svc.child.kill();
  }
});

test('a port-0 target: Ctrl-C while waiting on the inspector a killed jsprobe left open leaves it to the next jsprobe to close', async () => {
  // The signal opened nothing (the inspector was open): no watcher may wait for one, holding the
  // target's lock, and the killed one's marker must not go with this one's, or the next jsprobe
  // took that inspector for the program's own and left it open.
  const svc = await startService(node('--inspect-port=0'));
  try {
    await killedOnceOpen(svc);
    const stopped = jsprobe(['-p', String(svc.pid), '-e', PROGRAM]);
    await stderrMatch(stopped, /waiting for process \d+ to open its inspector/);
    stopped.child.kill('SIGINT');
    const first = await stopped.done;
    assert.equal(first.code, 1, first.err);
    assert.doesNotMatch(first.err, /watcher/);
    const cli = jsprobe(['-p', String(svc.pid), '-e', PROGRAM]);
    await stderrMatch(cli, /^Attached to /m);
    cli.child.kill('SIGINT');
    const { code, err } = await cli.done;
    assert.equal(code, 0, err);
    assert.match(err, /since jsprobe process \d+ opened it and was killed before it could close it: jsprobe closes it/);
    assert.deepEqual(inspectorPorts(svc), [], `the port ends closed (${err})`);
  } finally {
    svc.child.kill();
  }
});
