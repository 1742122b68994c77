// profile:hz:N under -c, with real programs: a thread spinning in a known function has it at the
// top of the samples, every thread is sampled (tid tells them apart), ustack's frames are at their
// original positions, -f folded prints flame graph input, a main thread that never returns is
// sampled until Ctrl-C and its samples reach the handler while it spins, a hot loop V8 runs as OSR
// code is charged to its own function in every slice, an interval slices the samples (exit() from
// a sample's handler works), and a profile probe without a program to sample is a usage error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsprobe, JSPROBE, ROOT } from './run.js';

const SPIN = 'test/fixtures/profile/spin.mjs';
const SPIN_CJS = 'test/fixtures/profile/spin.cjs';
const OSR = 'test/fixtures/profile/osr.cjs';

/** `@[key]: n` lines of a text map, by key. */
function counts(stdout: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of stdout.matchAll(/^@\[(.*)\]: (\d+)$/gm)) out.set(m[1], Number(m[2]));
  return out;
}

/** The key with the most samples. */
function top(c: Map<string, number>): string {
  return [...c].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

/** Where V8 places a function in a profile: its line, and the column of its parameter list (1-based). */
function declared(file: string, name: string): string {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith(`function ${name}(`));
  return `${i + 1}:${lines[i].indexOf('(') + 1}`;
}

test('a main thread spinning in spin(): spin is at the top of the samples', () => {
  const r = jsprobe(['-q', '-e', 'profile:hz:99 { @[func] = count() }', '-c', `node ${SPIN} 1500`]);
  assert.equal(r.code, 0, r.stderr);
  const c = counts(r.stdout);
  assert.equal(top(c), 'spin', r.stdout);
  // A bound far below 1.5 s at 99 Hz (about 150), far above noise: the sampler ran all along.
  assert.ok(c.get('spin')! >= 20, r.stdout);
});

test('every thread is sampled: the worker spins in workerSpin() under a tid of its own', () => {
  const r = jsprobe(['-q', '-e', 'profile:hz:99 { @[tid, func] = count() }', '-c', `node ${SPIN} 1500 worker`]);
  assert.equal(r.code, 0, r.stderr);
  const c = counts(r.stdout);
  assert.ok(c.get('0, spin')! >= 20, r.stdout);
  const worker = [...c].filter(([k]) => k.endsWith(', workerSpin'));
  assert.equal(worker.length, 1, r.stdout);
  assert.notEqual(worker[0][0], '0, workerSpin');
  assert.ok(worker[0][1] >= 20, r.stdout);
});

test("ustack's sampled frames are at their original positions in a module jsprobe rewrote", () => {
  const program = `fn:${SPIN_CJS}:other { @other = count() } profile:hz:99 /func == "spin"/ { @[ustack(1)] = count() }`;
  const r = jsprobe(['-q', '-e', program, '-c', `node ${SPIN_CJS} 1000`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^@other: 1$/m, r.stdout);
  const frame = `spin (${join(ROOT, SPIN_CJS)}:${declared(SPIN_CJS, 'spin')})`;
  assert.ok(r.stdout.includes(`@[\n        ${frame}\n]: `), r.stdout);
  // The predicate kept spin's samples only: one stack.
  assert.equal(r.stdout.match(/^\]: \d+$/gm)?.length, 1, r.stdout);
});

