// bench:hot — ns per call of a trivial sync function, an async one and a class method, bare and
// under every way of watching it, all in one process run: wrap site disarmed, entry probe,
// return probe (counting; with `elapsed`), TracingChannel with subscribers, a shimmer wrapper.
// Then the language's handlers on a sync function, each beside a bare loop of the same shape: a
// counting probe (`@n = count()`), a keyed map update over 300 keys, `printf("%s")` of an object;
// last, in rounds of their own (its async hook would weigh on the async rows), `@[ctx] = count()`
// beside the counting probe again.
//
// Last, rows by the number of probes armed in the process (1 to 21,688, typescript.js's count of
// functions), on wrap sites and on load sites, a child process each (hot-armed.ts): `--only armed`
// runs those alone.
//
//   npm run bench:hot [-- --rounds 9 --calls 2000000 --armed 1,100,1000,21688]

import dc from 'node:diagnostics_channel';
import shimmer from 'shimmer';
import { disable, register, unregister, type Probe } from '../src/index.js';
import { compile } from '../src/lang/compile.js';
import { instantiate, makeRuntime } from '../src/program/runtime.js';
import { countingHandler } from '../src/program/counting.js';
import { armedRows } from './hot-armed.js';
import { asyncLoop, fmt, machine, median, nsPerCall, syncLoop, type AsyncLoop, type SyncLoop } from './lib/measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 9);
const CALLS = opt('calls', 2_000_000);
const ASYNC_CALLS = Math.max(1000, Math.floor(CALLS / 20));
const onlyAt = args.indexOf('--only');
const ONLY = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : null;
const armedAt = args.indexOf('--armed');
const ARMED = (armedAt >= 0 ? args[armedAt + 1] : '1,100,1000,21688').split(',').map(Number);

type Shape = 'sync' | 'async' | 'method';
type Variant = 'bare' | 'disarmed' | 'entry' | 'return' | 'elapsed' | 'tracing' | 'shimmer';
const VARIANTS: Variant[] = ['bare', 'disarmed', 'entry', 'return', 'elapsed', 'tracing', 'shimmer'];
const LABEL: Record<Variant, string> = {
  bare: 'bare call',
  disarmed: 'wrap site, probe disabled',
  entry: 'entry probe, counting',
  return: 'return probe, counting',
  elapsed: 'return probe, sum of `elapsed`',
  tracing: 'TracingChannel with subscribers',
  shimmer: 'shimmer wrapper',
};

let counted = 0;
let elapsedSum = 0;
const probes: Probe[] = [];

/** A fresh target per (shape, variant): its own functions, so no two variants share feedback. */
let made = 0;
function makeTarget(shape: Shape): Record<string, (a: number) => unknown> {
  const tag = `// ${++made}`; // unique source: see syncLoop
  if (shape === 'sync') {
    return { fn: new Function('a', `return a + 1 ${tag}`) as (a: number) => number };
  }
  if (shape === 'async') {
    return { fn: new Function(`return async function fn(a) { return a + 1 } ${tag}`)() };
  }
  const C = new Function(`return class C { constructor() { this.x = 1 } fn(a) { return this.x + a } } ${tag}`)();
  return new C();
}

/** Language rows: a probe program on a sync function, and the loop that calls it (its bare twin calls it unprobed). */
const LANG = [
  { name: 'count', label: 'language: `@n = count()`', program: '@n = count()', call: 't.fn(i)' },
  { name: 'keyed', label: 'language: `@[arg0] = count()`, 300 keys', program: '@[arg0] = count()', call: 't.fn(i % 300)' },
  { name: 'printf', label: 'language: `printf("%s\\n", arg0)` of an object', program: 'printf("%s\\n", arg0)', call: 't.fn(t.o)' },
] as const;
/** Read after the others: a program that reads ctx installs an async hook for as long as it runs. */
const CTX_ROWS = [
  { name: 'count', label: 'language: `@n = count()`, with the ctx hook installed', program: '@n = count()', call: 't.fn(i)' },
  { name: 'ctx', label: 'language: `@[ctx] = count()`', program: '@[ctx] = count()', call: 't.fn(i)' },
] as const;
/** Characters the language rows printed (kept, so that nothing is optimised away). */
let printed = 0;

const runtimes: { close(): void }[] = [];

