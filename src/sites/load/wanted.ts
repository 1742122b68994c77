// The main thread's side of what load hooks instrument: entries added by probes that wait for
// their code to load, plus hints (JSPROBE_LOAD_SITES), published to the hooks on every change.

import { hintedFiles, WantedList, type Wanted } from '../hooks/wanted.js';
import { LoadedLog } from '../hooks/loaded-log.js';
import { JSONStringify } from '../../core/primordials.js';
import { sealCounting, type CountKind } from '../../core/index.js';

export const wantedList = new WantedList();
export const loadedLog = new LoadedLog();
/**
 * What is wanted, once however many probes want it, and by how many: a probe on each of
 * typescript.js's 21k functions wants the one file 21k times, and the list is written out whole
 * at every change (a list of 21k entries at each of 21k registers before this).
 */
const entries = new Map<string, { w: Wanted; n: number; counts: CountKind | null }>();
let hints: Wanted[] = hintedFiles(process.env, process.cwd()).map((file) => ({ file, lines: [] }));
let hooked = false;
/** Registration is sealed for counting (sealForCounting): what one probe alone wants is marked for counting. */
let counting = false;

function publish(): void {
  wantedList.write([...hints, ...[...entries.values()].map((e) => (counting && e.n === 1 && e.counts !== null ? { ...e.w, count: e.counts } : e.w))]);
}

/**
 * Once the thread's probes are registered and no other may be (the agent's sessions under
 * `jsprobe -c`; a program's own `seal()`): where every one only counts, at entry or at returns,
 * seal registration (core's sealCounting), and have the files that one probe alone wants
 * rewritten for counting alone, its way, as they load (Wanted.count). Null when sealed; else why not.
 */
export function sealForCounting(reason: string): string | null {
  const not = sealCounting(reason);
  if (not !== null) return not;
  if (!counting) {
    counting = true;
    publish();
  }
  return null;
}

/**
 * Instrument files matching `w` when they load, until the returned function is called. `counts`:
 * what the probe that wants them counts, if it only counts. Probes that count differently want a
 * file as two entries, and two entries that match a file give it its whole sites (rewrite-module.ts).
 */
export function want(w: Wanted, counts: CountKind | null = null): () => void {
  // Line sites are never counted alone: what their probes count does not matter.
  const kind = w.lines.length === 0 ? counts : null;
  const key = JSONStringify([w.file, w.lines, kind]);
  const e = entries.get(key);
  if (e !== undefined) e.n++;
  else {
    entries.set(key, { w, n: 1, counts: kind });
    publish();
  }
  let wanted = true;
  return () => {
    if (!wanted) return;
    wanted = false;
    const e = entries.get(key)!;
    if (--e.n > 0) return;
    entries.delete(key);
    publish();
  };
}

/** Instrument every function of files matching these globs (absolute) when they load. */
export function hint(files: string[]): void {
  hints = [...hints, ...files.map((file) => ({ file, lines: [] }))];
  publish();
}

/** The load hooks are installed in this thread (`--import jsprobe/register`). */
export function setHooked(): void {
  hooked = true;
  publish();
}

export function isHooked(): boolean {
  return hooked;
}

export function currentWanted(): Wanted[] {
  return wantedList.read();
}
