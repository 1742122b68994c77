// bench:tsc's configurations, shared by the wall-time driver (tsc.ts) and the instruction-count
// driver (tsc-instructions.ts): the Node flags and environment each child process gets. What a
// configuration does inside the child is wired in tsc-worker.ts.

import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REGISTER = fileURLToPath(new URL('../../src/register.js', import.meta.url));
/**
 * By its real path, which is the one Node loads it by and JSPROBE_LOAD_SITES must name: in a git
 * worktree whose node_modules links to another checkout's, the path through the link matched
 * nothing, and the sited configurations measured no sites at all (as unprobed).
 */
export const TYPESCRIPT = realpathSync(fileURLToPath(new URL('../../../node_modules/typescript/lib/typescript.js', import.meta.url)));

/** Node flags per configuration, before the worker script: load sites need the load hooks. */
export const NODE_ARGS: Record<string, string[]> = {
  unprobed: [],
  disarmed: ['--import', REGISTER],
  hooks: ['--import', REGISTER],
  cached: ['--import', REGISTER],
  count: ['--import', REGISTER],
  'count-entry': ['--import', REGISTER],
  counter: ['--import', REGISTER],
  'counter-sealed': ['--import', REGISTER],
  'count-cell': ['--import', REGISTER],
  'count-cell-sealed': ['--import', REGISTER],
  'entry-func': ['--import', REGISTER],
  'entry-func-sealed': ['--import', REGISTER],
  hist: ['--import', REGISTER],
  'hist-coarse': ['--import', REGISTER],
  tracing: [],
};

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/**
 * The configurations run through the command, `jsprobe -e PROGRAM -c 'node tsc-worker.js …'`:
 * its agent registers the program's probes before typescript.js loads, as a user's run would.
 */
export const CLI_PROGRAMS: Record<string, string> = {
  'cli-func': `fnret:${TYPESCRIPT}:* { @[func] = count() }`,
  'cli-count': `fnret:${TYPESCRIPT}:* { @ = count() }`,
  'cli-entry': `fn:${TYPESCRIPT}:* { @ = count() }`,
  // The same by function, counted at entry: with cli-entry, what a module rewritten for counting alone gives.
  'cli-entry-func': `fn:${TYPESCRIPT}:* { @[func] = count() }`,
};

/** What the command printed at exit, `@: N` or `@[key]: N` lines: their total. */
export function countedByCli(stdout: string): number {
  let n = 0;
  for (const m of stdout.matchAll(/^@(?:\[.*\])?: (\d+)$/gm)) n += Number(m[1]);
  return n;
}

/** Environment per configuration. Every process rewrites typescript.js afresh (no disk cache). */
export const ENV: Record<string, Record<string, string>> = {
  // Every function of typescript.js gets a site as it loads; no probe is registered.
  disarmed: { JSPROBE_LOAD_SITES: TYPESCRIPT },
  // The load hooks installed, and no module asked for: what the hooks cost on their own.
  hooks: { JSPROBE_LOAD_SITES: join(TYPESCRIPT, '..', 'no-such-file.js') },
  // As disarmed, but the rewrite comes from the disk cache (filled once before the rounds): no
  // parse, so no parse garbage on the heap the checks then run on.
  cached: { JSPROBE_LOAD_SITES: TYPESCRIPT },
  hist: { JSPROBE_CLOCK: 'precise' },
  'hist-coarse': { JSPROBE_CLOCK: 'coarse' },
};

