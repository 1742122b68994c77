// bench:tsc in instructions rather than time. On this VM wall and CPU time of the same
// configuration vary ±5% between processes (there are no hardware counters to read), which is
// more than the 3% the disarmed sites are allowed. Valgrind's callgrind counts the instructions
// the process executes, which does not depend on whatever else the machine is doing.
//
// Each configuration runs once, under callgrind, with V8 single-threaded (JIT compilation and GC
// on the main thread, so tiering and collection happen at the same points in every run). The
// worker calls process.cpuUsage() (libuv's uv_getrusage) right before and after each check;
// `--dump-before=uv_getrusage` makes callgrind write its counters there, so each check's
// instructions come out as one dump. Checks run ~150× slower than natively: a run of 6 checks
// takes ~30-40 minutes, so configurations run in parallel (instruction counts do not care).
// Sited code warms up on a different curve (bigger functions reach V8's optimization budget in
// fewer calls), so only the later checks compare: by the fifth, unprobed has settled.
//
//   npm run bench:tsc:instructions [-- --configs unprobed,cached --iterations 6 --warmup 4]
//   … --keep DIR   keeps each config's dumps in DIR/<config>/ for callgrind_annotate

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option } from './lib/measure.js';
import { ENV, NODE_ARGS } from './lib/tsc-configs.js';
import type { WorkerResult } from './tsc-worker.js';

const opt = option;
const ITERATIONS = Number(opt('iterations') ?? 6);
const WARMUP = Number(opt('warmup') ?? 4);
const CONFIGS = (opt('configs') ?? 'unprobed,cached').split(',').filter(Boolean);
const JOBS = Number(opt('jobs') ?? availableParallelism());
const USER_NODE_ARGS = (opt('node-args') ?? '').split(/\s+/).filter(Boolean);
/** Keep the callgrind dumps here (one folder per config) for callgrind_annotate, rather than deleting them. */
const KEEP = opt('keep');

const WORKER = fileURLToPath(new URL('./tsc-worker.js', import.meta.url));

interface Counted {
  config: string;
  /** Instructions per check, in order. */
  checks: number[];
  /** Instructions from start to the first check: startup and loading typescript.js. */
  load: number;
  result: WorkerResult;
}

