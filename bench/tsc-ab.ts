// bench:tsc for two builds of jsprobe side by side: is a change to the load sites faster or
// slower? On this VM the level of one configuration moves by several percent between runs, so a
// site form can only be compared with another in the same run, interleaved. Each round runs
// unprobed (U), build A's sites and build B's sites (the `cached` configuration: every function of
// typescript.js has a disarmed site, rewrite read from the disk cache), in rotating order.
//
//   node build/bench/tsc-ab.js --a /path/to/checkoutA --b /path/to/checkoutB [--rounds 9]
// Each checkout must be built (npm ci && npm run build); unprobed runs from A.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fmt, machine, median, option } from './lib/measure.js';
import type { WorkerResult } from './tsc-worker.js';

const opt = option;
const ROUNDS = Number(opt('rounds') ?? 9);
const ITERATIONS = Number(opt('iterations') ?? 7);
const WARMUP = Number(opt('warmup') ?? 3);
const NODE_ARGS = (opt('node-args') ?? '--initial-old-space-size=2048 --max-semi-space-size=64').split(/\s+/).filter(Boolean);
const A = opt('a');
const B = opt('b');

type Arm = 'U' | 'A' | 'B';

function worker(dir: string, config: 'unprobed' | 'cached', cache: string): WorkerResult {
  const ts = join(dir, 'node_modules/typescript/lib/typescript.js');
  const hooks = config === 'cached' ? ['--import', join(dir, 'build/src/register.js')] : [];
  const args = [...hooks, ...NODE_ARGS, join(dir, 'build/bench/tsc-worker.js'), '--config', config, '--iterations', String(ITERATIONS)];
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: { ...process.env, JSPROBE_CACHE: cache, ...(config === 'cached' ? { JSPROBE_LOAD_SITES: ts } : {}) },
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`${dir} ${config}: exit ${r.status}: ${r.stderr.trim().split('\n').slice(-4).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as WorkerResult;
}

function main(): void {
  if (A === undefined || B === undefined) {
    process.stderr.write('usage: node build/bench/tsc-ab.js --a CHECKOUT --b CHECKOUT [--rounds N] [--iterations K] [--warmup W]\n');
    process.exit(2);
  }
  const dirs: Record<Arm, string> = { U: resolve(A), A: resolve(A), B: resolve(B) };
  const caches: Record<Arm, string> = { U: '0', A: mkdtempSync(join(tmpdir(), 'jsprobe-ab-a-')), B: mkdtempSync(join(tmpdir(), 'jsprobe-ab-b-')) };
  const run = (arm: Arm): WorkerResult => worker(dirs[arm], arm === 'U' ? 'unprobed' : 'cached', caches[arm]);
  try {
    run('A'); // fill the disk caches, so that every counted process reads its rewrite
    run('B');
    const wall: Record<Arm, number[]> = { U: [], A: [], B: [] };
    const cpu: Record<Arm, number[]> = { U: [], A: [], B: [] };
    const byRound: Record<Arm, number[]> = { U: [], A: [], B: [] };
    const orders: Arm[][] = [['U', 'A', 'B'], ['A', 'B', 'U'], ['B', 'U', 'A']];
    for (let round = 0; round < ROUNDS; round++) {
      for (const arm of orders[round % 3]) {
        const r = run(arm);
        wall[arm].push(...r.iterations.slice(WARMUP));
        cpu[arm].push(...r.cpu.slice(WARMUP));
        byRound[arm].push(median(r.cpu.slice(WARMUP)));
        process.stderr.write(`  round ${round + 1}/${ROUNDS} ${arm}: CPU ms per check ${r.cpu.map((x) => fmt(x, 0)).join(' ')}\n`);
      }
    }
    const lines = [
      `Machine: ${machine()}. ${ROUNDS} rounds, ${ITERATIONS} checks per process, the first ${WARMUP} dropped.`,
      `U = unprobed; A = ${dirs.A}; B = ${dirs.B} (every function of typescript.js with a disarmed site, rewrite from the disk cache).`,
      '',
      '| arm | median wall ms per check (× U) | median CPU ms per check (× U) | CPU × U paired by round, sorted |',
      '|---|---:|---:|---|',
    ];
    for (const arm of ['U', 'A', 'B'] as Arm[]) {
      const paired = byRound[arm].map((x, i) => x / byRound.U[i]).sort((a, b) => a - b);
      lines.push(`| ${arm} | ${fmt(median(wall[arm]), 0)} (${fmt(median(wall[arm]) / median(wall.U), 3)}) | ` +
        `${fmt(median(cpu[arm]), 0)} (${fmt(median(cpu[arm]) / median(cpu.U), 3)}) | ${paired.map((x) => fmt(x, 2)).join(' ')} |`);
    }
    console.log(lines.join('\n'));
  } finally {
    rmSync(caches.A, { recursive: true, force: true });
    rmSync(caches.B, { recursive: true, force: true });
  }
}

main();
