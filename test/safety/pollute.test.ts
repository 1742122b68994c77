// A traced program whose Object.prototype is polluted, as by a dependency that merged untrusted
// JSON into it: a function at every property name jsprobe's agent and runtime read
// (test/fixtures/safety/pollute/pollute.cjs). An object of jsprobe's that lacks such a property
// would find the program's function there: jsprobe must neither call it nor take it for its own
// (an optional field, a result's `error`, a message's kind), so the trace prints what it prints
// unpolluted, in the program's main thread, in a worker thread's and in a child process's; and
// `jsprobe -p`, whose runtime loads into the running program after the pollution, traces it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsprobe, ROOT } from '../cli/run.js';
import { tracked } from '../cli/tracked.js';
import { attach } from '../attach/procs.js';

const F = 'test/fixtures/safety/pollute/prog.cjs';
const LAZY = 'test/fixtures/safety/pollute/lazy.cjs';
const PROGRAM = `
fn:${F}:work {
  @c[arg1] = count(); @t[arg1, arg0] = sum(arg0); @s = stats(arg0); @l = lhist(arg0, 0, 10, 1); @hh = hist(arg0); printf("%s %d %s\\n", arg1, arg0, args)
}
fnret:${F}:work { @r[retval.name] = count(); printf("ret %s %s\\n", retval, ustack(2)); @last = retval; @mn = min(retval.n); @av = avg(retval.n) }
fnret:${F}:later { @h = count(); @v = max(retval) }
fn:${F}:gen, fnret:${F}:gen { @g[probe] = count() }
fnret:${LAZY}:lazyWork { @lz[retval] = count(); printf("lazy %s %s\\n", retval, ustack(1)) }
interval:ms:100 { @ticks = count() }
END { print(@t, 3); printf("end\\n") }`;

interface Run { lines: string[]; stderr: string; code: number | null; called: string[] }

