// A breakpoint site's cost per call (a counting return probe: two conditional breakpoints a call)
// for two builds of jsprobe, in child processes taken in turn (A, B, B, A, …): their figures
// compare round by round on a loaded machine, where one process's figure alone would not.
//
//   node bench/breakpoint-ab.mjs DIR_A DIR_B [ROUNDS]    (each DIR a built checkout)
//
// Prints the µs/call medians and B ÷ A as the median of the rounds' ratios.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirA, dirB, roundsArg] = process.argv.slice(2);
if (dirB === undefined) {
  console.error('usage: node bench/breakpoint-ab.mjs DIR_A DIR_B [ROUNDS]');
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 9);
const CALLS = 2000;

const child = (dir) => `
const api = await import(${JSON.stringify(pathToFileURL(resolve(dir, 'build/src/index.js')).href)});
const t = (await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(resolve('bench/breakpoint-target.cjs'))});
let n = 0;
api.register({ target: t.fn, site: 'breakpoint', onReturn: () => void n++ });
for (let i = 0; i < 200; i++) t.fn(i);
const t0 = process.hrtime.bigint();
for (let i = 0; i < ${CALLS}; i++) t.fn(i);
const us = Number(process.hrtime.bigint() - t0) / 1e3 / ${CALLS};
if (n !== ${CALLS} + 200) throw new Error('hits ' + n);
console.log(us);
`;

const run = (dir) => {
  // Past JSPROBE_BREAKPOINT_RATE hits a second (1000 by default), or JSPROBE_BREAKPOINT_BUDGET_MS
  // of the thread's time (50), a breakpoint site counts the hit missed and rests.
  const env = { ...process.env, JSPROBE_BREAKPOINT_RATE: '1000000', JSPROBE_BREAKPOINT_BUDGET_MS: '1000000' };
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child(dir)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout);
};
const a = [];
const b = [];
for (let i = 0; i < ROUNDS; i++) {
  if (i % 2 === 0) {
    a.push(run(dirA));
    b.push(run(dirB));
  } else {
    b.push(run(dirB));
    a.push(run(dirA));
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const ratio = median(b.map((x, i) => x / a[i]));
console.log(`breakpoint return probe: A ${median(a).toFixed(1)} µs/call  B ${median(b).toFixed(1)} µs/call  B ÷ A ${ratio.toFixed(3)}`);
