// bench:tsc — the kernel's "build with return probes on every syscall", in Node: the TypeScript
// compiler type-checks a real input in one child process per (round, configuration), interleaved,
// and we compare ms per check. This file is the driver; tsc-worker.ts is the child.
//
// Every round runs every configuration once, each in a fresh process, in an order rotated by one
// each round (so no configuration always runs first, or always right after the same one); the
// ratios to unprobed are paired within a round, and the table gives their median and range, for
// wall time, CPU time and wall time less the main thread's GC pauses.
//
//   npm run bench:tsc [-- --rounds 5 --iterations 3 --warmup 1 --configs unprobed,count --node-args '--max-semi-space-size=32']
//
// `--other build-base` adds a second build of jsprobe to the same run: a configuration named
// `count@other` is `count` run from that build (a sibling of build/, so that both find this
// checkout's node_modules), interleaved with the rest.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option } from './lib/measure.js';
import { CLI, CLI_PROGRAMS, countedByCli, ENV, NODE_ARGS, TYPESCRIPT } from './lib/tsc-configs.js';
import type { WorkerResult } from './tsc-worker.js';

const opt = option;
const ROUNDS = Number(opt('rounds') ?? 5);
const ITERATIONS = Number(opt('iterations') ?? 6);
const WARMUP = Number(opt('warmup') ?? 3);
const CONFIGS = (opt('configs') ?? 'unprobed,disarmed,count,hist,hist-coarse,tracing').split(',').filter(Boolean);
const USER_NODE_ARGS = (opt('node-args') ?? '').split(/\s+/).filter(Boolean);
/**
 * After which check each process forces one full collection (untimed): by default the one before
 * the last warm-up check, so that the deoptimization wave of the first mark-compact falls in
 * warm-up (tsc-worker.ts, fullGc). `--gc-after 0` leaves the collector alone, as before.
 */
const GC_AFTER = Number(opt('gc-after') ?? Math.max(0, WARMUP - 1));

const WORKER = fileURLToPath(new URL('./tsc-worker.js', import.meta.url));
/** This build's directory, and the other build's (--other), which replaces it in a `@other` configuration's command line. */
const BUILD = fileURLToPath(new URL('..', import.meta.url));
const OTHER = opt('other');

type Outcome = { kind: 'ok'; result: WorkerResult } | { kind: 'not wired' } | { kind: 'failed'; message: string };

interface Samples {
  checks: number[];
  /** Median check of each process, by round: paired with unprobed's of the same round. */
  rounds: number[];
  /** The same for CPU ms, and for ms less the GC pauses within the check. */
  roundsCpu: number[];
  roundsLessGc: number[];
  /** GC pause ms per kept check. */
  gc: number[];
  loads: number[];
  /** CPU ms per kept check. */
  cpu: number[];
  diagnostics: Set<number>;
  extras: Record<string, unknown>[];
  notWired: boolean;
  failures: string[];
}

/** A cli-* configuration: the worker under `jsprobe -c`, which prints its maps after the worker's line. */
function commandLine(config: string, iterations: number): string[] {
  const nodeArgs = [...(NODE_ARGS[config] ?? []), ...USER_NODE_ARGS];
  const worker = [...nodeArgs, WORKER, '--config', config, '--iterations', String(iterations), ...(GC_AFTER > 0 ? ['--gc-after', String(GC_AFTER)] : [])];
  const program = CLI_PROGRAMS[config];
  return program === undefined ? worker : [CLI, '-e', program, '-c', [process.execPath, ...worker].join(' ')];
}

function otherBuild(args: string[]): string[] {
  if (OTHER === undefined) throw new Error('a configuration @other needs --other DIR');
  const dir = join(resolve(OTHER), '/');
  return args.map((a) => a.replaceAll(BUILD, dir));
}

function runWorker(name: string, extraEnv: Record<string, string> = {}, iterations = ITERATIONS): Outcome {
  const config = name.replace(/@other$/, '');
  const args = commandLine(config, iterations);
  const child = spawnSync(process.execPath, config === name ? args : otherBuild(args), {
    encoding: 'utf8',
    env: { ...process.env, JSPROBE_CACHE: '0', ...ENV[config], ...extraEnv },
    maxBuffer: 64 * 2 ** 20,
  });
  if (child.status === 0) {
    const line = child.stdout.split('\n').find((l) => l.startsWith('{"config"')) ?? '';
    try {
      const result = JSON.parse(line) as WorkerResult;
      if (CLI_PROGRAMS[config] !== undefined) result.extra.returns = countedByCli(child.stdout);
      return { kind: 'ok', result };
    } catch {
      return { kind: 'failed', message: `unparsable output: ${line.slice(0, 200)}` };
    }
  }
  if (child.stderr.includes('not wired yet')) return { kind: 'not wired' };
  const why = child.error?.message ?? child.stderr.trim().split('\n').slice(0, 6).join(' | ');
  return { kind: 'failed', message: `exit ${child.status ?? child.signal}: ${why}` };
}

