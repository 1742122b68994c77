// bench:tsc — the kernel's "build with return probes on every syscall", in Node: the TypeScript
// compiler type-checks a real input in one child process per (round, configuration), interleaved,
// and we compare ms per check. This file is the driver; tsc-worker.ts is the child.
//
// Every round runs every configuration once, each in a fresh process, in an order rotated by one
// each round (so no configuration always runs first, or always right after the same one); the
// ratios to unprobed are paired within a round, and the table gives their median and range, for
// wall time, CPU time and wall time less the main thread's GC pauses.
//
//   npm run bench:tsc [-- --rounds 5 --iterations 7 --warmup 4 --configs unprobed,count --node-args '--max-semi-space-size=32']
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

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option, quantile } from './lib/measure.js';
import { CLI, CLI_PROGRAMS, countedByCli, ENV, NODE_ARGS, TYPESCRIPT } from './lib/tsc-configs.js';
import type { WorkerResult } from './tsc-worker.js';

const opt = option;
const ROUNDS = Number(opt('rounds') ?? 5);
const ITERATIONS = Number(opt('iterations') ?? 7);
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
 * frees them as before. The kept heap passes ~1.5 GB by the 7th–9th check, where a mark-compact
 * (single-threaded) lands in a check: hence 7 checks a process by default.
 */
const KEEP_PROGRAMS = opt('keep-programs') !== '0';
/** Each round's configurations run in lockstep, check by check (lockstepRound); `--lockstep 0`: one process after another, as before. */
const LOCKSTEP = opt('lockstep') !== '0';

const WORKER = fileURLToPath(new URL('./tsc-worker.js', import.meta.url));
/**
 * This build's directory, and the other builds' (--other), each replacing it in the command line
 * of a configuration suffixed with its name: `--other DIR` names one build `other` (`count@other`);
 * `--other base=DIR1,self=DIR2` names two (`count@base`, `count@self`), as when a run compares
 * main with an old base and, in the same rounds, with a copy of itself.
 */
const BUILD = fileURLToPath(new URL('..', import.meta.url));
const OTHERS = new Map((opt('other') ?? '').split(',').filter(Boolean).map((e) => {
  const eq = e.indexOf('=');
  return eq < 0 ? ['other', e] : [e.slice(0, eq), e.slice(eq + 1)];
}));
/** `count@base` → ['count', 'base']; `count` → ['count', undefined]. */
const splitName = (name: string): [string, string | undefined] => {
  const at = name.lastIndexOf('@');
  return at < 0 ? [name, undefined] : [name.slice(0, at), name.slice(at + 1)];
};
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
function commandLine(config: string, iterations: number, extra: string[] = []): string[] {
  const nodeArgs = [...STEADY_FLAGS, ...(NODE_ARGS[config] ?? []), ...USER_NODE_ARGS];
  const worker = [...nodeArgs, WORKER, '--config', config, '--iterations', String(iterations), ...(GC_AFTER > 0 ? ['--gc-after', String(GC_AFTER)] : []),
    ...(KEEP_PROGRAMS ? ['--keep-programs', '1'] : []), ...extra];
  const program = CLI_PROGRAMS[config];
  return program === undefined ? worker : [CLI, '-e', program, '-c', [process.execPath, ...worker].join(' ')];
}

/**
 * What the other build's worker is, against this one's: the two builds must time the same checks
 * the same way (flags such as --keep-programs are the worker's), so a differing worker is shown.
 */
function otherWorker(name: string, dir: string): string {
  const theirs = join(resolve(dir), 'bench/tsc-worker.js');
  const same = existsSync(theirs) && readFileSync(theirs, 'utf8') === readFileSync(WORKER, 'utf8');
  return same ? `@${name} = ${dir}, which runs this build's worker (bench/tsc-worker.js identical).`
    : `WARNING: @${name} = ${dir}: its bench/tsc-worker.js differs from this build's: copy build/bench/tsc-worker.js there, or its checks are not timed alike.`;
}

function otherBuild(args: string[], name: string): string[] {
  const other = OTHERS.get(name);
  if (other === undefined) throw new Error(`a configuration @${name} needs --other ${name === 'other' ? 'DIR' : `${name}=DIR`}`);
  const dir = join(resolve(other), '/');
  return args.map((a) => a.replaceAll(BUILD, dir));
}

/** The process a configuration runs as: its command line (from its build) and environment. */
function spawnArgs(name: string, iterations: number, extra: string[] = []): { args: string[]; env: NodeJS.ProcessEnv } {
  const [config, build] = splitName(name);
  const args = commandLine(config, iterations, extra);
  return { args: build === undefined ? args : otherBuild(args, build), env: { ...process.env, JSPROBE_CACHE: '0', ...ENV[config] } };
}

