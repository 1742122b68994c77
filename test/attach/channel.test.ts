// The private channel of `jsprobe -p`, with real processes: while attached the inspector port is
// closed and the probes report through a Unix socket in a directory only this user can open; a
// target that ends while attached (exit(3), an uncaught throw, its loop's end) ends with its own code,
// its maps print, and its stderr has no line of Node's about a session still connected; a target
// whose main thread never returns to its loop can be attached and detached; a program that has
// taken its probes off with detach() still prints its maps once, however the run then ends; and a
// flood of output never stalls the target, every event printed or counted lost.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../cli/run.js';
import { attach, jsprobe, listening, streamMatch } from './procs.js';
import { spawnTracked } from '../cli/tracked.js';

const FIXTURES = join(ROOT, 'test/fixtures/attach');

interface Target {
  child: ChildProcess;
  pid: number;
  /** Resolves with the next JSON line the target prints after its first. */
  next(): Promise<Record<string, number>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

async function startTarget(file: string, args: string[] = []): Promise<Target> {
  const child = spawnTracked(process.execPath, [join(FIXTURES, file), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const w = waiters.shift();
      if (w !== undefined) w(line);
      else lines.push(line);
    }
  });
  type Exit = { code: number | null; signal: NodeJS.Signals | null };
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const next = (): Promise<Record<string, number>> => {
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(JSON.parse(line) as Record<string, number>);
    return new Promise((resolve) => waiters.push((l) => resolve(JSON.parse(l) as Record<string, number>)));
  };
  const { pid } = await next();
  return { child, pid, next, exited, stderr: () => err };
}

/** The Unix sockets bound under a jsprobe channel directory (this test's network namespace lists only its own). */
function channelSockets(): string[] {
  const paths = readFileSync('/proc/net/unix', 'utf8').split('\n').map((l) => l.trim().split(/\s+/)[7] ?? '');
  // The listening socket and the accepted connection both show the path.
  return [...new Set(paths.filter((p) => /\/jsprobe-channel-[^/]+\/channel$/.test(p)))];
}

/** Resolves after `ms`, for a bound only: a test that would hang fails instead. */
const bound = (ms: number, what: string) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref());

test('while attached the inspector port is closed, the channel is 0700 and refuses another uid, and the probes report', async () => {
  const t = await startTarget('ender.cjs');
  try {
    const cli = attach(t.pid, 'fn:test/fixtures/attach/ender.cjs:tick { @n = count() }');
    await cli.attached;
    assert.equal(await listening(9229), false, 'nothing listens on the inspector port once Attached is printed');
    const sockets = channelSockets();
    assert.equal(sockets.length, 1, `one channel socket: ${sockets.join(', ')}`);
    const dir = statSync(dirname(sockets[0]));
    assert.equal(dir.mode & 0o777, 0o700);
    assert.equal(dir.uid, process.getuid!());
    // Another user cannot even reach the socket.
    const probe = "require('node:net').connect(process.argv[1])"
      + ".on('connect', () => { console.log('connected'); process.exit(0) }).on('error', (e) => console.log(e.code))";
    const other = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', probe, sockets[0]], { encoding: 'utf8' });
    assert.equal(other.stdout.trim(), 'EACCES', other.stderr);
    // The probe still reports (tick() runs every 2 ms): wait for a while of it, then detach.
    await new Promise((r) => setTimeout(r, 300));
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    assert.ok(Number(/^@n: (\d+)$/m.exec(cli.out())?.[1]) > 0, cli.out());
    assert.deepEqual(channelSockets(), [], 'the channel is gone');
    assert.equal(t.child.exitCode, null, 'the target runs on');
  } finally {
    t.child.kill();
  }
});

for (const [how, command, code, line] of [
  ['process.exit(3)', 'exit 3', 3, /^jsprobe: process \d+ exited with code 3$/m],
  ['an uncaught throw', 'throw', 1, /^jsprobe: process \d+ ended by an uncaught exception$/m],
  ['the end of its event loop', 'end', 0, /^jsprobe: process \d+ exited with code 0$/m],
] as const) {
  test(`a target that ends by ${how} while attached ends with its own code, its stderr as it would be; jsprobe prints its maps and how it ended`, async () => {
    const t = await startTarget('ender.cjs');
    try {
      const cli = attach(t.pid, 'fn:test/fixtures/attach/ender.cjs:tick { @n = count() } END { printf("END ran\\n") }');
      await cli.attached;
      await new Promise((r) => setTimeout(r, 200));
      const start = Date.now();
      t.child.stdin!.write(`${command}\n`);
      const ended = await Promise.race([t.exited, bound(15_000, 'the target ending')]);
      assert.deepEqual(ended, { code, signal: null });
      assert.equal(await Promise.race([cli.done, bound(15_000, 'jsprobe ending')]), 0, cli.err());
      assert.ok(Date.now() - start < 15_000);
      assert.match(cli.out(), /^END ran$/m);
      assert.ok(Number(/^@n: (\d+)$/m.exec(cli.out())?.[1]) > 0, cli.out());
      assert.match(cli.err(), line);
      // Node's own lines of the inspector that SIGUSR1 opened are there; nothing of a session still connected at the exit.
      assert.match(t.stderr(), /^Debugger listening on /m);
      assert.doesNotMatch(t.stderr(), /Waiting for the debugger/);
    } finally {
      t.child.kill();
    }
  });
}

