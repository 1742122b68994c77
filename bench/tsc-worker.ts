// bench:tsc, one child process: set up one probing configuration, load the TypeScript compiler
// through CommonJS `require`, type-check a fixed real input K times, print one line of JSON.
//
//   node build/bench/tsc-worker.js --config unprobed --iterations 3

import { existsSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import type * as TS from 'typescript';
import type { ProbeSpec } from '../src/index.js';

type EntryHandler = NonNullable<ProbeSpec['onEntry']>;
type ReturnHandler = NonNullable<ProbeSpec['onReturn']>;

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

/** The project root: this file runs as build/bench/tsc-worker.js. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WorkerResult {
  config: string;
  /** ms that `require('typescript')` took, with whatever load hook the configuration installed. */
  loadMs: number;
  /** ms per type-check, in order: the first ones include the JIT warming up. */
  iterations: number[];
  /** CPU ms (user + system, all of this process's threads) per type-check: no time stolen by other processes. */
  cpu: number[];
  /**
   * ms of garbage-collection pauses within each type-check (the main thread's, as `gc`
   * performance entries report them). Absent from an older build's worker (`--other`).
   */
  gc?: number[];
  /** When each check started, in `performance.now()` ms: to place V8's own traces (--trace-gc's ms) among the checks. */
  starts?: number[];
  diagnostics: number;
  extra: Record<string, unknown>;
}

// ─── Configuration setup: the one place each configuration is wired ─────────────────────────────
/**
 * Runs before typescript.js is loaded, so a configuration can install a load hook or probes that
 * must see the module as it loads. Returns a function called after the last check, whose result
 * (probe hit counts and the like) goes into the output as `extra`.
 */
async function setup(config: string): Promise<() => Record<string, unknown> | Promise<Record<string, unknown>>> {
  const target = `${TYPESCRIPT}:*`;
  switch (config) {
    case 'unprobed':
    case 'cli-func':
    case 'cli-count':
    case 'cli-entry':
    case 'cli-entry-func':
      // The cli-* configurations run under `jsprobe -c` (tsc.ts), whose agent did the probing.
      return () => ({});
    case 'disarmed':
    case 'hooks':
    case 'cached':
      // JSPROBE_LOAD_SITES (set by the driver) gives every function a site; nothing is armed.
      return loadStats;
    case 'count': {
      const { register } = await import('../src/index.js');
      let returns = 0;
      const p = register({ target, onReturn: () => { returns++; } });
      return async () => ({ ...(await loadStats()), returns, missed: p.missed });
    }
    case 'counter':
    case 'counter-sealed': {
      // The library's own way to count every function: a callCounter() as the one handler, counted
      // by the site, and (sealed) registration closed with seal() before typescript.js loads, so that
      // it loads counting its calls in place as under `jsprobe -c` (docs/api.md, "Counting calls").
      const { register, callCounter, seal } = await import('../src/index.js');
      const calls = callCounter();
      const p = register({ target, onReturn: calls });
      if (config === 'counter-sealed') seal();
      return async () => ({ ...(await loadStats()), returns: calls.total, functions: calls.counts().size, missed: p.missed });
    }
    case 'count-cell':
    case 'count-cell-sealed':
      // The command's `@[func] = count()` without the command: the language's handler, counted by
      // the site into a map entry a function (program/counting.ts), in this process. Against
      // cli-func, what the command and its agent add to the same work. Sealed as `jsprobe -c` seals
      // a program of counts, typescript.js loads counting its calls as they end (docs/hot-path.md).
      return languageProbe('fnret', target, config === 'count-cell-sealed');
    case 'entry-func':
    case 'entry-func-sealed':
      // The command's entry-only count by function, `fn:… { @[func] = count() }`, as count-cell;
      // sealed, typescript.js loads for counting alone at entry. Instructions can be counted here,
      // where the command's two processes are awkward under callgrind.
      return languageProbe('fn', target, config === 'entry-func-sealed');
    case 'count-entry': {
      const { register } = await import('../src/index.js');
      let entries = 0;
      const p = register({ target, onEntry: () => { entries++; } });
      return async () => ({ ...(await loadStats()), entries, missed: p.missed });
    }
    case 'hist':
    case 'hist-coarse': {
      const { register } = await import('../src/index.js');
      const { Log2Hist } = await import('../src/agg/hist.js');
      const hist = new Log2Hist();
      const p = register({ target, onReturn: (call) => { hist.add(call.elapsed); } });
      return async () => ({ ...(await loadStats()), returns: hist.total, missed: p.missed, p50ns: quantile(hist, 0.5), p99ns: quantile(hist, 0.99) });
    }
    case 'tracing':
      return traceTypescript();
    default:
      throw new Error(`config ${config} not wired yet`);
  }
}

/** By its real path, the one Node loads it by (bench/lib/tsc-configs.ts says why). */
const TYPESCRIPT = realpathSync(join(ROOT, 'node_modules/typescript/lib/typescript.js'));

