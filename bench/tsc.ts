// bench:tsc — the kernel's "build with return probes on every syscall", in Node: the TypeScript
// compiler type-checks a real input in one child process per (round, configuration), interleaved,
// and we compare ms per check. This file is the driver; tsc-worker.ts is the child.
//
// Every round runs every configuration once, each in a fresh process, in an order rotated by one
// each round (so no configuration always runs first, or always right after the same one); the
// ratios to unprobed are paired within a round, and the table gives their median and range, for
// wall time, CPU time and wall time less the main thread's GC pauses.
//
//   npm run bench:tsc [-- --rounds 5 --iterations 10 --warmup 4 --configs unprobed,count --node-args '--max-semi-space-size=32']
//
// `--other build-copy-base` adds a second build of jsprobe to the same run: a configuration named
// `count@other` is `count` run from that build (a sibling of build/, so that both find this
// checkout's node_modules), interleaved with the rest. Copy this build's bench/tsc-worker.js into
// it, so both time their checks alike (the report warns when the two differ).
//
// Steadied by default (docs/benchmarks.md, "tscvar"): every child runs V8 single-threaded with a
// 64 MB semi-space (`--steady 0` for V8's defaults, `--steady-flags '…'` for others) and keeps each
// check's program to its end (`--keep-programs 0` to free them). Reading a run: the CPU ratio is
// the figure (with a single-threaded V8 it is the checker's thread, which load on the other core
// does not stretch); the bracket is the interquartile range of the per-round ratios, the figure's
// own noise; an `X ÷ X@other` line compares two builds directly, round by round; and "within a
// process" says how much one process's kept checks moved (a high one means a wave fell in them).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option, quantile } from './lib/measure.js';
import { CLI, CLI_PROGRAMS, countedByCli, ENV, NODE_ARGS, TYPESCRIPT } from './lib/tsc-configs.js';
import type { WorkerResult } from './tsc-worker.js';

const opt = option;
const ROUNDS = Number(opt('rounds') ?? 5);
const ITERATIONS = Number(opt('iterations') ?? 10);
const WARMUP = Number(opt('warmup') ?? 4);
const CONFIGS = (opt('configs') ?? 'unprobed,disarmed,count,hist,hist-coarse,tracing').split(',').filter(Boolean);
const USER_NODE_ARGS = (opt('node-args') ?? '').split(/\s+/).filter(Boolean);
/**
 * V8 flags every child gets unless `--steady 0`: what makes one build's checks repeat (the
 * "tscvar" section of docs/benchmarks.md). `--single-threaded`: no GC helper threads and no
 * concurrent compiler thread, so a scavenge never waits for a helper that another process holds
 * off the second core, tier-up happens at the same point of every process, and the process's CPU
 * time is one thread's. `--max-semi-space-size=64`: a young generation big enough that the
 * checker's short-lived objects die there instead of being promoted, so the old generation (and
 * the mark-compacts that free old programs and deoptimize the code that embedded them) grows slower.
 */
const STEADY_FLAGS = opt('steady') === '0' ? [] : (opt('steady-flags') ?? '--single-threaded --max-semi-space-size=64').split(/\s+/).filter(Boolean);
/**
 * After which check each process forces one full collection (untimed): by default the one before
 * the last warm-up check, so that the deoptimization wave of the first mark-compact falls in
 * warm-up (tsc-worker.ts, fullGc). `--gc-after 0` leaves the collector alone, as before.
 */
const GC_AFTER = Number(opt('gc-after') ?? Math.max(0, WARMUP - 1));
/**
 * Each process keeps every check's program reachable to its end (tsc-worker.ts): no mark-compact
 * then frees a program whose objects optimized code embedded, so no kept check pays the
 * deoptimization wave that made one build's checks move 2× within a process. `--keep-programs 0`
 * frees them as before.
 */
const KEEP_PROGRAMS = opt('keep-programs') !== '0';

const WORKER = fileURLToPath(new URL('./tsc-worker.js', import.meta.url));
/** This build's directory, and the other build's (--other), which replaces it in a `@other` configuration's command line. */
const BUILD = fileURLToPath(new URL('..', import.meta.url));
const OTHER = opt('other');
const LOAD_AT_START = loadavg()[0];

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
  /** Per process: its kept checks' CPU interquartile range over their median, how much a check moves within one process. */
  withinCpu: number[];
  diagnostics: Set<number>;
  extras: Record<string, unknown>[];
  notWired: boolean;
  failures: string[];
}

/** A cli-* configuration: the worker under `jsprobe -c`, which prints its maps after the worker's line. */
function commandLine(config: string, iterations: number): string[] {
  const nodeArgs = [...STEADY_FLAGS, ...(NODE_ARGS[config] ?? []), ...USER_NODE_ARGS];
  const worker = [...nodeArgs, WORKER, '--config', config, '--iterations', String(iterations), ...(GC_AFTER > 0 ? ['--gc-after', String(GC_AFTER)] : []),
    ...(KEEP_PROGRAMS ? ['--keep-programs', '1'] : [])];
  const program = CLI_PROGRAMS[config];
  return program === undefined ? worker : [CLI, '-e', program, '-c', [process.execPath, ...worker].join(' ')];
}

