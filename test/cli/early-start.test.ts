// A `-c` program started before its check (docs/cli.md, "When start-up matters"): node's boot in
// the program runs beside the command's check, the program itself waits at the gate until the
// check is done, and never runs when the check fails. Whether it was started early is read from
// the environment it was started with (/proc/self/environ), where the gate's variable is; the
// agent has taken it out of process.env before the program's first line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsprobe, ROOT } from './run.js';

const APP = 'test/fixtures/cli/early.cjs';
const COUNT = `fn:${APP}:f { @f = count() }`;

/** Whether process `pid` runs (a zombie does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

function scratch(): { dir: string; marker: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-early-'));
  return { dir, marker: join(dir, 'ran'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a plain -c run starts node before its check, and the program runs once the gate opens', () => {
  const s = scratch();
  try {
    const r = jsprobe(['-q', '-f', 'json', '--max-strlen', '64', '-e', COUNT, '-c', `node ${APP} ${s.marker}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^gate at start: true; in process\.env: false$/m);
    assert.match(r.stdout, /"@f"/);
    assert.match(r.stdout, /\b3\b/);
    assert.ok(existsSync(s.marker));
  } finally {
    s.done();
  }
});

for (const [what, program, message] of [
  ['a target that matches nothing', `fn:${APP}:nope { @n = count() }`, /nothing matches .*early\.cjs:nope/],
  ['a program that does not compile', `fn:${APP}:f { @n = count( }`, /expected an expression/],
] as const) {
  test(`${what}: exit 2, and the program started early never runs`, () => {
    const s = scratch();
    try {
      const r = jsprobe(['-q', '-e', program, '-c', `node ${APP} ${s.marker}`]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
      assert.ok(!existsSync(s.marker), 'the program ran');
    } finally {
      s.done();
    }
  });
}

test('a program file and a verb start early too; a profile: probe starts after its check', () => {
  const s = scratch();
  try {
    const file = join(s.dir, 'count.bt');
    writeFileSync(file, `${COUNT}\n`);
    const fromFile = jsprobe(['-q', file, '-c', `node ${APP}`]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.match(fromFile.stdout, /^gate at start: true; in process\.env: false$/m);
    assert.match(fromFile.stdout, /^@f: 3$/m);
    const verb = jsprobe(['watch', `${APP}:f`, '-n', '1', '-q', '-c', `node ${APP}`]);
    assert.equal(verb.code, 0, verb.stderr);
    assert.match(verb.stdout, /^gate at start: true; in process\.env: false$/m);
    assert.match(verb.stdout, / f\(0\) = 1 /);
    const profile = jsprobe(['-q', '-e', `profile:hz:99 { @p = count() } ${COUNT}`, '-c', `node ${APP}`]);
    assert.equal(profile.code, 0, profile.stderr);
    assert.match(profile.stdout, /^gate at start: false; in process\.env: false$/m);
    assert.match(profile.stdout, /^@f: 3$/m);
  } finally {
    s.done();
  }
});

test('a node started early is killed at its gate when the checked environment is not the one it was started with, or on abort', async () => {
  const s = scratch();
  try {
    const { earlySpawn } = await import('../../src/cli/early-spawn.js');
    const { nodeOptions } = await import('../../src/cli/node-options.js');
    const argv = [process.execPath, join(ROOT, APP), s.marker];
    const command = argv.map((a) => `'${a}'`).join(' ');
    const early = earlySpawn(['-e', COUNT, '-c', command]);
    assert.ok(early !== undefined, 'not started early');
    const other = { ...process.env, NODE_OPTIONS: `${nodeOptions(argv, true).value}` };
    assert.equal(early.take(argv, other), undefined);
    const aborted = earlySpawn(['-e', COUNT, '-c', command]);
    assert.ok(aborted !== undefined, 'not started early');
    aborted.abort();
    // Both killed at their gates: gone, or a zombie, within a bound far above what it takes.
    for (const pid of [early.pid!, aborted.pid!]) {
      const end = Date.now() + 60_000;
      while (Date.now() < end && alive(pid)) await new Promise((r) => setTimeout(r, 10));
      assert.ok(!alive(pid), `process ${pid} still runs`);
    }
    // A matching environment opens the gate: with no program in it, the agent leaves the program untraced, and it runs.
    const kept = earlySpawn(['-e', COUNT, '-c', command]);
    assert.ok(kept !== undefined, 'not started early');
    const child = kept.take(argv, { ...process.env, NODE_OPTIONS: nodeOptions(argv, false).value, JSPROBE_COMMAND_PID: String(process.pid) });
    assert.ok(child !== undefined, 'the matching environment was refused');
    const [code] = await once(child, 'exit') as [number | null];
    assert.equal(code, 0);
    assert.ok(existsSync(s.marker), 'the program did not run once its gate opened');
  } finally {
    s.done();
  }
});

test('JSPROBE_EARLY=0, and a command that is not node, start the program after its check', () => {
  const off = jsprobe(['-q', '-e', COUNT, '-c', `node ${APP}`], 120_000, { JSPROBE_EARLY: '0' });
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stdout, /^gate at start: false; in process\.env: false$/m);
  assert.match(off.stdout, /^@f: 3$/m);
  const shell = jsprobe(['-q', '-e', COUNT, '-c', `sh -c "node ${APP}"`]);
  assert.equal(shell.code, 0, shell.stderr);
  assert.match(shell.stdout, /^gate at start: false; in process\.env: false$/m);
  assert.match(shell.stdout, /^@f: 3$/m);
});

test('node behind a shim that starts it as a child reads the gate from the pipe it inherits, and is traced', () => {
  const s = scratch();
  try {
    const shim = join(s.dir, 'node');
    writeFileSync(shim, `#!/bin/sh\n"${process.execPath}" "$@"\n`);
    chmodSync(shim, 0o755);
    const r = jsprobe(['-q', '-e', COUNT, '-c', `${shim} ${APP}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^gate at start: true; in process\.env: false$/m);
    assert.match(r.stdout, /^@f: 3$/m);
  } finally {
    s.done();
  }
});

test('a process at the gate whose command has gone ends before the program runs, and says why', async () => {
  const s = scratch();
  try {
    const child = spawn(process.execPath, [APP, s.marker], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_OPTIONS: `--require=${join(ROOT, 'build/src/agent-bundle/agent.cjs')}`,
        JSPROBE_GATE: '1',
        JSPROBE_CONTROL_FD: '4',
        JSPROBE_COMMAND_PID: String(process.pid),
      },
    });
    // The gate's pipe ends before anything is written on it: the command's end closed.
    child.stdio[4]!.destroy();
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout!.resume();
    const [code] = await once(child, 'close') as [number | null];
    assert.equal(code, 2, stderr);
    assert.match(stderr, /cannot read the command's message on its control pipe/);
    assert.ok(!existsSync(s.marker), 'the program ran');
  } finally {
    s.done();
  }
});
