// bench:profile — what profile:hz:99 costs a CPU-bound program (bench/profile-work.cjs, which times
// its own work, wall and CPU time, startup left out). Each round runs, interleaved in one run:
//   traced      jsprobe -c with a program that samples nothing (END {}): the agent's own cost
//   profile     + profile:hz:99 { @[ustack] = count() }: one slice, ended at the program's end
//   sliced      + interval:s:1 { }: a slice a second (each restart of V8's profiler costs)
// Medians of the rounds; overhead is against `traced`. On a shared machine the CPU time (every
// thread of the process) is the steadier figure: wall time also counts waiting for a core.
//
//   npm run bench:profile [-- --rounds 7 --n 3000000]

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machine, median } from './lib/measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', '7'));
const N = opt('n', '3000000');
const JSPROBE = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const WORK = fileURLToPath(new URL('../../bench/profile-work.cjs', import.meta.url));

const RUNS = {
  traced: 'END { }',
  profile: 'profile:hz:99 { @[ustack] = count() }',
  sliced: 'profile:hz:99 { @[ustack] = count() } interval:s:1 { }',
} as const;
type Run = keyof typeof RUNS;

function once(run: Run): [number, number] {
  const out = execFileSync(process.execPath, [JSPROBE, '-q', '-e', RUNS[run], '-c', `node ${WORK} ${N}`], { encoding: 'utf8' });
  const [wall, cpu] = out.split('\n')[0].split(' ').map(Number);
  return [wall, cpu];
}

const ms: Record<Run, number[]> = { traced: [], profile: [], sliced: [] };
const cpu: Record<Run, number[]> = { traced: [], profile: [], sliced: [] };
const runs = Object.keys(RUNS) as Run[];
for (let r = 0; r < ROUNDS; r++) {
  // Rotated each round: no run always goes first.
  for (let i = 0; i < runs.length; i++) {
    const run = runs[(i + r) % runs.length];
    const [w, c] = once(run);
    ms[run].push(w);
    cpu[run].push(c);
  }
}
console.log(machine());
console.log(`work(${N}), ${ROUNDS} rounds, medians (overhead against traced):`);
const row = (what: string, xs: Record<Run, number[]>): void => {
  const base = median(xs.traced);
  for (const run of runs) {
    const m = median(xs[run]);
    const overhead = run === 'traced' ? '' : `${(((m - base) / base) * 100).toFixed(1)}%`;
    console.log(`  ${what} ${run.padEnd(8)} ${m.toFixed(1).padStart(8)} ms  ${overhead.padStart(6)}  [${xs[run].join(', ')}]`);
  }
};
row('wall', ms);
row('cpu ', cpu);
