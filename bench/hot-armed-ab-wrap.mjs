// One wrap site's hit with N probes armed, for two builds of jsprobe in ONE process, their timings
// interleaved (as hot-ab.mjs does for a lone probe): each build arms N counting return probes whose
// handlers are closures of one literal, one per function, hits every probe once, then the hits of
// the first function are timed, A and B by turns. A loaded machine's swings fall on both alike;
// the ratio to one probe's hit needs a process per count (hot-armed-ab.mjs).
//
//   node bench/hot-armed-ab-wrap.mjs DIR_A DIR_B N [ROUNDS]    (each DIR a built checkout)

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirA, dirB, nArg, roundsArg] = process.argv.slice(2);
if (nArg === undefined) {
  console.error('usage: node bench/hot-armed-ab-wrap.mjs DIR_A DIR_B N [ROUNDS]');
  process.exit(2);
}
const N = Number(nArg);
const ROUNDS = Number(roundsArg ?? 21);
const CALLS = 1_000_000;

let made = 0;
// Unique sources: V8 caches `new Function` by source, and closures of one cached function share
// feedback, which would mix the two builds' handlers and loops.
const fn = () => new Function('a', `return a + 1 // ${++made}`);
const loopOf = (t) => new Function('t', `return function loop(n) { let s = 0; for (let i = 0; i < n; i++) s += t.fn(i); return s; } // ${++made}`)(t);

const loops = [];
let total = 0;
for (const [side, dir] of [['A', dirA], ['B', dirB]]) {
  const api = await import(pathToFileURL(resolve(dir, 'build/src/index.js')).href);
  const counts = new Float64Array(N);
  // One literal per build, N closures of it: probes registered in a loop, as bench/hot-armed.ts does.
  const handlerOf = new Function('counts', `return (k) => () => { counts[k]++; } // ${++made}`)(counts);
  const targets = Array.from({ length: N }, () => ({ fn: fn() }));
  for (let k = 0; k < N; k++) api.register({ target: { object: targets[k], key: 'fn' }, onReturn: handlerOf(k) });
  for (let k = 0; k < N; k++) targets[k].fn(k);
  loops.push([`${side} one`, loopOf(targets[0]), counts], [`${side} bare`, loopOf({ fn: fn() }), null]);
}

const nsPerCall = (loop) => {
  const t0 = process.hrtime.bigint();
  total += loop(CALLS);
  return Number(process.hrtime.bigint() - t0) / CALLS;
};
for (const [, loop] of loops) { nsPerCall(loop); nsPerCall(loop); }
const samples = new Map(loops.map(([k]) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, loop] of r % 2 === 0 ? loops : [...loops].reverse()) samples.get(k).push(nsPerCall(loop));
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const over = (side) => samples.get(`${side} one`).map((x, i) => x - samples.get(`${side} bare`)[i]);
const [a, b] = [over('A'), over('B')];
console.log(`N=${N}: one site, ns over bare: A ${median(a).toFixed(2)}  B ${median(b).toFixed(2)}  B ÷ A ${median(b.map((x, i) => x / a[i])).toFixed(3)}`);
if (total === 0 || loops.some(([, , c]) => c !== null && c[0] === 0)) throw new Error('no probe ran');
