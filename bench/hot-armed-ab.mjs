// bench:hot's rows by probes armed (hot-armed.ts) for two builds of jsprobe, their processes
// interleaved: round by round, each count, A then B (B then A on odd rounds), so that a loaded
// machine's swings fall on both builds alike.
//
//   node bench/hot-armed-ab.mjs DIR_A DIR_B [ROUNDS] [COUNTS] [KINDS]
//     (each DIR a built checkout; COUNTS like 1,100,1000,21688; KINDS wrap,load)
//
// Prints, per kind and count, the median ns over bare of a hit on one site, that over the median
// at the first count (× 1 probe's), and B ÷ A as the median of the rounds' ratios.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [dirA, dirB, roundsArg, countsArg, kindsArg] = process.argv.slice(2);
if (dirB === undefined) {
  console.error('usage: node bench/hot-armed-ab.mjs DIR_A DIR_B [ROUNDS] [COUNTS] [KINDS]');
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 5);
const COUNTS = (countsArg ?? '1,100,1000,21688').split(',').map(Number);
const KINDS = (kindsArg ?? 'wrap,load').split(',');
const CALLS = 1_000_000;

const dir = mkdtempSync(join(tmpdir(), 'jsprobe-armed-ab-'));
const file = join(dir, 'armed.cjs');
const bare = join(dir, 'bare.cjs');
const n = Math.max(...COUNTS);
let text = '';
for (let k = 0; k < n; k++) text += `function f${k}(a) { return a + 1 }\n`;
text += `module.exports = { all: [${Array.from({ length: n }, (_, k) => `f${k}`).join(',')}] };\n`;
writeFileSync(file, text);
writeFileSync(bare, text);

function child(build, kind, count) {
  const root = resolve(build);
  const load = kind === 'load';
  const args = [
    ...(load ? ['--import', join(root, 'build/src/register.js')] : []),
    '--expose-gc', join(root, 'build/bench/hot-armed.js'), '--child', String(count), '--calls', String(CALLS),
    ...(load ? ['--load', file, '--bare', bare] : []),
  ];
  const env = load ? { ...process.env, JSPROBE_LOAD_SITES: file, JSPROBE_CACHE: join(dir, `cache-${build === dirA ? 'a' : 'b'}`) } : process.env;
  const c = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 2 ** 24, env });
  if (c.status !== 0) throw new Error(`${build} ${kind} ${count}: exit ${c.status}: ${c.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const r = JSON.parse(c.stdout.trim().split('\n').at(-1));
  return r.one - r.oneBare;
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  for (const kind of KINDS) {
    const over = { A: new Map(COUNTS.map((c) => [c, []])), B: new Map(COUNTS.map((c) => [c, []])) };
    for (let r = 0; r < ROUNDS; r++) {
      for (const count of COUNTS) {
        const order = r % 2 === 0 ? [['A', dirA], ['B', dirB]] : [['B', dirB], ['A', dirA]];
        for (const [side, build] of order) over[side].get(count).push(child(build, kind, count));
        process.stderr.write(`  ${kind}: round ${r + 1}/${ROUNDS}, ${count} probes\r`);
      }
    }
    process.stderr.write('\n');
    console.log(`\n${kind} sites, one site's hit, ns over bare (median of ${ROUNDS} rounds); × 1 probe's; B ÷ A (median of rounds' ratios)`);
    console.log('| probes armed | A ns | A × 1 probe\'s | B ns | B × 1 probe\'s | B ÷ A |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    const a1 = median(over.A.get(COUNTS[0]));
    const b1 = median(over.B.get(COUNTS[0]));
    for (const count of COUNTS) {
      const a = over.A.get(count);
      const b = over.B.get(count);
      const ratio = median(b.map((x, i) => x / a[i]));
      const [ma, mb] = [median(a), median(b)];
      console.log(`| ${count} | ${ma.toFixed(2)} | ${(ma / a1).toFixed(2)} | ${mb.toFixed(2)} | ${(mb / b1).toFixed(2)} | ${ratio.toFixed(3)} |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