/**
 * languageCount's probe registered on `target`, and registration sealed as `jsprobe -c` seals a
 * program of counts where `seal`: what the configuration reports after its checks.
 */
async function languageProbe(kind: 'fn' | 'fnret', target: string, seal: boolean): Promise<() => Promise<Record<string, unknown>>> {
  const { register } = await import('../src/index.js');
  const counted = await languageCount(kind, target);
  const p = register(kind === 'fn' ? { target, onEntry: counted.handler as EntryHandler } : { target, onReturn: counted.handler as ReturnHandler });
  let sealed = false;
  if (seal) {
    const lib = await import('../src/index.js');
    lib.seal();
    sealed = true;
  }
  return async () => {
    // The probe's figures credit the counts waiting in the counters (core/count-mode.ts), as the session's reads of the maps do.
    const hits = p.hits;
    return { ...(await loadStats()), hits, [kind === 'fn' ? 'entries' : 'returns']: counted.total(), sealed, missed: p.missed };
  };
}

/**
 * The command's `KIND:TARGET { @[func] = count() }` in this process: the language's handler, which
 * the site counts for into its map (program/counting.ts), and the total of what the map then prints.
 */
async function languageCount(kind: 'fn' | 'fnret', target: string): Promise<{ handler: unknown; total: () => number }> {
  const { compile } = await import('../src/lang/compile.js');
  const { instantiate, makeRuntime, printAll } = await import('../src/program/runtime.js');
  const { countingHandler } = await import('../src/program/counting.js');
  const program = compile(`${kind}:${target} { @[func] = count() }`);
  let printed = '';
  const rt = makeRuntime(program, { format: 'text', text: (s: string) => { printed += s; }, json: () => {} }, () => {});
  const handler = instantiate(rt, program.probes[0].source);
  countingHandler(rt, program.probes[0], handler);
  return {
    handler,
    total: () => {
      printAll(rt);
      rt.close();
      let n = 0;
      for (const m of printed.matchAll(/^@\[.*\]: (\d+)$/gm)) n += Number(m[1]);
      return n;
    },
  };
}

/** How long the load hook took to rewrite typescript.js, and how many sites it got. */
async function loadStats(): Promise<Record<string, unknown>> {
  const { rewriteStats } = await import('../src/sites/hooks/cjs.js');
  const s = rewriteStats.find((r) => r.file === TYPESCRIPT);
  return s === undefined ? {} : { rewriteMs: Math.round(s.ms), sites: s.sites };
}

/** The lower bound of the log2 bucket holding quantile q, in ns. */
function quantile(hist: { counts: number[]; total: number }, q: number): number {
  let seen = 0;
  for (let i = 0; i < hist.counts.length; i++) {
    seen += hist.counts[i];
    if (seen >= q * hist.total) return i <= 1 ? 0 : 2 ** (i - 2);
  }
  return NaN;
}

/**
 * The TracingChannel peer: every function of typescript.js rewritten as orchestrion-style tools
 * do (its body in an arrow passed to traceSync/tracePromise), with a subscriber that counts.
 */
async function traceTypescript(): Promise<() => Record<string, unknown>> {
  const dc = await import('node:diagnostics_channel');
  const { default: Module } = await import('node:module');
  const { traceEveryFunction } = await import('./lib/tc-rewrite.js');
  const channel = dc.tracingChannel('jsprobe:bench:tsc');
  let starts = 0;
  channel.subscribe({ start() { starts++; }, end() {}, asyncStart() {}, asyncEnd() {}, error() {} });
  (globalThis as Record<symbol, unknown>)[Symbol.for('jsprobe.bench.tc')] = channel;
  const proto = Module.prototype as unknown as { _compile(content: string, file: string): unknown };
  const compile = proto._compile;
  let rewriteMs = 0;
  let functions = 0;
  proto._compile = function (content: string, file: string) {
    if (file !== TYPESCRIPT) return compile.call(this, content, file);
    const t0 = performance.now();
    const traced = traceEveryFunction(content, 'jsprobe.bench.tc');
    rewriteMs = performance.now() - t0;
    functions = traced.functions;
    return compile.call(this, traced.code, file);
  };
  return () => ({ rewriteMs: Math.round(rewriteMs), sites: functions, returns: starts });
}
// ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A hermetic, real check: typescript.d.ts (the compiler's own 590 kB API declarations) plus all of
 * @types/node (~150 files), with skipLibCheck off so declaration files are actually type-checked.
 * `types: ['node']` and `typeRoots` pin which @types come in, whatever else is installed and
 * whatever the cwd; NodeNext resolution is what lets @types/node find `undici-types`.
 */
function checkOptions(ts: typeof TS): TS.CompilerOptions {
  return {
    noEmit: true,
    skipLibCheck: false,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
  };
}

/** One full check from scratch: parse, bind, resolve, type-check. Returns the program and its diagnostics count. */
function check(ts: typeof TS, roots: string[], options: TS.CompilerOptions): { program: TS.Program; diagnostics: number } {
  const program = ts.createProgram(roots, options);
  return { program, diagnostics: ts.getPreEmitDiagnostics(program).length };
}