function runWorker(name: string, extraEnv: Record<string, string> = {}, iterations = ITERATIONS): Outcome {
  const { args, env } = spawnArgs(name, iterations);
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...env, ...extraEnv }, maxBuffer: 64 * 2 ** 20 });
  return outcome(name, child.status, child.signal, child.stdout, child.stderr, child.error);
}

function outcome(name: string, status: number | null, signal: string | null, stdout: string, stderr: string, error?: Error): Outcome {
  const [config] = splitName(name);
  const child = { status, signal, stdout, stderr, error };
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
    const [config, build] = splitName(name);
    const mine = samples.get(config);
    if (build === undefined || mine === undefined) continue;
    const cells = [['wall', wallRounds], ['CPU', cpuRounds], ['less GC', lessGcRounds]] as const;
    const shown = cells.map(([label, of]) => [label, ratioCell(pairedRatios(mine, other, of))]).filter(([, c]) => c !== '');
    if (shown.length > 0) lines.push(`- ${config} ÷ ${name}, paired: ${shown.map(([l, c]) => `${l} ${c}`).join('; ')}`);
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
  const steady = STEADY_FLAGS.length > 0 ? STEADY_FLAGS.join(' ') : 'none (--steady 0)';
  lines.push(`V8 flags in every child: ${steady}${USER_NODE_ARGS.length > 0 ? `, then ${USER_NODE_ARGS.join(' ')}` : ''}.`);
  lines.push(`${ROUNDS} rounds, each running every config once in its own process, the order rotated by one each round` +
    (LOCKSTEP ? ', the round\'s processes in lockstep (all started at once, each check of each config in turn); ' : '; ') +
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
  if (OTHERS.size > 0) lines.push(...[...OTHERS].map(([name, dir]) => otherWorker(name, dir)), '');
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
    const within = s.withinCpu.length === 0 ? ''
      : `; within a process, kept checks' CPU IQR ÷ median: median ${fmt(median(s.withinCpu), 2)}, max ${fmt(Math.max(...s.withinCpu), 2)}`;
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

const nap = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One round in lockstep: every configuration's process started at once, each idle until told to
 * take its next step (the load, then each check: tsc-worker.ts's step), the steps handed out one
 * configuration at a time in the round's order. Only one process works at any moment, as before,
 * but check i of every configuration runs within one pass of a few seconds each, so a change in
 * the machine's load lands on all configurations alike instead of on the one whose process ran
 * through it; pairing by round then cancels it.
 */
async function lockstepRound(order: string[]): Promise<Map<string, Outcome>> {
  const runs = order.map((name) => {
    const dir = mkdtempSync(join(tmpdir(), 'jsprobe-bench-step-'));
    const { args, env } = spawnArgs(name, ITERATIONS, ['--lockstep', dir]);
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const run = { name, dir, stdout: '', stderr: '', exit: undefined as { status: number | null; signal: string | null; error?: Error } | undefined };
    child.stdout.setEncoding('utf8').on('data', (d: string) => { run.stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { run.stderr += d; });
    child.on('error', (error) => { run.exit = { status: null, signal: null, error }; });
    child.on('close', (status, signal) => { run.exit ??= { status, signal }; });
    return run;
  });
  try {
    for (let n = 0; n <= ITERATIONS + 1; n++) {
      for (const run of runs) {
        if (run.exit !== undefined) continue;
        writeFileSync(join(run.dir, `go.${n}`), '');
        // The last go lets the worker print its result and exit: nothing to wait for here.
        while (n <= ITERATIONS && run.exit === undefined && !existsSync(join(run.dir, `done.${n}`))) await nap(5);
      }
    }
    while (runs.some((r) => r.exit === undefined)) await nap(20);
  } finally {
    for (const run of runs) rmSync(run.dir, { recursive: true, force: true });
  }
  return new Map(runs.map((r) => [r.name, outcome(r.name, r.exit?.status ?? null, r.exit?.signal ?? null, r.stdout, r.stderr, r.exit?.error)]));
}

async function main(): Promise<void> {
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
    const live = order.filter((c) => !(samples.get(c) as Samples).notWired); // not wired: the same answer every round
    if (LOCKSTEP) {
      const outcomes = await lockstepRound(live);
      for (const config of live) record(samples.get(config) as Samples, outcomes.get(config) as Outcome, config, round);
    } else {
      for (const config of live) record(samples.get(config) as Samples, runWorker(config), config, round);
    }
  }
  rmSync(cacheDir, { recursive: true, force: true });
  const rewrite = CONFIGS.includes('disarmed') ? rewriteTimes() : '';
  console.log(report(samples));
  if (rewrite !== '') console.log(`\n${rewrite}`);
  if ([...samples.values()].some((s) => s.failures.length > 0)) process.exitCode = 1;
}

await main();
