// -c's output path after a burst of printfs in one synchronous stretch: it goes out in far fewer
// write(2)s than printfs, all of it when the stretch ends, however it ends (the program idles,
// exits, throws, or hangs until Ctrl-C). And after a burst that jsprobe could not keep up with (its command held with
// SIGSTOP while the program makes its calls, so that the agent's buffer is full, whatever the
// machine's speed): what was kept is drained in large writes, not a line at a time; the drops
// are reported as they happen, ahead of that backlog; Ctrl-C with a backlog ends at once, the
// backlog dropped and said so; and a stop signal with a backlog is no reason to reach the
// program through its inspector.
// jsprobe's stdout and stderr, and the program's stderr, go to one file opened for appending:
// every write lands in the order it was made.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE, ROOT } from './run.js';

const F = 'test/fixtures/cli/burst.cjs';
const PROGRAM = `fn:${F}:hit { printf("hit %d\\n", arg0) }`;

interface Run {
  child: ChildProcess;
  /** The output so far. */
  text(): string;
  /** The first match of `re` in the output, once there is one. */
  waitFor(re: RegExp): Promise<RegExpExecArray>;
  closed: Promise<number | null>;
}

function run(count: number, mode = '', env: Record<string, string> = {}): Run {
  const file = join(mkdtempSync(join(tmpdir(), 'jsprobe-drain-')), 'out');
  const fd = openSync(file, 'a');
  const child = spawn(process.execPath, [JSPROBE, '-e', PROGRAM, '-c', `node ${F} ${count} ${mode}`], {
    cwd: ROOT, stdio: ['pipe', fd, fd], env: { ...process.env, ...env },
  });
  closeSync(fd);
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  const text = (): string => readFileSync(file, 'utf8');
  // Polls the file: it is the output itself, and the test's timeout bounds the wait.
  const waitFor = (re: RegExp): Promise<RegExpExecArray> => new Promise((resolve, reject) => {
    const look = (): void => {
      const m = re.exec(text());
      if (m !== null) return resolve(m);
      if (child.exitCode !== null) return reject(new Error(`jsprobe ended before ${re}:\n${text().slice(-2000)}`));
      setTimeout(look, 10);
    };
    look();
  });
  return { child, text, waitFor, closed };
}

/** The write(2) calls process `pid` has made so far. */
const writes = (pid: number): number => Number(/syscw: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);

/** The trace lines and the events reported lost in `text`. */
function tally(text: string): { printed: number; lost: number } {
  const printed = text.match(/^hit \d+$/gm)?.length ?? 0;
  let lost = 0;
  for (const m of text.matchAll(/^Lost (\d+) events$/gm)) lost += Number(m[1]);
  return { printed, lost };
}

/** Started, with the command held: the program makes its calls, and the agent keeps what its buffer holds. */
async function burstWhileHeld(r: Run): Promise<{ pid: number; writesAtBurst: number }> {
  const [, pid] = await r.waitFor(/^ready (\d+)$/m);
  await r.waitFor(/^Attaching 1 probe/m);
  process.kill(r.child.pid!, 'SIGSTOP');
  r.child.stdin!.write('go\n');
  const [, w] = await r.waitFor(/^burst done, writes (\d+),/m);
  return { pid: Number(pid), writesAtBurst: Number(w) };
}

/** Resolves once every trace line of `count` is in the output, printed or counted as lost. */
function allIn(r: Run, count: number): Promise<void> {
  return new Promise((resolve) => {
    const look = (): void => {
      const { printed, lost } = tally(r.text());
      if (printed + lost === count) return resolve();
      setTimeout(look, 10);
    };
    look();
  });
}

test('a burst of printfs in one stretch: far fewer write(2)s than printfs, and all of it out once the stretch ends', { timeout: 180_000 }, async () => {
  const count = 100_000;
  const r = run(count);
  await r.waitFor(/^Attaching 1 probe/m);
  r.child.stdin!.write('io\n');
  const [, before] = await r.waitFor(/^writes (\d+)$/m);
  r.child.stdin!.write('go\n');
  await r.waitFor(/^burst done/m);
  // The program idles now, and sends nothing more: what its stretch left waiting goes all the same.
  await allIn(r, count);
  r.child.stdin!.write('io\n');
  const [, after] = await r.waitFor(/^burst done[^]*^writes (\d+)$/m);
  r.child.stdin!.end();
  assert.equal(await r.closed, 0);
  // Less the program's own two lines (`writes`, `burst done`).
  const agentWrites = Number(after) - Number(before) - 2;
  const burstMs = Number(/^burst done, writes \d+, in (\d+) ms/m.exec(r.text())![1]);
  // A write(2) per printf before, as far as the command kept up (10,000-13,000 here, on a loaded machine);
  // now about one per millisecond of the burst when the command keeps up (~420), more when a loaded
  // machine's command reads slowly and the socket takes a batch in parts (3,569 once in CI): the bound is
  // what no machine's speed reaches and a write per printf always does.
  assert.ok(agentWrites < count / 20, `the agent wrote ${count} printfs in ${agentWrites} writes, in ${burstMs} ms`);
});

for (const [mode, code] of [['exit', 3], ['throw', 1]] as const) {
  test(`a burst whose stretch ends in ${mode === 'exit' ? 'process.exit()' : 'an uncaught throw'}: every line printed`, { timeout: 180_000 }, async () => {
    // ~700 KB of lines: the agent's buffer (4 MiB) holds them all, whatever the machine's speed.
    const count = 20_000;
    const r = run(count, mode);
    await r.waitFor(/^Attaching 1 probe/m);
    r.child.stdin!.write('go\n');
    assert.equal(await r.closed, code, r.text().slice(-2000));
    assert.deepEqual(tally(r.text()), { printed: count, lost: 0 });
  });
}