function record(s: Samples, outcome: Outcome, config: string, round: number): void {
  const tag = `  round ${round + 1}/${ROUNDS} ${config.padEnd(10)}`;
  if (outcome.kind === 'not wired') {
    s.notWired = true;
    process.stderr.write(`${tag} not wired\n`);
    return;
  }
  if (outcome.kind === 'failed') {
    s.failures.push(outcome.message);
    process.stderr.write(`${tag} FAILED ${outcome.message}\n`);
    return;
  }
  const r = outcome.result;
  s.checks.push(...r.iterations.slice(WARMUP));
  s.rounds[round] = median(r.iterations.slice(WARMUP));
  s.loads.push(r.loadMs);
  s.cpu.push(...(r.cpu ?? []).slice(WARMUP));
  if (r.cpu !== undefined && r.cpu.length > WARMUP) s.roundsCpu[round] = median(r.cpu.slice(WARMUP));
  if (r.gc !== undefined && r.gc.length === r.iterations.length) {
    const gc = r.gc.slice(WARMUP);
    s.gc.push(...gc);
    s.roundsLessGc[round] = median(r.iterations.slice(WARMUP).map((ms, i) => ms - gc[i]));
  }
  s.diagnostics.add(r.diagnostics);
  s.extras.push(r.extra);
  const gcShown = r.gc === undefined ? '' : ` (GC ${r.gc.map((x) => fmt(x, 0)).join(' ')})`;
  process.stderr.write(`${tag} load ${fmt(r.loadMs, 0)} ms, checks ${r.iterations.map((x) => fmt(x, 0)).join(' ')} ms${gcShown}, ` +
    `CPU ${(r.cpu ?? []).map((x) => fmt(x, 0)).join(' ')} ms, ${r.diagnostics} diagnostics\n`);
}

/** `extra` across rounds: the median of each numeric field (hit counts should not vary), else the last value. */
function summarizeExtra(extras: Record<string, unknown>[]): string {
  const keys = [...new Set(extras.flatMap((e) => Object.keys(e)))];
  return keys.map((k) => {
    const vs = extras.map((e) => e[k]).filter((v) => v !== undefined);
    const shown = vs.every((v) => typeof v === 'number') ? fmt(median(vs as number[]), 0) : JSON.stringify(vs.at(-1));
    return `${k}=${shown}`;
  }).join(', ');
}

function spread(xs: number[]): string {
  return `min ${fmt(Math.min(...xs), 0)} / median ${fmt(median(xs), 0)} / max ${fmt(Math.max(...xs), 0)}`;
}

type RoundsOf = (s: Samples) => number[];
const wallRounds: RoundsOf = (s) => s.rounds;
const cpuRounds: RoundsOf = (s) => s.roundsCpu;
const lessGcRounds: RoundsOf = (s) => s.roundsLessGc;

/** Per round, this configuration's median check over unprobed's of the same round: drift between rounds cancels. */
function pairedRatios(s: Samples, base: Samples | undefined, of: RoundsOf = wallRounds): number[] {
  if (base === undefined) return [];
  const mine = of(s);
  const theirs = of(base);
  return mine.flatMap((m, i) => (m !== undefined && theirs[i] !== undefined ? [m / theirs[i]] : []));
}

/** `median (min–max)` of paired ratios, or empty. */
function ratioCell(paired: number[]): string {
  return paired.length === 0 ? '' : `${fmt(median(paired), 2)} (${fmt(Math.min(...paired), 2)}–${fmt(Math.max(...paired), 2)})`;
}

function tableRow(config: string, s: Samples, base: Samples | undefined): string {
  const empty = ' | | | | | | |';
  if (s.notWired) return `| ${config} | not wired${empty}`;
  if (s.checks.length === 0) return `| ${config} | failed: ${(s.failures[0] ?? 'no samples').replaceAll('|', '\\|')}${empty}`;
  const m = median(s.checks);
  const baseMs = base !== undefined && base.checks.length > 0 ? median(base.checks) : NaN;
  const extra = [summarizeExtra(s.extras), s.failures.length > 0 ? `${s.failures.length} failed runs` : ''].filter(Boolean).join('; ');
  const cpu = s.cpu.length > 0 ? `${fmt(median(s.cpu), 0)}: ${ratioCell(pairedRatios(s, base, cpuRounds))}` : '';
  const gc = s.gc.length > 0 ? `${fmt(median(s.gc), 0)}` : '';
  const lessGc = s.roundsLessGc.length > 0 ? ratioCell(pairedRatios(s, base, lessGcRounds)) : '';
  return `| ${config} | ${fmt(m, 0)} | ${fmt(m / baseMs, 2)} | ${ratioCell(pairedRatios(s, base))} | ${cpu} | ${gc} | ${lessGc} | ` +
    `${fmt(median(s.loads), 0)} | ${extra} |`;
}

