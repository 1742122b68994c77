// Output under `jsprobe -c` never holds the traced program: a reader that does not read makes
// jsprobe drop whole events and count them ("Lost N events"), and what was printed plus what was
// lost is every event, exactly. END's output and the maps always get through.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSPROBE, ROOT, jsprobe } from '../cli/run.js';

const F = 'test/fixtures/safety/flood.cjs';
const PRINT = `fn:${F}:emit { printf("e%d %s\\n", arg0, arg1); @n = count() }`;

/** The sum of every "Lost N events" line. */
function lostIn(stderr: string): number {
  let n = 0;
  for (const m of stderr.matchAll(/^Lost (\d+) events$/gm)) n += Number(m[1]);
  return n;
}

/** The event numbers printed, checking that each line is whole and that they come in order. */
function printed(stdout: string, size: number): number[] {
  const seen: number[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^e(\d+) (x+)$/.exec(line);
    if (m === null) continue;
    assert.equal(m[2].length, size, `line e${m[1]} is cut`);
    const i = Number(m[1]);
    assert.ok(seen.length === 0 || i > seen[seen.length - 1], `e${i} out of order`);
    seen.push(i);
  }
  return seen;
}

test('1 GB of printf, its reader holding the pipe: the program runs free, drops are counted exactly, the maps arrive', { timeout: 300_000 }, async () => {
  const COUNT = 1000;
  const SIZE = 1 << 20;
  const args = [JSPROBE, '-q', '--max-strlen', String(SIZE), '-e', PRINT, '-c', `node ${F} ${COUNT} ${SIZE} wait`];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8');
  // stdout is not read until the program says it has made every call: had it waited on its output,
  // it would never say so (and the test would time out).
  child.stderr.on('data', (d: string) => {
    stderr += d;
    if (!stderr.includes(`flood: done ${COUNT} `) || child.stdout.listenerCount('data') > 0) return;
    child.stdout.setEncoding('utf8').on('data', (o: string) => (stdout += o));
    child.stdin.write('go\n');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  const detail = `stderr:\n${stderr}\nstdout (start):\n${stdout.slice(0, 300)}`;
  assert.equal(code, 7, detail);
  // jsprobe's "Lost N events" reports may come between the program's two lines (when its timer
  // fires before the test says go, as on a loaded machine): the order is what matters.
  const done = stderr.search(/^flood: done 1000 in \d+ ms, \d+ ticks$/m);
  assert.ok(done >= 0 && done < stderr.search(/^flood: bye$/m), detail);
  const lines = printed(stdout, SIZE);
  const lost = lostIn(stderr);
  // The held pipes hold a few megabytes of a gigabyte: most of it was dropped.
  assert.ok(lost > COUNT / 2, detail);
  assert.equal(lines.length + lost, COUNT, detail);
  // END's maps come after every event, whole: the count of calls is every call, lost or not.
  assert.match(stdout, /\n@n: 1000\n\n$/, detail);
});

test('a reader that keeps up loses nothing', () => {
  // Under the 1 MiB that spawnSync keeps of a child's stdout.
  const COUNT = 5000;
  const r = jsprobe(['-q', '-e', PRINT, '-c', `node ${F} ${COUNT} 100`]);
  const detail = `stderr:\n${r.stderr}`;
  assert.equal(r.code, 7, detail);
  assert.doesNotMatch(r.stderr, /Lost|lost/, detail);
  assert.equal(printed(r.stdout, 100).length, COUNT, detail);
  assert.match(r.stdout, /\n@n: 5000\n\n$/, detail);
});

test('-o FILE with a worker thread whose ring overflows: its drops count in Lost N events, and say which thread', () => {
  const COUNT = 20_000;
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-out-'));
  const file = join(dir, 'trace.txt');
  const r = jsprobe(['-q', '--max-strlen', '10000', '-o', file, '-e', PRINT, '-c', `node ${F} ${COUNT} 10000 worker`]);
  const out = readFileSync(file, 'utf8');
  rmSync(dir, { recursive: true });
  const detail = `stderr:\n${r.stderr}`;
  assert.equal(r.code, 7, detail);
  assert.match(r.stderr, /^flood: worker done 20000$/m, detail);
  const lost = lostIn(r.stderr);
  // The main thread did not drain the worker's 1 MiB ring while the worker made 200 MB of events.
  assert.ok(lost > 0, detail);
  assert.match(r.stderr, /^jsprobe: \d+ of the lost events were in worker thread \(tid \d+\): its ring was full$/m, detail);
  assert.equal(r.stdout, '');
  assert.equal(printed(out, 10000).length + lost, COUNT, detail);
  assert.match(out, /\n@n: 20000\n\n$/, detail);
});
