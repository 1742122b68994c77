// Shared test helpers: cleanup between tests, waiting on a real condition, forcing a GC.

import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { list, register, registerAll, unregister, type Probe, type ProbeSpec } from '../src/index.js';

const handles = new Map<number, Probe>();

/** register(), remembered so that unregisterAll can clean up after the test. */
export function reg(spec: ProbeSpec): Probe {
  const p = register(spec);
  handles.set(p.id, p);
  return p;
}

export function regAll(specs: ProbeSpec[]): Probe[] {
  const ps = registerAll(specs);
  for (const p of ps) handles.set(p.id, p);
  return ps;
}

/** Unregister every probe still registered, so each test starts from nothing. */
export async function unregisterAll(): Promise<void> {
  const live = list().map((i) => handles.get(i.id)).filter((p): p is Probe => p !== undefined);
  handles.clear();
  await unregister(live);
  if (list().length > 0) throw new Error(`probes left registered: ${list().map((i) => i.name).join(', ')}`);
}

/**
 * Resolve when `cond()` holds, checking on every timer tick; reject after `timeoutMs`, a bound
 * that only stops a test that would hang (far above what the condition takes on a busy machine).
 */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as () => void;
/** A full, synchronous garbage collection. */
export function gc(): void {
  gcFn();
}

/** A fixture file as a `./relative/path` from the working directory, for `module#export` targets. */
export function fixture(name: string): string {
  const abs = fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
  return `./${relative(process.cwd(), abs)}`;
}