/** How far unprobed's own per-round medians moved: the drift that pairing by round cancels. */
function drift(name: string, rounds: number[]): string {
  const xs = rounds.filter((x) => x !== undefined);
  if (xs.length < 2) return '';
  return `- ${name} by round: ${xs.map((x) => fmt(x, 0)).join(', ')} ms (max ÷ min ${fmt(Math.max(...xs) / Math.min(...xs), 2)})`;
}

function report(samples: Map<string, Samples>): string {
  const base = samples.get('unprobed');
  const lines: string[] = [];
  lines.push(`Machine: ${machine()}.`);
  lines.push(`${ROUNDS} rounds, each running every config once in its own process, the order rotated by one each round; ` +
    `${ITERATIONS} checks per process; the first ${WARMUP} check(s) of each process are dropped as warm-up (JIT still tiering up)` +
    (GC_AFTER > 0 ? `; one full GC forced (untimed) after check ${GC_AFTER}.` : '.'));
  lines.push('Input: typescript.d.ts + @types/node, strict, skipLibCheck off. Medians over all kept checks; ' +
    'ratios paired by round: each round\'s median over unprobed\'s median in the same round, then their median (range).');
  lines.push('');
  lines.push('| config | median ms per check | × unprobed, pooled | × unprobed, paired: median (range) | ' +
    'CPU ms per check: × unprobed, paired | GC pause ms per check | less GC: × unprobed, paired | median load ms | extra |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const [config, s] of samples) lines.push(tableRow(config, s, base));
  lines.push('');
  if (base !== undefined) {
    for (const [name, rounds] of [['unprobed', base.rounds], ['unprobed CPU', base.roundsCpu], ['unprobed less GC', base.roundsLessGc]] as const) {
      const line = drift(name, rounds);
      if (line !== '') lines.push(line);
    }
  }
  // Checks vary a lot from one to the next (V8 re-optimizing the checker), so show how much.
  for (const [config, s] of samples) {
    if (s.checks.length > 0) lines.push(`- ${config}: ${s.checks.length} kept checks, ${spread(s.checks)} ms`);
  }
  const seen = new Set([...samples.values()].flatMap((s) => [...s.diagnostics]));
  // Probes must not change what the compiler computes: every configuration should agree.
  if (seen.size > 1) lines.push('', `WARNING: diagnostics counts differ between runs: ${[...seen].join(', ')}`);
  return lines.join('\n');
}

/** Rewriting typescript.js at load: afresh, and again from the disk cache. */
function rewriteTimes(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-bench-cache-'));
  try {
    const times = [runWorker('disarmed', { JSPROBE_CACHE: dir }, 1), runWorker('disarmed', { JSPROBE_CACHE: dir }, 1)]
      .map((o) => (o.kind === 'ok' ? `${fmt(Number(o.result.extra.rewriteMs), 0)} ms (load ${fmt(o.result.loadMs, 0)} ms)` : o.kind));
    return `Rewriting typescript.js (${fmt(statSync(TYPESCRIPT).size / 2 ** 20, 1)} MiB) at load: ` +
      `${times[0]} afresh; ${times[1]} from the disk cache on the next run.`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  if (!(WARMUP >= 0 && WARMUP < ITERATIONS)) throw new Error(`--warmup (${WARMUP}) must be below --iterations (${ITERATIONS})`);
  const samples = new Map<string, Samples>(CONFIGS.map((c) => [
    c, {
      checks: [], rounds: [], roundsCpu: [], roundsLessGc: [], gc: [], loads: [], cpu: [], diagnostics: new Set(), extras: [],
      notWired: false, failures: [],
    },
  ]));
  const cacheDir = mkdtempSync(join(tmpdir(), 'jsprobe-bench-cache-'));
  if (CONFIGS.includes('cached')) {
    ENV.cached.JSPROBE_CACHE = cacheDir;
    runWorker('cached', {}, 1);
  }
  process.stderr.write(`bench:tsc: ${ROUNDS} rounds × ${CONFIGS.length} configs × ${ITERATIONS} checks\n`);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotated: a configuration's place in the round (first after the previous round's last, or
    // after a heavy one) changes from round to round instead of always falling on the same one.
    const order = CONFIGS.map((_, i) => CONFIGS[(i + round) % CONFIGS.length]);
    for (const config of order) {
      const s = samples.get(config) as Samples;
      if (s.notWired) continue; // the same answer every round: don't spawn it again
      record(s, runWorker(config), config, round);
    }
  }
  rmSync(cacheDir, { recursive: true, force: true });
  const rewrite = CONFIGS.includes('disarmed') ? rewriteTimes() : '';
  console.log(report(samples));
  if (rewrite !== '') console.log(`\n${rewrite}`);
  if ([...samples.values()].some((s) => s.failures.length > 0)) process.exitCode = 1;
}

main();
