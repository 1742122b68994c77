// bench:hot's counting rows for two builds of jsprobe in ONE process, their rounds interleaved: a
// before/after comparison that a loaded machine's swings between processes do not swamp.
//
//   node bench/hot-ab.mjs DIR_A DIR_B [ROUNDS]    (each DIR a built checkout: DIR/build/src/index.js)
//
// Prints the ns/call medians and B ÷ A as the median of the rounds' ratios. Run it again with the two
// builds swapped: the build loaded first may differ a little.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirA, dirB, roundsArg] = process.argv.slice(2);
if (dirB === undefined) {
  console.error('usage: node bench/hot-ab.mjs DIR_A DIR_B [ROUNDS]');
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 21);
const CALLS = 2_000_000;

const box = { counted: 0 };
let made = 0;
// Every function here gets unique source: V8 caches `new Function` by source, and closures of one
// cached function share type feedback, which would make one side's sites polymorphic.
const target = () => ({ fn: new Function('a', `return a + 1 // ${++made}`) });
const handler = () => new Function('box', `return () => { box.counted++; } // ${++made}`)(box);
const loopOf = (t) => new Function('t', `return function loop(n) { let s = 0; for (let i = 0; i < n; i++) s += t.fn(i); return s; } // ${++made}`)(t);

const loops = [];
for (const [side, dir] of [['A', dirA], ['B', dirB]]) {
  const api = await import(pathToFileURL(resolve(dir, 'build/src/index.js')).href);
  loops.push([`${side} bare`, loopOf(target())]);
  const e = target();
  api.register({ target: { object: e, key: 'fn' }, onEntry: handler() });
  loops.push([`${side} entry`, loopOf(e)]);
  const r = target();
  api.register({ target: { object: r, key: 'fn' }, onReturn: handler() });
  loops.push([`${side} return`, loopOf(r)]);
}

const nsPerCall = (loop) => {
  const t0 = process.hrtime.bigint();
  loop(CALLS);
  return Number(process.hrtime.bigint() - t0) / CALLS;
};
for (const [, loop] of loops) { nsPerCall(loop); nsPerCall(loop); } // warm-up: optimised before the first sample
const samples = new Map(loops.map(([k]) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, loop] of r % 2 === 0 ? loops : [...loops].reverse()) samples.get(k).push(nsPerCall(loop));
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const kind of ['bare', 'entry', 'return']) {
  const a = samples.get(`A ${kind}`);
  const b = samples.get(`B ${kind}`);
  const ratio = median(b.map((x, i) => x / a[i]));
  console.log(`${kind.padEnd(6)} A ${median(a).toFixed(2)} ns  B ${median(b).toFixed(2)} ns  B ÷ A ${ratio.toFixed(3)}`);
}
if (box.counted === 0) throw new Error('no probe ran');