test('-f folded: the samples as flame graph input, the busiest stack ending in spin', () => {
  const r = jsprobe(['-q', '-f', 'folded', '-e', 'profile:hz:99 { @[ustack] = count() }', '-c', `node ${SPIN} 1500`]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.ok(lines.every((l) => / \d+$/.test(l)), r.stdout);
  // Sorted by count: the last line is the busiest stack.
  const url = new URL(`../../../${SPIN}`, import.meta.url).href;
  const leaf = `;spin (${url}:${declared(SPIN, 'spin')}) `;
  assert.ok(lines.at(-1)!.includes(leaf) && /^\d+$/.test(lines.at(-1)!.split(leaf)[1]), r.stdout);
});

test('a main thread that never returns is sampled until Ctrl-C', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, [JSPROBE, '-q', '-e', 'profile:hz:99 { @[func] = count() }', '-c', `node ${SPIN} forever`], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const spinning = new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('spinning\n')) resolve();
    });
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await spinning;
  child.kill('SIGINT');
  assert.equal(await closed, 130, stderr);
  // Between "spinning" and the end, at least the grace period before jsprobe reaches the busy main thread passed in spin().
  assert.equal(top(counts(stdout)), 'spin', stdout);
});

test("a main thread that never returns: its samples reach the handler while it spins, not only at the end", { timeout: 60_000 }, async () => {
  const program = 'profile:hz:99 /func == "spin"/ { printf("sampled %s\\n", func) }';
  const child = spawn(process.execPath, [JSPROBE, '-q', '-e', program, '-c', `node ${SPIN} forever`], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // A slice ends about once a second; before, the first came after 15,000 samples' time (2.5 min
  // at 99 Hz), past this test's timeout.
  const sampled = new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('sampled spin\n')) resolve();
    });
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await sampled;
  child.kill('SIGINT');
  assert.equal(await closed, 130, stderr);
});

test('a hot loop that V8 runs as OSR code is charged to its own function in every slice, not to its caller', () => {
  // Three functions, each called anew between 50 ms bursts and entering its loop through OSR code;
  // a slice every 200 ms. When each slice restarted V8's profiler, the new profile could not name
  // OSR code compiled before it began, and charged a function's later bursts to processImmediate:
  // in most runs one of the three or more (a third of all samples or more).
  const r = jsprobe(['-q', '-e', 'profile:hz:99 { @[func] = count() } interval:ms:200 { }', '-c', `node ${OSR} 3000`]);
  assert.equal(r.code, 0, r.stderr);
  const c = counts(r.stdout);
  const spins = ['spinA', 'spinB', 'spinC'].map((f) => c.get(f) ?? 0);
  const all = spins[0] + spins[1] + spins[2];
  // Far below 3 s at 99 Hz (about 300), far above noise.
  assert.ok(all >= 60, r.stdout);
  // Each runs a third of the time: a tenth is generous.
  for (const n of spins) assert.ok(n >= all / 10, r.stdout);
  // The event loop between bursts is a few samples; the callers of a misnamed loop, a third or more.
  assert.ok((c.get('processImmediate') ?? 0) * 5 < all, r.stdout);
});

test('an interval slices the samples: a handler sees them while the program runs, and exit() ends it', () => {
  const program = 'profile:hz:99 /func == "spin"/ { @n = count(); @seen += 1; if (@seen == 20) { exit() } } interval:ms:200 { }';
  const r = jsprobe(['-q', '-e', program, '-c', 'node test/fixtures/attach/spinner.cjs']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Number(/^@n: (\d+)$/m.exec(r.stdout)?.[1]) >= 20, r.stdout);
  // exit() ends the program through process.exit(): with the tick thread's session to the main
  // thread connected then, Node printed "Waiting for the debugger to disconnect..." on its stderr.
  assert.equal(r.stderr, '', r.stderr);
});

test('profile:hz:N needs a program to sample; --dry-run lists it', () => {
  const r = jsprobe(['-e', 'profile:hz:99 { @[func] = count() }']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /profile:hz:N samples a traced program's stacks: add -c 'node app.js' or -p PID/);
  const dry = jsprobe(['--dry-run', '-e', 'profile:hz:99 { @[func] = count() } interval:s:1 { }']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^ {2}interval:s:1\n {2}profile:hz:99\nmaps: @ \(count\)/m, dry.stdout);
  const bad = jsprobe(['-e', 'profile:hz:5000 { }', '-c', 'node x.js']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^1:12: profile:hz:N takes a whole number of samples a second from 1 to 999, not 5000/m);
});