function run(how: string, pollute: boolean, program = PROGRAM, flags: string[] = []): Run {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-pollute-'));
  const out = join(dir, 'called.txt');
  try {
    const r = jsprobe([...flags, '-e', program, '-c', `node ${F} ${how}`], 120_000, { POLLUTE: pollute ? '1' : '0', POLLUTE_OUT: out });
    let called: string[] = [];
    try {
      called = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    } catch {
      // No call was noted: the file was never written.
    }
    // The interval's count depends on how long the run took; the threads' lines interleave as they come.
    const lines = r.stdout.split('\n').filter((l) => !l.startsWith('@ticks')).sort();
    return { lines, stderr: r.stderr, code: r.code, called };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const how of ['main', 'worker', 'child']) {
  const where = { main: 'the main thread', worker: 'a worker thread', child: 'a child process' }[how];
  test(`Object.prototype polluted at every name jsprobe reads (${where}): the same trace, no call of the program's`, () => {
    const clean = run(how, false);
    const polluted = run(how, true);
    assert.equal(clean.code, 0, clean.stderr);
    assert.equal(polluted.code, 0, polluted.stderr);
    assert.deepEqual(polluted.called, [], `jsprobe called the program's functions:\n${polluted.called.join('\n')}`);
    // Past a second the program has not started, jsprobe says so (on a busy machine, polluted or not): a progress line, no complaint.
    const said = polluted.stderr.replace(/^jsprobe: starting .* and attaching \d+ probe\(s\)…\n/m, '');
    assert.doesNotMatch(said, /threw|jsprobe:/, polluted.stderr);
    // Not vacuous: the clean run counted the calls of each thread or process that made them, the
    // polluted one's among them (the worker's `t`, the child's `kid`).
    const polluter = { main: 'm', worker: 't', child: 'kid' }[how];
    for (const line of [`@r[g]: ${how === 'worker' ? 20 : 10}`, `@lz[${polluter}2]: 1`]) {
      assert.ok(clean.lines.includes(line), `no '${line}' in:\n${clean.lines.join('\n')}`);
    }
    assert.deepEqual(polluted.lines, clean.lines);
  });
}

// A worker alive at the main thread's exit is asked for its maps by a request with no `only` (the
// list a terminate()'s request names): until 2026-12 the worker read the program's `only` from
// Object.prototype, took the request for another worker's and never answered, and the exit
// waited its whole second to say the worker "did not answer".
test('Object.prototype polluted in a worker alive at exit: it answers for its maps at once', () => {
  const IDLE = 'test/fixtures/safety/pollute/idle-worker.cjs';
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-pollute-'));
  try {
    const out = join(dir, 'called.txt');
    // A bound far above an idle worker's answer, for a busy machine: the worker that never answers makes the run this long.
    const env = { POLLUTE: '1', POLLUTE_OUT: out, JSPROBE_FLUSH_MS: '20000' };
    const r = jsprobe(['-q', '-e', `fn:${IDLE}:work { @n = count() }`, '-c', `node ${IDLE}`], 120_000, env);
    const detail = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    assert.equal(r.code, 0, detail);
    assert.equal(r.stdout, '@n: 5\n\n', detail);
    assert.doesNotMatch(r.stderr, /did not answer/, detail);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// What a handler does to its maps in the program: delete() and clear() give back what an entry
// holds (an aggregation's `release`, which count, sum, hist, lhist and stats have and the others
// lack), and print() in JSON carries a histogram's percentiles (which only hist and lhist have).
const MAPS = `
fn:${F}:work { @c[arg1] = count(); @mx[arg0] = max(arg0); @a[arg0 % 2] = avg(arg0); @s = stats(arg0); @h = hist(arg0); @v[arg1] = arg0 }
fnret:${F}:later /retval == 8/ {
  delete(@c["g"]); delete(@mx[1]); delete(@a[0]); delete(@v["g"]);
  print(@c); print(@mx, 2); print(@a); print(@s); print(@h); print(@v);
  clear(@mx); clear(@a); clear(@v); clear(@s); clear(@c); print(@a)
}`;

for (const format of ['text', 'json']) {
  test(`Object.prototype polluted: delete(), clear() and print() in a handler (-f ${format}), the same output, no call of the program's`, () => {
    const clean = run('main', false, MAPS, ['-f', format]);
    const polluted = run('main', true, MAPS, ['-f', format]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.equal(polluted.code, 0, polluted.stderr);
    assert.deepEqual(polluted.called, [], `jsprobe called the program's functions:\n${polluted.called.join('\n')}`);
    // Not vacuous: the handler printed its maps, a deletion seen in them.
    assert.ok(clean.lines.some((l) => /@h/.test(l)), clean.lines.join('\n'));
    assert.ok(!clean.lines.some((l) => /@c\[g\]|"g":/.test(l)), clean.lines.join('\n'));
    assert.deepEqual(polluted.lines, clean.lines);
  });
}

const SERVED = 'test/fixtures/safety/pollute/served.cjs';

/** served.cjs started, polluted, with `env`; resolves to it and its pid once it runs. */
async function served(env: Record<string, string>): Promise<{ target: ReturnType<typeof spawn>; pid: number }> {
  const target = tracked(spawn(process.execPath, [SERVED], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const pid = await new Promise<number>((resolve, reject) => {
    let text = '';
    target.stdout!.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      const m = /^ready (\d+)$/m.exec(text);
      if (m !== null) resolve(Number(m[1]));
    });
    target.once('exit', () => reject(new Error('the target ended')));
  });
  return { target, pid };
}

test('Object.prototype polluted before jsprobe -p attaches: the probes are placed, hit, and print what the program did', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-pollute-'));
  const out = join(dir, 'called.txt');
  const { target, pid } = await served({ POLLUTE_OUT: out });
  try {
    const run = attach(pid, `fn:${SERVED}:work { @c = count(); @s = stats(arg0) }
fnret:${SERVED}:work { @r[retval.name] = count(); printf("%s\\n", ustack(1)) }
interval:ms:600 { exit() }`);
    const code = await run.done;
    assert.equal(code, 0, run.err());
    assert.doesNotMatch(run.err(), /threw|matches nothing|no probe attached/, run.err());
    // Nor printed one as what it has to say of a probe (a ProbeInfo's `note`, when it has none).
    assert.doesNotMatch(run.err(), /function \(\)/, run.err());
    let called = '';
    try {
      called = readFileSync(out, 'utf8');
    } catch {
      // Never written: nothing was called.
    }
    assert.equal(called, '', `jsprobe called the program's functions:\n${called}`);
    const text = run.out();
    const calls = Number(/^@c: (\d+)$/m.exec(text)?.[1]);
    assert.ok(calls > 0, text);
    // Each return printed the program's own frame, and counted by the name it returned.
    assert.match(text, new RegExp(`^\\s+work \\(${join(ROOT, SERVED).replace(/[.]/g, '\\.')}:\\d+:\\d+\\)$`, 'm'));
    assert.doesNotMatch(text, /function \(\)/);
    assert.match(text, /^@r\[w[012]\]: \d+$/m);
    assert.match(text, /^@s: count \d+, average/m);
  } finally {
    target.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an `id` on Object.prototype, which Node's inspector session reads: jsprobe -p says so, and exits 1", async () => {
  const { target, pid } = await served({ POLLUTE_ID: '1' });
  try {
    const run = attach(pid, `fn:${SERVED}:work { @c = count() }`);
    await assert.rejects(run.attached, /ended before attaching/);
    const code = await run.done;
    assert.equal(code, 1, run.err());
    assert.match(run.err(), new RegExp(`^jsprobe: process ${pid}: its program has put an \`id\` on Object.prototype`, 'm'));
  } finally {
    target.kill('SIGKILL');
  }
});

test("jsprobe's link between threads, in a program with `capture`, `once` and `source` on Object.prototype: every hello heard, the program alive", () => {
  const link = join(ROOT, 'build/src/threads/link.js');
  const r = spawnSync(process.execPath, ['test/fixtures/safety/pollute/link.mjs', link], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'hellos 2\n', r.stderr);
});