test('a target whose main thread is busy in a loop can be attached, reports, and detaches on Ctrl-C', async () => {
  const t = await startTarget('busy.cjs');
  try {
    const cli = attach(t.pid, 'fn:test/fixtures/attach/busy-hit.cjs:hit { @n = count() }');
    await Promise.race([cli.attached, bound(60_000, 'attaching to a busy target')]);
    assert.equal(await listening(9229), false);
    await new Promise((r) => setTimeout(r, 200));
    cli.child.kill('SIGINT');
    assert.equal(await Promise.race([cli.done, bound(60_000, 'detaching from a busy target')]), 0, cli.err());
    assert.ok(Number(/^@n: (\d+)$/m.exec(cli.out())?.[1]) > 0, cli.out());
    assert.equal(t.child.exitCode, null, 'the target runs on, still in its loop');
  } finally {
    t.child.kill('SIGKILL');
  }
});

/** @n's value in the maps jsprobe printed, text or JSON, and how many times they printed it. */
function printedCount(out: string, json: boolean): { n: number; times: number } {
  const values = json
    ? out.split('\n').filter((l) => l.startsWith('{"type":"map"')).map((l) => (JSON.parse(l) as { data: Record<string, number> }).data['@n'])
      .filter((v) => v !== undefined)
    : [...out.matchAll(/^@n: (\d+)$/gm)].map((m) => Number(m[1]));
  return { n: values[0] ?? NaN, times: values.length };
}

// detach() takes the probe off once it has counted, and the interval says at what count: the maps
// printed at the end hold that count, once. Until the fix, a detach from the command after it read
// no maps at all (disarming the probes that detach() had unregistered threw, and took the answer).
const DETACHES = 'fn:test/fixtures/attach/ender.cjs:tick { @n = count() } interval:ms:50 { if (@n > 0) { detach(); printf("detached at %d\\n", @n) } }';
for (const [how, more, signal] of [
  ['Ctrl-C', [], 'SIGINT'],
  ['Ctrl-C under -f json', ['-f', 'json'], 'SIGINT'],
  ['SIGTERM', [], 'SIGTERM'],
  // No signal: the target exits by itself, with code 3.
  ['the target exiting by itself', [], null],
] as const) {
  test(`after detach() in the program under -p, ${how} prints the maps once, with the count at the detach`, async () => {
    const t = await startTarget('ender.cjs');
    try {
      const cli = jsprobe([...more, '-p', String(t.pid), '-e', DETACHES]);
      const at = Number((await Promise.race([streamMatch(cli, 'stdout', /detached at (\d+)/), bound(30_000, 'the detach')]))[1]);
      assert.ok(at > 0);
      if (signal !== null) cli.child.kill(signal);
      else t.child.stdin!.write('exit 3\n');
      const { code, out, err } = await Promise.race([cli.done, bound(15_000, 'jsprobe ending')]);
      assert.equal(code, 0, err);
      assert.deepEqual(printedCount(out, more.length > 0), { n: at, times: 1 }, out);
      if (signal !== null) assert.equal(t.child.exitCode, null, 'the target runs on');
      else {
        assert.deepEqual(await t.exited, { code: 3, signal: null });
        assert.match(err, /^jsprobe: process \d+ exited with code 3$/m);
      }
    } finally {
      t.child.kill();
    }
  });
}

test('detach() and then exit() in a probe\'s handler under -p: the maps print once, with the count at the detach', async () => {
  const t = await startTarget('ender.cjs');
  try {
    const cli = jsprobe(['-p', String(t.pid), '-e', 'fn:test/fixtures/attach/ender.cjs:tick { @n = count(); if (@n == 20) { detach(); exit() } }']);
    const { code, out, err } = await Promise.race([cli.done, bound(30_000, 'jsprobe ending')]);
    assert.equal(code, 0, err);
    assert.deepEqual(printedCount(out, false), { n: 20, times: 1 }, out);
    assert.equal(t.child.exitCode, null, 'the target runs on');
  } finally {
    t.child.kill();
  }
});

test('a flood of big printfs never stalls the target: every hit is printed or counted lost', async () => {
  const t = await startTarget('flood.cjs', ['20000']);
  try {
    const cli = attach(t.pid, 'fn:test/fixtures/attach/flood.cjs:emit { @n = count(); printf("%s\\n", arg0) }');
    await cli.attached;
    t.child.stdin!.write('go 4000\n');
    const { calls, maxGapMs } = await t.next();
    cli.child.kill('SIGINT');
    assert.equal(await cli.done, 0, cli.err());
    const printed = cli.out().split('\n').filter((l) => l.startsWith('xxxx')).length;
    let lost = 0;
    for (const m of cli.err().matchAll(/^Lost (\d+) events$/gm)) lost += Number(m[1]);
    assert.equal(Number(/^@n: (\d+)$/m.exec(cli.out())?.[1]), calls);
    assert.equal(printed + lost, calls, `${printed} printed, ${lost} lost, ${calls} hits`);
    assert.ok(lost > 0, 'the flood overflowed the ring (else this test shows nothing about dropping)');
    // The target's own 10 ms timer kept ticking: a bound far above a busy machine's lateness, far
    // below what waiting for 80 MB of output to be written would take.
    assert.ok(maxGapMs < 2000, `the target's timer was ${maxGapMs} ms late`);
  } finally {
    t.child.kill();
  }
});
