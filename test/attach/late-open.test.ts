// A target that answers SIGUSR1 late (its main thread blocked in a synchronous call, or the
// process stopped): jsprobe says why it waits, gives up at its bound or on a signal, and leaves a
// watcher that holds the port's lock and closes the inspector once it opens. The target lives on,
// its port closed again, and the watcher ends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loopbackListeners } from '../../src/attach/verify.js';
import { ROOT } from '../cli/run.js';
import { alive, fetchText, jsprobe, node, startService, stderrMatch, withoutProgress, type Service } from './procs.js';

const BLOCKED = join(ROOT, 'test/fixtures/attach/blocked.cjs');
const PROGRAM = 'fn:test/fixtures/attach/server.cjs:handle { @n = count() }';

/** Poll `condition` until it holds; false if it did not within `ms` (the bound only stops a test that would hang). */
async function until(condition: () => boolean | Promise<boolean>, ms = 60_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function comm(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Ended: gone, or a zombie its new parent has not reaped yet. */
function ended(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

const inspectorListening = () => loopbackListeners(9229).length > 0;

/** After the target opened its inspector (it says so on stderr), the watcher closes it, the target serves, and the watcher ends. */
async function closedByWatcher(svc: Service, watcher: number): Promise<void> {
  assert.ok(await until(() => svc.stderr().includes('Debugger listening on ws://127.0.0.1:9229/')), `the inspector never opened: ${svc.stderr()}`);
  assert.ok(await until(() => !inspectorListening()), 'the inspector stayed open');
  assert.ok(await until(() => ended(watcher)), 'the watcher did not end');
  assert.ok(alive(svc.child));
  assert.match(await fetchText(svc.port, '/x'), /^ok/);
}

function kill(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

test('-p on a target blocked in a synchronous call: exit 1 at the bound, and a watcher closes the inspector when it opens', async () => {
  const svc = await startService(`exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BLOCKED)}`);
  let watcher = 0;
  let sleeper = 0;
  try {
    // Inside execFileSync once its child runs: from here no JavaScript runs on the main thread.
    assert.ok(await until(() => childrenOf(svc.pid).length > 0, 30_000));
    sleeper = childrenOf(svc.pid)[0];
    const cli = jsprobe(['-p', String(svc.pid), '-e', PROGRAM], { JSPROBE_OPEN_TIMEOUT_MS: '1000' });
    const { code, err } = await cli.done;
    assert.equal(code, 1, err);
    const m = new RegExp(`^jsprobe: process ${svc.pid} did not open its inspector on 127\\.0\\.0\\.1:9229 within 1 s of SIGUSR1 `
      + '\\(its main thread is blocked\\?\\); '
      + 'jsprobe\'s watcher \\(pid (\\d+)\\) will close it when it opens\\n$').exec(withoutProgress(err));
    assert.ok(m !== null, err);
    watcher = Number(m[1]);
    assert.equal(comm(watcher), 'jsprobe-watcher');
    assert.equal(inspectorListening(), false);
    // The watcher holds the port's lock: another jsprobe waits for it, and sends no signal meanwhile.
    const second = jsprobe(['-p', String(svc.pid), '-e', PROGRAM]);
    await stderrMatch(second, new RegExp(`waiting for jsprobe process ${watcher} \\(jsprobe-watcher\\), which is attaching through port 9229`));
    second.child.kill('SIGKILL');
    await second.done;
    process.kill(sleeper, 'SIGTERM');
    await closedByWatcher(svc, watcher);
  } finally {
    kill([sleeper, watcher].filter((p) => p > 0));
    svc.child.kill();
  }
});

test('-p on a stopped target: the progress line says so, and SIGTERM while waiting hands over to the watcher too', async () => {
  const svc = await startService(node());
  let watcher = 0;
  try {
    process.kill(svc.pid, 'SIGSTOP');
    const cli = jsprobe(['-p', String(svc.pid), '-e', PROGRAM], { JSPROBE_OPEN_TIMEOUT_MS: '120000' });
    await stderrMatch(cli, new RegExp(`^jsprobe: waiting for process ${svc.pid} to open its inspector: it is stopped \\(SIGSTOP, Ctrl-Z or a debugger\\), `
      + `and answers SIGUSR1 only once continued \\(kill -CONT ${svc.pid}\\); giving up in \\d+ s$`, 'm'));
    cli.child.kill('SIGTERM');
    const { code, err } = await cli.done;
    assert.equal(code, 1, err);
    const m = new RegExp(`^jsprobe: SIGTERM while process ${svc.pid} had not yet opened its inspector on 127\\.0\\.0\\.1:9229; `
      + 'jsprobe\'s watcher \\(pid (\\d+)\\) will close it when it opens\\n$').exec(withoutProgress(err));
    assert.ok(m !== null, err);
    watcher = Number(m[1]);
    assert.equal(inspectorListening(), false);
    process.kill(svc.pid, 'SIGCONT');
    await closedByWatcher(svc, watcher);
  } finally {
    if (watcher > 0) kill([watcher]);
    process.kill(svc.pid, 'SIGCONT');
    svc.child.kill();
  }
});

test('JSPROBE_OPEN_TIMEOUT_MS that is not a number of milliseconds is one line, before any signal', async () => {
  const svc = await startService(node());
  try {
    const { code, err } = await jsprobe(['-p', String(svc.pid), '-e', PROGRAM], { JSPROBE_OPEN_TIMEOUT_MS: '3s' }).done;
    assert.equal(code, 1);
    assert.equal(err, 'jsprobe: JSPROBE_OPEN_TIMEOUT_MS is a number of milliseconds above 0, not "3s"\n');
    assert.doesNotMatch(svc.stderr(), /Debugger listening/);
  } finally {
    svc.child.kill();
  }
});

/** The line a -p run that has attached prints for a target whose own inspector it used. */
const OWN_OPEN = /had its inspector open already \(127\.0\.0\.1:\d+\); it stays open/;

/** A whole -p attach and detach (Ctrl-C once attached) on process `pid`: its exit code and stderr. */
async function attachOnce(pid: number, env: Record<string, string> = {}): Promise<{ code: number | null; err: string }> {
  const cli = jsprobe(['-p', String(pid), '-e', PROGRAM], env);
  await stderrMatch(cli, /^Attached to /m);
  cli.child.kill('SIGINT');
  return cli.done;
}

test('-p on a target with its own inspector on a port of its choosing, JSPROBE_OPEN_TIMEOUT_MS under 3 s: attached through that one', async () => {
  // Port 0: its sockets from before SIGUSR1 are asked 3 s on, when no new one has appeared. With a
  // bound under that they were never asked: it gave up at the bound, and left a watcher waiting
  // for an inspector that SIGUSR1 never opens, holding the target's lock until the target ended.
  const svc = await startService(node('--inspect=127.0.0.1:0'));
  try {
    const { code, err } = await attachOnce(svc.pid, { JSPROBE_OPEN_TIMEOUT_MS: '1000' });
    assert.equal(code, 0, err);
    assert.match(err, OWN_OPEN);
  } finally {
    svc.child.kill();
  }
});

test('-p on a target with its own inspector on a port of its choosing, Ctrl-C while waiting: no watcher is left holding its lock', async () => {
  const svc = await startService(node('--inspect=127.0.0.1:0'));
  try {
    const cli = jsprobe(['-p', String(svc.pid), '-e', PROGRAM]);
    // Not only "blocked": its sockets from before have not been asked yet, and its own inspector is one of them.
    await stderrMatch(cli, /to open its inspector: .*\(in a synchronous call\?\), or it has an inspector open already \(asked at 3 s\);/);
    cli.child.kill('SIGINT');
    const first = await cli.done;
    assert.doesNotMatch(first.err, /watcher/);
    // Nothing holds the target's lock: the next attach goes through (it waited 10 s for a watcher, and gave up).
    const { code, err } = await attachOnce(svc.pid);
    assert.equal(code, 0, err);
    assert.match(err, OWN_OPEN);
  } finally {
    svc.child.kill();
  }
});
