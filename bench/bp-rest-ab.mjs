// What `jsprobe -p` costs a service whose probed function is hot, for two builds of jsprobe and
// none, taken in turn each round (none, A, B): test/fixtures/attach/hot-loop.cjs (tick() called N
// times in one synchronous loop, as a request handler would) is attached with
// `fn:…:tick { @n = count() }` on a breakpoint site (JSPROBE_LIVE_EDIT=0, as Node 24 and 26 are
// by default), and runs three loops: at once, again at once, and again after 1.5 s.
//
//   node bench/bp-rest-ab.mjs DIR_A DIR_B [N] [ROUNDS] [N_A]   (each DIR a built checkout)
//
// N_A: the loop's length for A (a build where each call pays the breakpoint takes minutes at N).
// Prints each loop's time (ms), medians per build and loop, and the command's counts and misses.

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const [dirA, dirB, nArg, roundsArg, naArg] = process.argv.slice(2);
if (dirB === undefined) {
  console.error('usage: node bench/bp-rest-ab.mjs DIR_A DIR_B [N] [ROUNDS] [N_A]');
  process.exit(2);
}
const N = Number(nArg ?? 100000);
const ROUNDS = Number(roundsArg ?? 3);
const N_A = Number(naArg ?? N);
const FIXTURE = resolve('test/fixtures/attach/hot-loop.cjs');

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/** Lines of `stream` as they come; `next(re)` resolves with the first match from now on. */
function lines(stream) {
  let text = '';
  const waiters = [];
  stream.setEncoding('utf8').on('data', (d) => {
    text += d;
    for (const w of [...waiters]) {
      const m = w.re.exec(text.slice(w.from));
      if (m !== null) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  return {
    all: () => text,
    next: (re) => new Promise((resolve) => waiters.push({ re, from: text.length, resolve })),
  };
}

async function run(dir, n) {
  const svc = spawn(process.execPath, [FIXTURE], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, JSPROBE_LIVE_EDIT: '0' } });
  const out = lines(svc.stdout);
  await out.next(/\n/);
  let cli = null;
  let err = null;
  if (dir !== null) {
    cli = spawn(process.execPath, [resolve(dir, 'build/src/cli/main.cjs'), '-p', String(svc.pid), '-e', `fn:${FIXTURE}:tick { @n = count() }`],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    err = lines(cli.stderr);
    await err.next(/Attached to/);
  }
  const loop = async () => {
    const done = out.next(/done \d+ ([\d.]+)\n/);
    svc.stdin.write(`go ${n}\n`);
    return Number((await done)[1]);
  };
  const ms = [await loop(), await loop()];
  await wait(1500);
  ms.push(await loop());
  let said = '';
  if (cli !== null) {
    const stdout = lines(cli.stdout);
    const ended = new Promise((r) => cli.once('exit', r));
    cli.kill('SIGINT');
    await ended;
    said = `${stdout.all().trim()} | ${err.all().split('\n').filter((l) => /hits? missed/.test(l)).join(' | ')}`;
  }
  svc.kill();
  return { ms, said };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { none: [], A: [], B: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, dir, n] of [['none', null, N], ['A', dirA, N_A], ['B', dirB, N]]) {
    const { ms, said } = await run(dir, n);
    results[name].push(ms);
    console.log(`round ${r + 1} ${name} (n=${n}): ${ms.map((m) => m.toFixed(1)).join(', ')} ms${said === '' ? '' : `  ${said}`}`);
  }
}
for (const [name, rows] of Object.entries(results)) {
  const med = [0, 1, 2].map((i) => median(rows.map((row) => row[i])).toFixed(1));
  console.log(`${name}: median ms, first loop ${med[0]}, second at once ${med[1]}, third after 1.5 s ${med[2]}`);
}
