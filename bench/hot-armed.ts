// bench:hot's rows by the number of probes armed in the process: one child process per (round,
// count), interleaved, each arming N counting return probes, one per function, and timing (a) the
// hits of one of them and (b) hits spread over all N, each beside the same loop over bare functions.
// Two kinds of site: wrap sites (functions made with new Function, probed through an object's
// property) and load sites (the functions of one generated module of 21,688, rewritten as it
// loads, as typescript.js's are). Two ways to count on load sites: a handler per probe (a closure
// each, `counts[k]++`), and a counting cell per probe (core's countsLike, as the command's
// `@[func] = count()` counts: no handler call). Against each other they tell whether the spread
// row's cost is the handler calls or the sites' own state. bench/hot.ts drives it (`--only
// armed`); alone:
//
//   node build/bench/hot-armed.js --child 1000 [--calls 2000000]
//   node --import build/src/register.js build/bench/hot-armed.js --child 1000 --load FILE --bare FILE [--cell]
//     (with JSPROBE_LOAD_SITES=FILE)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CountCell, countsLike } from '../src/core/index.js';
import { register, unregister, type Probe } from '../src/index.js';
import { fmt, median, nsPerCall, option, syncLoop } from './lib/measure.js';

const REGISTER = fileURLToPath(new URL('../src/register.js', import.meta.url));

export interface ArmedResult {
  n: number;
  /** ns per call: one armed function, and its bare twin. */
  one: number;
  oneBare: number;
  /** ns per call, calls spread over all N armed functions, and over N bare ones. */
  spread: number;
  spreadBare: number;
  registerMs: number;
  /** MB the heap grew by, registering (after a full GC on both sides). */
  registerMB: number;
  returns: number;
}

let made = 0;
function fns(n: number): { fn: (a: number) => number }[] {
  return Array.from({ length: n }, () => ({ fn: new Function('a', `return a + 1 // ${++made}`) as (a: number) => number }));
}

/** The functions of a generated module (moduleText), as targets of `t.fn(i)`. */
function moduleFns(file: string, n: number): { fn: (a: number) => number }[] {
  const all = (createRequire(import.meta.url)(file) as { all: ((a: number) => number)[] }).all;
  return all.slice(0, n).map((fn) => ({ fn }));
}

/** A CommonJS module of `n` one-line functions `f0`…, exported as `all`. */
function moduleText(n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += `function f${k}(a) { return a + 1 }\n`;
  return `${s}module.exports = { all: [${Array.from({ length: n }, (_, k) => `f${k}`).join(',')}] };\n`;
}

/** A handler that counts into `counts[k]`, or one that core counts for (a cell per probe, as the command's maps have). */
function counting(counts: Float64Array, k: number, cell: boolean): () => void {
  if (!cell) return () => { counts[k]++; };
  // Core's cell class, as the command's maps' cells are: one hidden class at the site.
  const c = new CountCell(0);
  // Never called while the cell is live: the site adds 1 to c.n itself.
  const handler = (): void => { c.n++; };
  countsLike(handler, { cell: () => c });
  cells.push(c);
  return handler;
}
const cells: { n: number }[] = [];

async function child(n: number, calls: number, load: { file: string; bare: string } | null, cell: boolean): Promise<ArmedResult> {
  const armed = load === null ? fns(n) : moduleFns(load.file, n);
  const bare = load === null ? fns(n) : moduleFns(load.bare, n);
  // Never fewer than 16 counters: a typed array of 64 bytes or less lives on V8's heap, where its
  // elements' address is not a constant, and one probe's handler then did ~5 instructions more a
  // hit (callgrind: 147 against 142), which flattered the other rows' ratios to one probe's.
  const counts = new Float64Array(Math.max(n, 16));
  const probes: Probe[] = [];
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const target = load === null ? { object: armed[k], key: 'fn' } : `${load.file}:f${k}`;
    probes.push(register({ target, onReturn: counting(counts, k, cell) }));
  }
  const registerMs = performance.now() - t0;
  gc();
  const registerMB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  // Every probe has been hit before the timing: none of them is a path V8 has not seen yet.
  for (let k = 0; k < n; k++) armed[k].fn(k);
  const loops = {
    one: syncLoop(armed[0], 't.fn(i)'),
    oneBare: syncLoop(bare[0], 't.fn(i)'),
    spread: syncLoop(armed, `t[i % ${n}].fn(i)`),
    spreadBare: syncLoop(bare, `t[i % ${n}].fn(i)`),
  };
  const samples: Record<keyof typeof loops, number[]> = { one: [], oneBare: [], spread: [], spreadBare: [] };
  for (const loop of Object.values(loops)) await nsPerCall(loop, calls);
  for (let r = 0; r < 5; r++) for (const [k, loop] of Object.entries(loops)) samples[k as keyof typeof loops].push(await nsPerCall(loop, calls));
  const returns = counts.reduce((a, b) => a + b, 0) + cells.reduce((a, c) => a + c.n, 0);
  await unregister(probes);
  return {
    n, registerMs, registerMB, returns,
    one: median(samples.one), oneBare: median(samples.oneBare), spread: median(samples.spread), spreadBare: median(samples.spreadBare),
  };
}