/**
 * What the other build's worker is, against this one's: the two builds must time the same checks
 * the same way (flags such as --keep-programs are the worker's), so a differing worker is shown.
 */
function otherWorker(): string {
  if (OTHER === undefined) return '';
  const theirs = join(resolve(OTHER), 'bench/tsc-worker.js');
  const same = existsSync(theirs) && readFileSync(theirs, 'utf8') === readFileSync(WORKER, 'utf8');
  return same ? `${OTHER} runs this build's worker (bench/tsc-worker.js identical).`
    : `WARNING: ${theirs} differs from this build's worker: copy build/bench/tsc-worker.js there, or its checks are not timed alike.`;
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
  if (r.cpu !== undefined && r.cpu.length > WARMUP) {
    const kept = r.cpu.slice(WARMUP);
    s.roundsCpu[round] = median(kept);
    s.withinCpu.push((quantile(kept, 0.75) - quantile(kept, 0.25)) / median(kept));
  }
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

/** `median [q1–q3] (min–max)` of paired ratios, or empty: the middle half of the rounds in brackets. */
function ratioCell(paired: number[]): string {
  if (paired.length === 0) return '';
  const r = (x: number): string => fmt(x, 2);
  return `${r(median(paired))} [${r(quantile(paired, 0.25))}–${r(quantile(paired, 0.75))}] (${r(Math.min(...paired))}–${r(Math.max(...paired))})`;
}

/**
 * Each `X@other` beside its `X`: this build ÷ the other, paired by round (the two processes ran
 * in the same round, next to each other in the rotation) without going through unprobed. Against
 * a copy of the same build this is the bench's own error: it should read 1.00 with a narrow IQR.
 */
function abLines(samples: Map<string, Samples>): string[] {
  const lines: string[] = [];
  for (const [name, other] of samples) {
    const mine = samples.get(name.replace(/@other$/, ''));
    if (!name.endsWith('@other') || mine === undefined) continue;
    const cells = [['wall', wallRounds], ['CPU', cpuRounds], ['less GC', lessGcRounds]] as const;
    const shown = cells.map(([label, of]) => [label, ratioCell(pairedRatios(mine, other, of))]).filter(([, c]) => c !== '');
    if (shown.length > 0) lines.push(`- ${name.replace(/@other$/, '')} ÷ ${name}, paired: ${shown.map(([l, c]) => `${l} ${c}`).join('; ')}`);
  }
  return lines;
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
  lines.push(`Machine: ${machine()}; load average (1 min) ${fmt(LOAD_AT_START, 1)} at the start, ${fmt(loadavg()[0], 1)} at the end.`);
  lines.push(`V8 flags in every child: ${STEADY_FLAGS.length > 0 ? STEADY_FLAGS.join(' ') : 'none (--steady 0)'}${USER_NODE_ARGS.length > 0 ? `, then ${USER_NODE_ARGS.join(' ')}` : ''}.`);
  lines.push(`${ROUNDS} rounds, each running every config once in its own process, the order rotated by one each round; ` +
    `${ITERATIONS} checks per process; the first ${WARMUP} check(s) of each process are dropped as warm-up (JIT still tiering up)` +
    (GC_AFTER > 0 ? `; one full GC forced (untimed) after check ${GC_AFTER}` : '') +
    (KEEP_PROGRAMS ? '; every check\'s program kept reachable to the process\'s end.' : '.'));
  lines.push('Input: typescript.d.ts + @types/node, strict, skipLibCheck off. Medians over all kept checks; ' +
    'ratios paired by round: each round\'s median over unprobed\'s median in the same round, then their median [interquartile range] (full range).');
  lines.push('');
  lines.push('| config | median ms per check | × unprobed, pooled | × unprobed, paired: median (range) | ' +
    'CPU ms per check: × unprobed, paired | GC pause ms per check | less GC: × unprobed, paired | median load ms | extra |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const [config, s] of samples) lines.push(tableRow(config, s, base));
  lines.push('');
  if (OTHER !== undefined) lines.push(otherWorker(), '');
  const ab = abLines(samples);
  if (ab.length > 0) lines.push(...ab, '');
  if (base !== undefined) {
    for (const [name, rounds] of [['unprobed', base.rounds], ['unprobed CPU', base.roundsCpu], ['unprobed less GC', base.roundsLessGc]] as const) {
      const line = drift(name, rounds);
      if (line !== '') lines.push(line);
    }
  }
  // Checks vary a lot from one to the next (V8 re-optimizing the checker), so show how much.
  for (const [config, s] of samples) {
    if (s.checks.length === 0) continue;
    const within = s.withinCpu.length > 0 ? `; within a process, kept checks' CPU IQR ÷ median: median ${fmt(median(s.withinCpu), 2)}, max ${fmt(Math.max(...s.withinCpu), 2)}` : '';
    lines.push(`- ${config}: ${s.checks.length} kept checks, ${spread(s.checks)} ms${within}`);
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
      checks: [], rounds: [], roundsCpu: [], roundsLessGc: [], gc: [], loads: [], cpu: [], withinCpu: [], diagnostics: new Set(), extras: [],
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