/** The `totals:` line of each callgrind dump in `dir`, in dump order (part 1, 2, … then the final one). */
function dumpTotals(dir: string): number[] {
  const files = readdirSync(dir).filter((f) => f.startsWith('cg.'));
  const part = (f: string): number => {
    const m = /^cg\.\d+\.(\d+)$/.exec(f);
    return m === null ? Infinity : Number(m[1]); // the file without a suffix is the last dump
  };
  files.sort((a, b) => part(a) - part(b));
  return files.map((f) => {
    const m = /^totals: (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'));
    if (m === null) throw new Error(`no totals in callgrind dump ${f}`);
    return Number(m[1]);
  });
}

function count(config: string, cacheDir: string): Promise<Counted> {
  const dir = KEEP !== undefined ? join(KEEP, config) : mkdtempSync(join(tmpdir(), `jsprobe-cg-${config}-`));
  mkdirSync(dir, { recursive: true });
  const argv = [
    '--tool=callgrind', '--cache-sim=no', '--branch-sim=no', '--dump-instr=no',
    '--dump-before=uv_getrusage', `--callgrind-out-file=${join(dir, 'cg.%p')}`,
    // V8 writes and patches machine code: let valgrind see every change.
    '--smc-check=all-non-file',
    process.execPath, '--single-threaded', ...(NODE_ARGS[config] ?? []), ...USER_NODE_ARGS,
    WORKER, '--config', config, '--iterations', String(ITERATIONS),
  ];
  const env = { ...process.env, JSPROBE_CACHE: config === 'cached' ? cacheDir : '0', ...ENV[config] };
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (err += b));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`${config}: valgrind exited ${code}: ${err.split('\n').filter((l) => !l.startsWith('==')).slice(-6).join(' | ')}`);
        const result = JSON.parse(out.trim().split('\n').at(-1) ?? '') as WorkerResult;
        const totals = dumpTotals(dir);
        // Dumps: [up to check 1, check 1, between, check 2, …, check k, the rest].
        if (totals.length !== 2 * ITERATIONS + 1) {
          throw new Error(`${config}: expected ${2 * ITERATIONS + 1} callgrind dumps, got ${totals.length} (did something else call uv_getrusage?)`);
        }
        const checks = Array.from({ length: ITERATIONS }, (_, i) => totals[1 + 2 * i]);
        process.stderr.write(`  ${config.padEnd(10)} done: checks ${checks.map((c) => fmt(c / 1e9, 2)).join(' ')} G instructions\n`);
        resolve({ config, checks, load: totals[0], result });
      } catch (e) {
        reject(e as Error);
      } finally {
        if (KEEP === undefined) rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

async function main(): Promise<void> {
  if (!(WARMUP >= 0 && WARMUP < ITERATIONS)) throw new Error(`--warmup (${WARMUP}) must be below --iterations (${ITERATIONS})`);
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    process.stderr.write('bench:tsc:instructions needs valgrind (Debian: apt-get install valgrind)\n');
    process.exit(2);
  }
  const cacheDir = mkdtempSync(join(tmpdir(), 'jsprobe-bench-cache-'));
  try {
    if (CONFIGS.includes('cached')) {
      // Fill the disk cache natively first, so the counted run reads the rewrite rather than making it.
      spawnSync(process.execPath, [...NODE_ARGS.cached, WORKER, '--config', 'cached', '--iterations', '1'], {
        env: { ...process.env, ...ENV.cached, JSPROBE_CACHE: cacheDir },
      });
    }
    process.stderr.write(`bench:tsc:instructions: ${CONFIGS.length} configs × ${ITERATIONS} checks under callgrind, ${JOBS} at a time (~3 min per check)\n`);
    const queue = [...CONFIGS];
    const done = new Map<string, Counted>();
    const failed: string[] = [];
    const runOne = async (): Promise<void> => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
        try {
          done.set(c, await count(c, cacheDir));
        } catch (e) {
          // One configuration failing does not throw away the others' (long) runs.
          failed.push((e as Error).message);
          process.stderr.write(`  ${c} FAILED: ${(e as Error).message}\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, JOBS) }, runOne));
    console.log(report(CONFIGS.flatMap((c) => done.get(c) ?? [])));
    for (const f of failed) console.log(`\nFAILED: ${f}`);
    if (failed.length > 0) process.exitCode = 1;
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

function report(rows: Counted[]): string {
  const base = rows.find((r) => r.config === 'unprobed');
  const kept = (r: Counted): number[] => r.checks.slice(WARMUP);
  const baseKept = base === undefined ? NaN : median(kept(base));
  const lines = [
    `Machine: ${machine()}; valgrind callgrind, node --single-threaded.`,
    `One process per config, ${ITERATIONS} checks each; the first ${WARMUP} dropped as warm-up. Instructions per check (G = 10^9).`,
    '',
    '| config | instructions per kept check (G) | × unprobed | every check (G) | load (G) | extra |',
    '|---|---:|---:|---|---:|---|',
  ];
  for (const r of rows) {
    const m = median(kept(r));
    const extra = Object.entries(r.result.extra).map(([k, v]) => `${k}=${String(v)}`).join(', ');
    const checks = r.checks.map((c) => fmt(c / 1e9, 2)).join(', ');
    lines.push(`| ${r.config} | ${fmt(m / 1e9, 3)} | ${fmt(m / baseKept, 3)} | ${checks} | ${fmt(r.load / 1e9, 2)} | ${extra} |`);
  }
  const diagnostics = new Set(rows.map((r) => r.result.diagnostics));
  if (diagnostics.size > 1) lines.push('', `WARNING: diagnostics counts differ between configs: ${[...diagnostics].join(', ')}`);
  return lines.join('\n');
}

await main();
