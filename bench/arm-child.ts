// The child of bench:arm (see arm.ts). Two modes:
//
//   arm  --heap-mb N --rounds R   grow the heap to ~N MB, then time registerAll() of 1, 10 and 100
//                                 live probes on functions of one loaded script (one LiveEdit), and
//                                 the unregister() that puts the script back. Both run on the main
//                                 thread and hold it: their time is the pause.
//   hits --rounds R               ns per call of one trivial function with a counting return probe
//                                 on a load site, a live site, a breakpoint site and a wrap site,
//                                 beside the bare call, TracingChannel and a shimmer wrapper.
//
// Prints one JSON line.

import dc from 'node:diagnostics_channel';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import shimmer from 'shimmer';
import { register, registerAll, unregister, type Probe } from '../src/index.js';
import { median, nsPerCall, syncLoop } from './lib/measure.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const mode = args[0];
const ROUNDS = Number(opt('rounds', '5'));
const require = createRequire(import.meta.url);

/** A CommonJS module of `count` small functions, each laid out as code usually is, each its own text. */
function moduleOf(count: number): string {
  const fns = Array.from({ length: count }, (_, i) => `function f${i}(a, b) {\n  const s${i} = a + b * ${i};\n  return s${i} * ${i + 1};\n}\n`);
  return `'use strict';\n${fns.join('')}module.exports = [${fns.map((_, i) => `f${i}`).join(', ')}];\n`;
}

function grow(mb: number): unknown[] {
  const ballast: unknown[] = [];
  // Small objects, as a service's heap holds: the edit's heap walk visits every one.
  for (let i = 0; process.memoryUsage().heapUsed < mb * 2 ** 20; i++) {
    const chunk = new Array<unknown>(10_000);
    for (let j = 0; j < chunk.length; j++) chunk[j] = { id: i * 10_000 + j, name: `item${j}`, tags: [j] };
    ballast.push(chunk);
  }
  return ballast;
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function arm(): Promise<void> {
  const ballast = grow(Number(opt('heap-mb', '10')));
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  const dir = mkdtempSync(join(tmpdir(), 'jsprobe-arm-'));
  const file = join(dir, 'targets.cjs');
  writeFileSync(file, moduleOf(100));
  const fns = require(file) as ((a: number, b: number) => number)[];
  let sink = 0;
  for (const f of fns) sink += f(1, 2);
  const out: Record<string, { arm: number; restore: number }> = {};
  for (const k of [1, 10, 100]) {
    const armT: number[] = [];
    const restoreT: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let t0 = process.hrtime.bigint();
      const ps: Probe[] = registerAll(fns.slice(0, k).map((target) => ({ target, site: 'live' as const, onReturn: () => {} })));
      armT.push(ms(t0));
      if (ps.some((p) => p.state !== 'armed' || p.site !== 'live')) throw new Error(`not armed live: ${ps.map((p) => `${p.state}/${p.site}`).join(' ')}`);
      for (const f of fns.slice(0, k)) sink += f(2, 3);
      t0 = process.hrtime.bigint();
      const done = unregister(ps);
      restoreT.push(ms(t0));
      await done;
    }
    out[k] = { arm: median(armT), restore: median(restoreT) };
  }
  console.log(JSON.stringify({ heapMb, ballast: ballast.length, sink, results: out }));
}

type Kind = 'bare' | 'load' | 'live' | 'breakpoint' | 'wrap' | 'tracing' | 'shimmer';
const KINDS: Kind[] = ['bare', 'load', 'live', 'breakpoint', 'wrap', 'tracing', 'shimmer'];

async function hits(): Promise<void> {
  const dir = opt('dir', '');
  const holders = new Map<Kind, { fn: (a: number, b: number) => number }>();
  let returns = 0;
  const count = (): void => {
    returns++;
  };
  for (const kind of KINDS) {
    // Each kind has its own copy of the module: its own function, its own feedback.
    const fn = require(join(dir, `hot-${kind}.cjs`)) as (a: number, b: number) => number;
    const holder = { fn };
    holders.set(kind, holder);
    if (kind === 'load' || kind === 'live' || kind === 'breakpoint') {
      const p = register({
        target: kind === 'load' ? `${join(dir, 'hot-load.cjs')}:hot` : fn, site: kind === 'breakpoint' ? 'breakpoint' : 'auto', onReturn: count,
      });
      if (p.site !== kind || p.state !== 'armed') throw new Error(`${kind}: got a ${p.site} site, ${p.state}`);
    } else if (kind === 'wrap') {
      register({ target: { object: holder, key: 'fn' }, onReturn: count });
    } else if (kind === 'tracing') {
      const ch = dc.tracingChannel('bench:arm');
      ch.subscribe({ start() {}, end: count, asyncStart() {}, asyncEnd() {}, error() {} });
      holder.fn = function (this: unknown, a: number, b: number) { return ch.traceSync(fn, { a }, this, a, b); };
    } else if (kind === 'shimmer') {
      shimmer.wrap(holder, 'fn', (orig) => function (this: unknown, a: number, b: number) { return orig.call(this, a, b); });
    }
  }
  const loops = new Map(KINDS.map((k) => [k, syncLoop(holders.get(k), 't.fn(i, 1)')]));
  const calls = (k: Kind): number => (k === 'breakpoint' ? 2_000 : 2_000_000);
  const samples = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
  for (const k of KINDS) await nsPerCall(loops.get(k)!, calls(k) / 10);
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of KINDS) samples.get(k)!.push(await nsPerCall(loops.get(k)!, calls(k)));
  }
  const ns = Object.fromEntries(KINDS.map((k) => [k, median(samples.get(k)!)]));
  console.log(JSON.stringify({ ns, returns }));
}

await (mode === 'arm' ? arm() : mode === 'hits' ? hits() : Promise.reject(new Error(`mode: arm or hits, not ${mode}`)));