/**
 * A full collection, outside any timed check (`--gc-after N`: after the Nth). The checks keep
 * their programs on the heap until a mark-compact, which lands every 3–4 checks; the first one
 * frees objects that optimized code had embedded, and V8 deoptimizes that code ("weak objects":
 * 218 of 361 deopts in the check it fell in, whose CPU doubled) and optimizes it again. Forced
 * once at the end of the warm-up, that wave falls in the last warm-up check in every process,
 * instead of in whichever check the heap's growth put it in. Forcing one before every check was
 * tried before, and made every check pay such a wave (the comment in main).
 */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * `--lockstep DIR` (tsc.ts runs every configuration of a round at once, one step at a time):
 * report that the previous step is done (file `done.N-1`, written whole by a rename) and wait,
 * idle, for the driver's `go.N` before the next one (the load is step 0, check i step i + 1).
 * So the configurations' checks alternate within seconds, and a change in the machine's load
 * falls on all of them alike instead of on whichever process ran during it.
 */
function step(dir: string | undefined, n: number): void {
  if (dir === undefined) return;
  if (n > 0) {
    writeFileSync(join(dir, `done.${n - 1}.tmp`), '');
    renameSync(join(dir, `done.${n - 1}.tmp`), join(dir, `done.${n - 1}`));
  }
  const go = join(dir, `go.${n}`);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + 3_600_000;
  while (!existsSync(go)) {
    if (Date.now() > until) throw new Error(`no ${go} within an hour`);
    Atomics.wait(nap, 0, 0, 5);
  }
}

function timedRequire(id: string): { mod: unknown; ms: number } {
  const require = createRequire(import.meta.url);
  const t0 = performance.now();
  const mod = require(id);
  return { mod, ms: performance.now() - t0 };
}

async function main(): Promise<void> {
  const config = arg('config') ?? 'unprobed';
  const k = Number(arg('iterations') ?? 3);
  if (!Number.isInteger(k) || k < 1) throw new Error(`--iterations must be a positive integer, got ${arg('iterations')}`);
  const gcAfter = Number(arg('gc-after') ?? 0);
  // `--keep-programs 1`: every check's program stays reachable until the process ends. A freed
  // program takes with it objects that optimized code embedded, and V8 throws that code away at
  // the mark-compact that frees it (fullGc's comment): kept, no check pays such a wave.
  const keepPrograms = arg('keep-programs') === '1';
  const kept: TS.Program[] = [];
  if (!Number.isInteger(gcAfter) || gcAfter < 0) throw new Error(`--gc-after must be a whole number, got ${arg('gc-after')}`);

  const lockstep = arg('lockstep');
  step(lockstep, 0);
  const collect = await setup(config);
  const { mod, ms: loadMs } = timedRequire('typescript');
  const ts = mod as typeof TS;
  const roots = [join(dirname(createRequire(import.meta.url).resolve('typescript')), 'typescript.d.ts')];
  const options = checkOptions(ts);

  const iterations: number[] = [];
  const cpu: number[] = [];
  const gc: number[] = [];
  const starts: number[] = [];
  // GC pauses, to tell the checker's own time from the collector's: scavenges are most of what
  // moves a check's time between processes of one build (bench:tsc's stability section in
  // docs/benchmarks.md). Entries arrive after the event loop turns, so each check waits for them.
  const pauses: { start: number; ms: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, ms: e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  let diagnostics = -1;
  for (let i = 0; i < k; i++) {
    // No forced gc() between checks: tried (--expose-gc), it made them slower and noisier (median
    // 1.9 s vs 1.1 s) and kept V8 deoptimizing and re-optimizing hundreds of functions per check,
    // where otherwise that churn dies down to a handful after four or five checks. (`--gc-after`
    // forces one, once, where that churn is wanted: see fullGc.)
    step(lockstep, i + 1);
    const t0 = performance.now();
    starts.push(t0);
    const c0 = process.cpuUsage();
    const { program, diagnostics: n } = check(ts, roots, options);
    if (keepPrograms) kept.push(program);
    const c1 = process.cpuUsage(c0);
    const t1 = performance.now();
    iterations.push(t1 - t0);
    cpu.push((c1.user + c1.system) / 1000);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    for (const e of observer.takeRecords()) pauses.push({ start: e.startTime, ms: e.duration });
    gc.push(pauses.filter((p) => p.start >= t0 && p.start < t1).reduce((sum, p) => sum + p.ms, 0));
    if (i + 1 === gcAfter) fullGc();
    if (i > 0 && n !== diagnostics) throw new Error(`diagnostics changed between checks: ${diagnostics} then ${n}`);
    diagnostics = n;
  }
  step(lockstep, k + 1);

  observer.disconnect();
  const result: WorkerResult = { config, loadMs, iterations, cpu, gc, starts, diagnostics, extra: await collect() };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
