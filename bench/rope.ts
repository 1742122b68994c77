// A probe that reads a long string the program built by `+` (a rope): the program's own time for
// one call of describe(s) with s a fresh 50 M-character rope, alone and under `jsprobe -c` with
// `printf("%s\n", arg0.slice(0, 10))` (bench/rope-target.cjs times each call). --against DIR runs
// another built checkout too (a "before"), in turn with this one each round.
//   npm run build && node build/bench/rope.js [CALLS] [SIZE] [--rounds N] [--against DIR]

import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option, shuffledOrder } from './lib/measure.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const F = 'bench/rope-target.cjs';
const args = process.argv.slice(2);
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1]?.startsWith('--') !== true);
const CALLS = Number(positional[0] ?? 7);
const SIZE = Number(positional[1] ?? 50e6);
const ROUNDS = Number(option('rounds') ?? 3);
const AGAINST = option('against');
const PROGRAM = `fn:${F}:describe { printf("%s\\n", arg0.slice(0, 10)) }`;

/** The program's times for its calls (ms), run alone (`jsprobe` null) or under that build's command. */
function run(jsprobe: string | null): Promise<number[]> {
  const target = [join(ROOT, F), String(CALLS), String(SIZE)];
  const argv = jsprobe === null ? target : [jsprobe, '-q', '-o', '/dev/null', '-e', PROGRAM, '-c', `node ${target.join(' ')}`];
  const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => child.on('close', (code) => {
    const m = /^rope: (\[.*\])$/m.exec(stderr);
    if (m === null) reject(new Error(`exit ${code}, no times: ${stderr}`));
    else resolve(JSON.parse(m[1]) as number[]);
  }));
}

const variants: { name: string; jsprobe: string | null }[] = [
  { name: 'alone', jsprobe: null },
  { name: 'this', jsprobe: join(ROOT, 'build/src/cli/main.js') },
];
if (AGAINST !== undefined) variants.push({ name: 'against', jsprobe: join(resolve(AGAINST), 'build/src/cli/main.js') });
console.log(`${CALLS} calls with a fresh rope of ${SIZE} characters a run, ${ROUNDS} round(s); ${machine()}`);
console.log(`probe: ${PROGRAM}`);
const times = variants.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) {
  for (const v of shuffledOrder(variants.length, round)) {
    const ms = await run(variants[v].jsprobe);
    times[v].push(...ms);
    console.log(`${variants[v].name.padEnd(7)} ${ms.map((x) => fmt(x, 2)).join(' ')} ms`);
  }
}
console.log(`\nthe program's time for one call, median of ${ROUNDS * CALLS} (ms; max in brackets)`);
for (let v = 0; v < variants.length; v++) {
  console.log(`${variants[v].name.padEnd(7)} ${fmt(median(times[v]), 2)} (${fmt(Math.max(...times[v]), 2)})`);
}
