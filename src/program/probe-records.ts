// Which probes matched a function in a thread, carried with its maps as two records (as the cut
// count is, agg/safe-strlen.ts), so that "never matched" is said only when no thread of no process
// matched: a probe on a function that runs only in a worker thread, or only in a child process,
// waits in the main thread all along.

import type { MapData } from '../agg/maps.js';
import { list, type Probe } from '../core/index.js';
import { hasKey, SafeSet } from '../core/primordials.js';

/** Names of the probes registered in a thread that matched a function there (no map can be named so). */
export const MATCHED_RECORD = '#probes-matched';
/** The probes registered in a thread that are still waiting there: [name, note]. */
export const WAITING_RECORD = '#probes-waiting';

/** `maps`, with this thread's records of `probes` added. */
export function withProbeRecords(maps: MapData[], probes: readonly Probe[]): MapData[] {
  const matched: [string, unknown][] = [];
  let waiting = false;
  // Loops by index: at exit the program may have replaced Array's iterator.
  for (let i = 0; i < probes.length; i++) {
    if (probes[i].state === 'waiting') waiting = true;
    else matched[matched.length] = [probes[i].name, 1];
  }
  if (matched.length > 0) maps[maps.length] = { name: MATCHED_RECORD, entries: matched };
  // list() only when there is something to say: at exit the program's built-ins may be replaced.
  if (!waiting) return maps;
  const mine = new SafeSet<number>();
  for (let i = 0; i < probes.length; i++) mine.add(probes[i].id);
  const entries: [string, unknown][] = [];
  const all = list();
  for (let i = 0; i < all.length; i++) {
    const p = all[i];
    if (mine.has(p.id) && p.state === 'waiting') entries[entries.length] = [p.name, (hasKey(p, 'note') ? p.note : undefined) ?? null];
  }
  maps[maps.length] = { name: WAITING_RECORD, entries };
  return maps;
}

/** The records among `data` (of other threads), to pass on with this thread's maps. */
export function probeRecordsIn(data: readonly MapData[]): MapData[] {
  const out: MapData[] = [];
  for (let i = 0; i < data.length; i++) if (data[i].name === MATCHED_RECORD || data[i].name === WAITING_RECORD) out[out.length] = data[i];
  return out;
}

/**
 * Why a probe with no note of its own waited: its target's code never came through the load hooks
 * (Module.prototype._compile, the ES module load hook). jest and vitest compile the modules a test
 * loads with node:vm themselves, so a suite's functions ran while every probe on them said only
 * "never matched a function that ran", which read as though they had not.
 */
function notLoaded(where: string): string {
  return `no file it names was loaded by require or import ${where}; a test runner that compiles modules `
    + 'itself with node:vm (jest, vitest) runs them out of jsprobe\'s sight: see "Test runners" in docs/cli.md';
}

/**
 * The warnings for probes that waited wherever they were registered, once each, in order of first
 * report. `more` goes after "never matched a function that ran", before why: it names processes
 * that ended before reporting, which may have loaded the file, so the why speaks only of the others.
 */
export function neverMatched(data: Iterable<MapData>, more = ''): string[] {
  const matched = new Set<string>();
  const waiting = new Map<string, string | null>();
  for (const d of data) {
    if (d.name === MATCHED_RECORD) for (const [name] of d.entries) matched.add(name);
    if (d.name !== WAITING_RECORD) continue;
    for (const [name, note] of d.entries) if (!waiting.has(name)) waiting.set(name, typeof note === 'string' ? note : null);
  }
  const lines: string[] = [];
  const unseen = notLoaded(more === '' ? 'in a traced process' : 'in the processes that reported');
  for (const [name, note] of waiting) {
    if (!matched.has(name)) lines.push(`jsprobe: ${name} never matched a function that ran${more} (${note ?? unseen})\n`);
  }
  return lines;
}
