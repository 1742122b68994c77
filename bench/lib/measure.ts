// Shared pieces of the benchmarks: per-variant loops compiled apart (so one variant's feedback
// never makes another's call site megamorphic), interleaved rounds, medians, machine facts.

import { cpus, totalmem } from 'node:os';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0–1) of xs, linear between the two nearest ranks. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

export type SyncLoop = (n: number) => number;
export type AsyncLoop = (n: number) => Promise<number>;

let loops = 0;

/**
 * A loop of `n` calls of `expr` (which may use `i` and `t`, the target object), compiled on its
 * own. The comment makes each source unique: V8 caches `new Function` by source text, and the
 * closures of one cached function share feedback, which would make every loop's call site
 * polymorphic.
 */
export function syncLoop(target: unknown, expr: string): SyncLoop {
  return new Function('t', `return function loop(n) { let sink = 0; for (let i = 0; i < n; i++) sink += ${expr}; return sink; } // ${++loops}`)(target);
}

export function asyncLoop(target: unknown, expr: string): AsyncLoop {
  return new Function('t',
    `return async function loop(n) { let sink = 0; for (let i = 0; i < n; i++) sink += await ${expr}; return sink; } // ${++loops}`)(target);
}

/** ns per call of one run of `loop(n)`. */
export async function nsPerCall(loop: SyncLoop | AsyncLoop, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  await loop(n);
  return Number(process.hrtime.bigint() - t0) / n;
}

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `Node ${process.version}, ${process.platform}/${process.arch}`;
}

export function fmt(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return '—';
  return x.toFixed(digits);
}

/** `--name value` from this process's command line, or undefined. */
export function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * The order to run `n` variants in, in round `round`: shuffled, the same for the same round in
 * every run (mulberry32, seeded by the round). In one order every round, a variant always runs
 * after the same other, and what the one before leaves (a warm cache, a busy core) is charged to
 * it: bench:startup's --compare build looked ~5-10 ms cheaper for that (docs/benchmarks.md).
 */
export function shuffledOrder(n: number, round: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let a = round + 1;
  const random = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
