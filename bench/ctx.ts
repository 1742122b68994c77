// bench:ctx — what `ctx` costs the traced program: while a program reads ctx, an async hook sees
// every async resource the program makes (every promise, timer, socket…). Measured on a
// request-shaped chain (an async function with 10 awaits of an async call and an immediate:
// 32 promises and 1 immediate), 100 chains in flight at once, in a process of its own per
// variant, interleaved: bare; jsprobe's ctx tracking (program/ctx.ts); AsyncLocalStorage with
// enterWith at the chain's start, the other way considered. Each hit of a probe that reads ctx
// costs on top of this (bench:hot's ctx row).
//
//   npm run bench:ctx [-- --rounds 7 --chains 20000]

import { spawnSync } from 'node:child_process';
import { AsyncLocalStorage } from 'node:async_hooks';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, option } from './lib/measure.js';
import { readContext, startContext } from '../src/program/ctx.js';

const ROUNDS = Number(option('rounds') ?? 7);
const CHAINS = Number(option('chains') ?? 20_000);
const IN_FLIGHT = 100;
const VARIANTS = ['bare', 'ctx', 'als'] as const;
type Variant = (typeof VARIANTS)[number];
const LABEL: Record<Variant, string> = {
  bare: 'no hook',
  ctx: 'jsprobe ctx tracking (init hook, symbol on each resource)',
  als: 'AsyncLocalStorage, enterWith at each chain\'s start',
};

/** One child: ns per chain for `variant`, after a warm-up. */
async function child(variant: Variant): Promise<number> {
  let read: () => unknown = () => 0;
  if (variant === 'ctx') {
    startContext();
    read = readContext;
  } else if (variant === 'als') {
    const als = new AsyncLocalStorage<number>();
    let next = 0;
    read = () => als.getStore() ?? als.enterWith(++next);
  }
  const step = async (i: number): Promise<number> => i + 1;
  const chain = async (): Promise<number> => {
    read();
    let s = 0;
    for (let k = 0; k < 10; k++) s += await step(k);
    await new Promise((r) => setImmediate(r));
    return s;
  };
  const run = async (): Promise<number> => {
    const t0 = process.hrtime.bigint();
    for (let done = 0; done < CHAINS; done += IN_FLIGHT) await Promise.all(Array.from({ length: IN_FLIGHT }, chain));
    return Number(process.hrtime.bigint() - t0) / CHAINS;
  };
  await run();
  return run();
}

async function main(): Promise<void> {
  const which = option('child') as Variant | undefined;
  if (which !== undefined) {
    process.stdout.write(`${await child(which)}\n`);
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const samples = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  process.stderr.write(`bench:ctx: ${ROUNDS} rounds × ${VARIANTS.length} variants, ${CHAINS} chains each\n`);
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of VARIANTS) {
      const p = spawnSync(process.execPath, [self, '--child', v, '--chains', String(CHAINS)], { encoding: 'utf8' });
      if (p.status !== 0) throw new Error(`child ${v}: ${p.stderr}`);
      samples.get(v)!.push(Number(p.stdout));
    }
    process.stderr.write(`  round ${r + 1}/${ROUNDS}\r`);
  }
  process.stderr.write('\n');
  const bare = median(samples.get('bare')!);
  const lines = [
    `Machine: ${machine()}. Median of ${ROUNDS} interleaved rounds, a process per variant and round.`,
    '',
    '| variant | ns per chain | over bare | per async resource (33) |',
    '|---|---:|---:|---:|',
  ];
  for (const v of VARIANTS) {
    const ns = median(samples.get(v)!);
    lines.push(`| ${LABEL[v]} | ${fmt(ns, 0)} | ${v === 'bare' ? '' : fmt(ns - bare, 0)} | ${v === 'bare' ? '' : fmt((ns - bare) / 33)} |`);
  }
  console.log(lines.join('\n'));
}

await main();