/** The rows, for bench/hot.ts: `rounds` rounds over `counts`, a process each, for wrap sites and load sites. */
export function armedRows(counts: number[], rounds: number, calls: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-hot-armed-'));
  try {
    // One module of as many functions as the most probes asked for; its bare twin is not rewritten.
    const file = join(dir, 'armed.cjs');
    const bare = join(dir, 'bare.cjs');
    const text = moduleText(Math.max(...counts));
    writeFileSync(file, text);
    writeFileSync(bare, text);
    const kinds = [
      { name: 'wrap sites', args: [], env: {} },
      {
        name: 'load sites (functions of one module, rewritten as it loads)',
        args: ['--import', REGISTER],
        env: { JSPROBE_LOAD_SITES: file, JSPROBE_CACHE: join(dir, 'cache') },
        childArgs: ['--load', file, '--bare', bare],
      },
      {
        name: 'load sites, counting cell (no handler call)',
        args: ['--import', REGISTER],
        env: { JSPROBE_LOAD_SITES: file, JSPROBE_CACHE: join(dir, 'cache') },
        childArgs: ['--load', file, '--bare', bare, '--cell'],
      },
    ];
    return kinds.flatMap((k) => table(k.name, counts, rounds, (n) => {
      const self = fileURLToPath(import.meta.url);
      const c = spawnSync(process.execPath, [...k.args, '--expose-gc', self, '--child', String(n), '--calls', String(calls), ...(k.childArgs ?? [])], {
        encoding: 'utf8', maxBuffer: 2 ** 24, env: { ...process.env, ...k.env },
      });
      if (c.status !== 0) throw new Error(`hot-armed --child ${n}: exit ${c.status}: ${c.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return JSON.parse(c.stdout.trim().split('\n').at(-1)!) as ArmedResult;
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(kind: string, counts: number[], rounds: number, run: (n: number) => ArmedResult): string[] {
  const results = new Map<number, ArmedResult[]>(counts.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const n of counts) {
      results.get(n)!.push(run(n));
      process.stderr.write(`  armed, ${kind}: round ${r + 1}/${rounds}, ${n} probes\r`);
    }
  }
  process.stderr.write('\n');
  const m = (n: number, k: keyof ArmedResult): number => median(results.get(n)!.map((x) => x[k]));
  const over = (n: number): number => m(n, 'one') - m(n, 'oneBare');
  const lines = [
    '',
    `Probes armed in the process, ${kind}: one counting return probe per function; a process per (round, count), ${rounds} rounds:`,
    '',
    '| probes armed | one site: ns/call | bare | overhead ns | × 1 probe\'s | spread over all: ns/call | bare | overhead ns | register ms | register MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const n of counts) {
    lines.push(`| ${n} | ${fmt(m(n, 'one'))} | ${fmt(m(n, 'oneBare'))} | ${fmt(over(n))} | ${fmt(over(n) / over(counts[0]), 2)} | ` +
      `${fmt(m(n, 'spread'))} | ${fmt(m(n, 'spreadBare'))} | ${fmt(m(n, 'spread') - m(n, 'spreadBare'))} | ` +
      `${fmt(m(n, 'registerMs'), 0)} | ${fmt(m(n, 'registerMB'))} |`);
  }
  return lines;
}

if (option('child') !== undefined) {
  const file = option('load');
  const load = file === undefined ? null : { file, bare: option('bare')! };
  const r = await child(Number(option('child')), Number(option('calls') ?? 2_000_000), load, process.argv.includes('--cell'));
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