test('a burst whose stretch hangs, then Ctrl-C: the lines it printed are printed, not dropped as a backlog', { timeout: 180_000 }, async () => {
  // ~70 KB of lines: the socket takes them all (~200 KB) whether the command reads or not, so that
  // nothing is behind but the lines that waited for the end of the stretch (its last millisecond).
  const count = 2_000;
  const r = run(count, 'hang');
  const [, pid] = await r.waitFor(/^ready (\d+)$/m);
  await r.waitFor(/^Attaching 1 probe/m);
  r.child.stdin!.write('go\n');
  await r.waitFor(/^burst done/m);
  // As Ctrl-C does: the program (busy, it never sees it) and jsprobe, which stops it through its inspector.
  process.kill(Number(pid), 'SIGINT');
  r.child.kill('SIGINT');
  assert.equal(await r.closed, 130, r.text().slice(-2000));
  assert.doesNotMatch(r.text(), /not printed/);
  assert.deepEqual(tally(r.text()), { printed: count, lost: 0 });
});

test('a backlog drains in large writes, and the drops are reported ahead of it', { timeout: 180_000 }, async () => {
  const count = 300_000;
  const r = run(count);
  const { writesAtBurst } = await burstWhileHeld(r);
  const commandWrites = writes(r.child.pid!);
  process.kill(r.child.pid!, 'SIGCONT');
  // Everything arrives, printed or counted as lost.
  const drained = new Promise<void>((resolve) => {
    const look = (): void => {
      const { printed, lost } = tally(r.text());
      if (printed + lost === count) return resolve();
      setTimeout(look, 10);
    };
    look();
  });
  await drained;
  const commandDrainWrites = writes(r.child.pid!) - commandWrites;
  r.child.stdin!.write('io\n');
  const [, w] = await r.waitFor(/^writes (\d+)$/m);
  r.child.stdin!.end();
  assert.equal(await r.closed, 0);
  const text = r.text();
  const { printed, lost } = tally(text);
  assert.equal(printed + lost, count, text.slice(-2000));
  // The agent's buffer (4 MiB) held about 120,000 of these lines; it was full.
  assert.ok(printed > 50_000 && lost > 0, `printed ${printed}, lost ${lost}`);
  // Written a line at a time, the agent and the command each made a write(2) per line.
  const agentDrainWrites = Number(w) - writesAtBurst;
  assert.ok(agentDrainWrites < printed / 20, `the agent drained ${printed} lines in ${agentDrainWrites} writes`);
  assert.ok(commandDrainWrites < printed / 20, `the command printed ${printed} lines in ${commandDrainWrites} writes`);
  // As they happened: the first count came before most of the backlog, not after it.
  const after = tally(text.slice(text.search(/^Lost \d+ events$/m))).printed;
  assert.ok(after > printed / 2, `${after} of ${printed} lines printed after the first "Lost"`);
});

test('Ctrl-C with a backlog: no inspector, the backlog is dropped and counted, the program ends by it', { timeout: 180_000 }, async () => {
  // A buffer that holds ~500,000 lines: draining them takes the command more than the 600 ms
  // after which it would take the program for a busy one, were it not told otherwise.
  const count = 600_000;
  const r = run(count, 'sigint', { JSPROBE_BUFFER_BYTES: String(16 << 20) });
  const { pid } = await burstWhileHeld(r);
  // As Ctrl-C does: the program and jsprobe both get it (jsprobe when it runs again).
  process.kill(pid, 'SIGINT');
  process.kill(r.child.pid!, 'SIGINT');
  await r.waitFor(/^got SIGINT$/m);
  process.kill(r.child.pid!, 'SIGCONT');
  assert.equal(await r.closed, 130);
  const text = r.text();
  assert.doesNotMatch(text, /too busy|Debugger listening/);
  const m = /^jsprobe: (\d+) lines of trace not printed: Ctrl-C$/m.exec(text);
  assert.ok(m !== null && Number(m[1]) > 100_000, text.slice(-2000));
  const { printed, lost } = tally(text);
  assert.equal(printed + lost + Number(m[1]), count, `printed ${printed}, lost ${lost}, not printed ${m[1]}`);
});

test('SIGTERM with a backlog: the program, which runs its loop, is not taken for a busy one', { timeout: 180_000 }, async () => {
  // ~1,000,000 lines kept (32 MiB), none dropped at the signal (only Ctrl-C drops them): the
  // command takes far longer than 600 ms over them, and the agent's word that the program is
  // ending, on the control pipe, does not wait behind them.
  const count = 1_100_000;
  const r = run(count, '', { JSPROBE_BUFFER_BYTES: String(32 << 20) });
  await burstWhileHeld(r);
  process.kill(r.child.pid!, 'SIGTERM');
  process.kill(r.child.pid!, 'SIGCONT');
  assert.equal(await r.closed, 143);
  const text = r.text();
  assert.doesNotMatch(text, /too busy|Debugger listening|not printed/);
  const { printed, lost } = tally(text);
  assert.equal(printed + lost, count, `printed ${printed}, lost ${lost}`);
  assert.ok(printed > 500_000, `printed ${printed}`);
});
