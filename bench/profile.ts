// bench:profile — what profile:hz:99 costs a CPU-bound program (bench/profile-work.cjs, which times
// its own work, wall and CPU time, startup left out). Each round runs, interleaved in one run:
//   traced      jsprobe -c with a program that samples nothing (END {}): the agent's own cost
//   profile     + profile:hz:99 { @[ustack] = count() }: one slice, ended at the program's end
//   sliced      + interval:s:1 { }: a slice a second (each restart of V8's profiler costs)
// Medians of the rounds; overhead is against `traced`. On a shared machine the CPU time (every
// thread of the process) is the steadier figure: wall time also counts waiting for a core.
// `--base DIR` (another build's root, e.g. main's) adds its profile and sliced rows, interleaved
// in the same rounds, as base-profile and base-sliced: an A/B on one loaded machine.
//
//   npm run bench:profile [-- --rounds 7 --n 3000000 --base /path/to/main]

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
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
const BASE = opt('base', '');
const WORK = fileURLToPath(new URL('../../bench/profile-work.cjs', import.meta.url));

const RUNS = {
  traced: 'END { }',
  profile: 'profile:hz:99 { @[ustack] = count() }',
  sliced: 'profile:hz:99 { @[ustack] = count() } interval:s:1 { }',
  'base-profile': 'profile:hz:99 { @[ustack] = count() }',
  'base-sliced': 'profile:hz:99 { @[ustack] = count() } interval:s:1 { }',
} as const;
type Run = keyof typeof RUNS;

function once(run: Run): [number, number] {
  const jsprobe = run.startsWith('base-') ? join(BASE, 'build/src/cli/main.js') : JSPROBE;
  const out = execFileSync(process.execPath, [jsprobe, '-q', '-e', RUNS[run], '-c', `node ${WORK} ${N}`], { encoding: 'utf8' });
  const [wall, cpu] = out.split('\n')[0].split(' ').map(Number);
  return [wall, cpu];
}

const ms = { traced: [], profile: [], sliced: [], 'base-profile': [], 'base-sliced': [] } as Record<Run, number[]>;
const cpu = { traced: [], profile: [], sliced: [], 'base-profile': [], 'base-sliced': [] } as Record<Run, number[]>;
const runs = (Object.keys(RUNS) as Run[]).filter((r) => BASE !== '' || !r.startsWith('base-'));
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
    console.log(`  ${what} ${run.padEnd(12)} ${m.toFixed(1).padStart(8)} ms  ${overhead.padStart(6)}  [${xs[run].join(', ')}]`);
  }
};
row('wall', ms);
row('cpu ', cpu);
