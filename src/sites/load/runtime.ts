// The object every rewritten module reads as `$jpD` (globalThis[Symbol.for('jsprobe.load')]):
// the load registry's entry point, and short names for the shared hot path. Load sites share one
// copy of dispatch: a module may hold thousands of sites, too many for a copy each.

import { shared } from '../../core/index.js';
import { RUNTIME_KEY } from '../rewrite/instrument.js';
import { registerModule } from './registry.js';

const d = shared;

export const runtime = {
  module: registerModule,
  /** Entries: sync, async, generator, async generator. */
  e: d.enter,
  ea: (s: Parameters<typeof d.enter>[0], self: unknown, argc: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, rest?: unknown[]) =>
    d.enterDeferred(s, true, self, argc, a0, a1, a2, a3, rest),
  eg: (s: Parameters<typeof d.enter>[0], self: unknown, argc: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, rest?: unknown[]) =>
    d.enterDeferred(s, false, self, argc, a0, a1, a2, a3, rest),
  eag: (s: Parameters<typeof d.enter>[0], self: unknown, argc: number, a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, rest?: unknown[]) =>
    d.enterDeferred(s, true, self, argc, a0, a1, a2, a3, rest),
  /** Exits: a return, an async function's return, a generator's completion, a throw. */
  r: d.exitReturn,
  ra: (f: Parameters<typeof d.exitReturn>[0], v: unknown) => d.exitDeferred(f, v, true),
  rg: (f: Parameters<typeof d.exitReturn>[0], v: unknown) => d.exitDeferred(f, v, false),
  t: d.exitThrow,
  /** A line site. */
  l: d.line,
  /** Arguments past the fourth, for functions that read `arguments` anyway. */
  rest: (args: ArrayLike<unknown>): unknown[] => Array.prototype.slice.call(args, 4),
};

export function installRuntime(): void {
  const key = Symbol.for(RUNTIME_KEY);
  const g = globalThis as unknown as Record<symbol, unknown>;
  if (g[key] === undefined) Object.defineProperty(globalThis, key, { value: runtime, configurable: true });
}