function languageTarget(withProbe: string | null): Record<string, unknown> {
  const t: Record<string, unknown> = {
    fn: new Function('a', `return 1 // ${++made}`),
    o: { id: 42, user: 'ada', tags: ['a', 'b'], nested: { ok: true, n: 1.5 } },
  };
  if (withProbe === null) return t;
  const program = compile(`fn:bench.js:fn { ${withProbe} }`);
  const out = { format: 'text' as const, text: (s: string) => void (printed += s.length), json: () => {} };
  const rt = makeRuntime(program, out, () => {});
  runtimes.push(rt);
  // As the command registers it: a handler that only counts is counted by the site (counting.ts).
  const handler = instantiate(rt, program.probes[0].source);
  countingHandler(rt, program.probes[0], handler);
  probes.push(register({ target: { object: t, key: 'fn' }, onEntry: handler }));
  return t;
}

function holderOf(t: Record<string, unknown>): object {
  return Object.prototype.hasOwnProperty.call(t, 'fn') ? t : Object.getPrototypeOf(t);
}

function prepare(shape: Shape, v: Variant): Record<string, (a: number) => unknown> {
  const t = makeTarget(shape);
  const holder = holderOf(t);
  const target = { object: holder, key: 'fn' };
  switch (v) {
    case 'bare':
      break;
    case 'disarmed': {
      const p = register({ target, onReturn: () => { counted++; } });
      disable(p);
      probes.push(p);
      break;
    }
    case 'entry':
      probes.push(register({ target, onEntry: () => { counted++; } }));
      break;
    case 'return':
      probes.push(register({ target, onReturn: () => { counted++; } }));
      break;
    case 'elapsed':
      probes.push(register({ target, onReturn: (call) => { elapsedSum += call.elapsed; } }));
      break;
    case 'tracing': {
      const ch = dc.tracingChannel(`bench:${shape}`);
      ch.subscribe({ start() { counted++; }, end() {}, asyncStart() {}, asyncEnd() {}, error() {} });
      const h = holder as Record<string, (this: unknown, a: number) => unknown>;
      const orig = h.fn;
      h.fn = shape === 'async'
        ? function (this: unknown, a: number) { return ch.tracePromise(orig as (a: number) => Promise<unknown>, { a }, this, a); }
        : function (this: unknown, a: number) { return ch.traceSync(orig, { a }, this, a); };
      break;
    }
    case 'shimmer':
      shimmer.wrap(holder as Record<string, (...a: unknown[]) => unknown>, 'fn', (orig) => function (this: unknown, ...a: unknown[]) {
        counted++;
        return orig.apply(this, a);
      });
      break;
  }
  return t;
}

