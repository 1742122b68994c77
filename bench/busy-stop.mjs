// Ctrl-C of a busy program under `jsprobe -c`, for two builds, their runs interleaved: the time from
// SIGINT to jsprobe's exit (jsprobe reaches the busy thread through the inspector it opens on a port
// of the program's choosing), and for the service fixture how many connections its own HTTP port got
// meanwhile (jsprobe must send it none).
//
//   node bench/busy-stop.mjs DIR_A DIR_B [ROUNDS]    (each DIR a built checkout: DIR/build/src/cli/main.js)
//
// Two fixtures: test/fixtures/cli/busy-server.cjs, a service that spins and handles SIGINT itself,
// and test/fixtures/cli/busy-own-inspector.cjs, one that opened its own inspector (inspector.open(0))
// before it spins. Prints each run, then the medians.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [dirA, dirB, roundsArg] = process.argv.slice(2);
if (dirB === undefined) {
  console.error('usage: node bench/busy-stop.mjs DIR_A DIR_B [ROUNDS]');
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 4);
const ROOT = resolve(new URL('..', import.meta.url).pathname);
const FIXTURES = ['test/fixtures/cli/busy-server.cjs', 'test/fixtures/cli/busy-own-inspector.cjs'];

/** One Ctrl-C: ms from SIGINT to jsprobe's exit, and the service's count of connections (or null). */
async function once(dir, fixture) {
  const go = join(mkdtempSync(join(tmpdir(), 'jsprobe-busy-stop-')), 'go');
  const main = join(resolve(dir), 'build/src/cli/main.js');
  const child = spawn(process.execPath, [main, '-q', '-e', `fn:${fixture}:work { @s = count() }`, '-c', `node ${fixture} ${go}`], { cwd: ROOT });
  let err = '';
  const closed = new Promise((done) => child.once('close', done));
  child.stdout.resume();
  await new Promise((done) => child.stderr.setEncoding('utf8').on('data', (d) => {
    err += d;
    if (/spinning/.test(err)) done();
  }));
  const t0 = performance.now();
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGINT');
  await exited;
  const ms = performance.now() - t0;
  writeFileSync(go, '');
  await closed;
  const conns = /connections before mine: (\d+)/.exec(err);
  return { ms, conns: conns === null ? null : Number(conns[1]) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = new Map();
for (let r = 0; r < ROUNDS; r++) {
  for (const fixture of FIXTURES) {
    // Interleaved, the order swapped each round.
    for (const [name, dir] of r % 2 === 0 ? [['A', dirA], ['B', dirB]] : [['B', dirB], ['A', dirA]]) {
      const { ms, conns } = await once(dir, fixture);
      const key = `${fixture} ${name}`;
      results.set(key, [...(results.get(key) ?? []), ms]);
      console.log(`round ${r + 1} ${key}: ${ms.toFixed(0)} ms${conns === null ? '' : `, ${conns} connection(s) to its port`}`);
    }
  }
}
for (const fixture of FIXTURES) {
  const a = median(results.get(`${fixture} A`));
  const b = median(results.get(`${fixture} B`));
  console.log(`${fixture}: A ${a.toFixed(0)} ms, B ${b.toFixed(0)} ms (median of ${ROUNDS}), B ÷ A ${(b / a).toFixed(2)}`);
}