/** The ctx rows: interleaved rounds of their own, after the rest, with the hook in place throughout. */
async function ctxRows(): Promise<string[]> {
  const loops = new Map<string, SyncLoop>();
  for (const l of CTX_ROWS) {
    loops.set(l.name, syncLoop(languageTarget(l.program), l.call));
    loops.set(`${l.name}/bare`, syncLoop(languageTarget(null), l.call));
  }
  const samples = new Map<string, number[]>([...loops.keys()].map((k) => [k, []]));
  for (const [, loop] of loops) await nsPerCall(loop, CALLS);
  for (let r = 0; r < ROUNDS; r++) for (const [k, loop] of loops) samples.get(k)!.push(await nsPerCall(loop, CALLS));
  for (const rt of runtimes) rt.close();
  const lines = ['', '| language handler, ctx hook installed (sync function) | ns/call | bare loop ns | overhead ns |', '|---|---:|---:|---:|'];
  for (const l of CTX_ROWS) {
    const ns = median(samples.get(l.name)!);
    const bare = median(samples.get(`${l.name}/bare`)!);
    lines.push(`| ${l.label} | ${fmt(ns)} | ${fmt(bare)} | ${fmt(ns - bare)} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  if (ONLY !== null && ONLY.size === 1 && ONLY.has('armed')) {
    console.log(armedRows(ARMED, ROUNDS, CALLS).join('\n'));
    return;
  }
  const shapes = (['sync', 'async', 'method'] as Shape[]).filter((s) => ONLY === null || ONLY.has(s) || ONLY.has('all'));
  const loops = new Map<string, SyncLoop | AsyncLoop>();
  for (const shape of shapes) {
    for (const v of VARIANTS) {
      if (ONLY !== null && !ONLY.has(v) && v !== 'bare' && v !== 'tracing') continue;
      const t = prepare(shape, v);
      loops.set(`${shape}/${v}`, shape === 'async' ? asyncLoop(t, 't.fn(i)') : syncLoop(t, 't.fn(i)'));
    }
  }
  if (shapes.includes('sync') && (ONLY === null || ONLY.has('lang') || ONLY.has('all'))) {
    for (const l of LANG) {
      loops.set(`lang/${l.name}`, syncLoop(languageTarget(l.program), l.call));
      loops.set(`lang/${l.name}/bare`, syncLoop(languageTarget(null), l.call));
    }
  }
  const samples = new Map<string, number[]>([...loops.keys()].map((k) => [k, []]));
  process.stderr.write(`bench:hot: ${ROUNDS} rounds × ${loops.size} variants (${CALLS} sync / ${ASYNC_CALLS} async calls each)\n`);
  for (const [k, loop] of loops) await nsPerCall(loop, k.startsWith('async') ? ASYNC_CALLS : CALLS); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, loop] of loops) samples.get(k)!.push(await nsPerCall(loop, k.startsWith('async') ? ASYNC_CALLS : CALLS));
    process.stderr.write(`  round ${r + 1}/${ROUNDS}\r`);
  }
  process.stderr.write('\n');

  const clock = median(Array.from({ length: 5 }, () => {
    const n = 1e6;
    const t0 = process.hrtime.bigint();
    let s = 0;
    for (let i = 0; i < n; i++) s += performance.now();
    if (s === 0) console.log('');
    return Number(process.hrtime.bigint() - t0) / n;
  }));

  const lines: string[] = [];
  lines.push(`Machine: ${machine()}. performance.now() costs ${fmt(clock)} ns here.`);
  lines.push(`Median of ${ROUNDS} interleaved rounds; overhead = variant − bare; last column = overhead ÷ TracingChannel's overhead.`);
  lines.push('');
  lines.push('| function | variant | ns/call | overhead ns | ÷ TracingChannel |');
  lines.push('|---|---|---:|---:|---:|');
  const verdicts: string[] = [];
  for (const shape of shapes) {
    const m = (v: Variant) => median(samples.get(`${shape}/${v}`) ?? [NaN]);
    const bare = m('bare');
    const tc = m('tracing') - bare;
    for (const v of VARIANTS) {
      if (!samples.has(`${shape}/${v}`)) continue;
      const ns = m(v);
      const over = ns - bare;
      lines.push(`| ${shape} | ${LABEL[v]} | ${fmt(ns)} | ${v === 'bare' ? '' : fmt(over)} | ${v === 'bare' || v === 'tracing' ? '' : fmt(over / tc, 3)} |`);
    }
    if (shape === 'sync') {
      const ret = m('return') - bare;
      const dis = m('disarmed') - bare;
      verdicts.push(`sync return probe (counting) overhead ${fmt(ret)} ns = ${fmt(ret / tc, 3)} × TracingChannel's ${fmt(tc)} ns ` +
        `(goal ≤ 0.1): ${ret / tc <= 0.1 ? 'met' : 'NOT met'}`);
      verdicts.push(`sync wrap site disabled: ${fmt(dis)} ns over bare (goal ≤ 2 ns): ${dis <= 2 ? 'met' : 'NOT met'}`);
    }
  }
  if (samples.has('lang/count')) {
    lines.push('');
    lines.push('| language handler (sync function) | ns/call | bare loop ns | overhead ns |');
    lines.push('|---|---:|---:|---:|');
    for (const l of LANG) {
      const ns = median(samples.get(`lang/${l.name}`)!);
      const bare = median(samples.get(`lang/${l.name}/bare`)!);
      lines.push(`| ${l.label} | ${fmt(ns)} | ${fmt(bare)} | ${fmt(ns - bare)} |`);
    }
  }
  if (samples.has('lang/count') && (ONLY === null || ONLY.has('ctx') || ONLY.has('lang') || ONLY.has('all'))) lines.push(...await ctxRows());
  if (ONLY === null || ONLY.has('armed')) lines.push(...armedRows(ARMED, ROUNDS, CALLS));
  lines.push('');
  for (const v of verdicts) lines.push(`- ${v}`);
  console.log(lines.join('\n'));
  await unregister(probes);
  if (counted < 0 || Number.isNaN(elapsedSum) || printed < 0) console.log('');
}

await main();
